package org.odf2nna.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void aConstantRateIsTheSameAtEveryStep() {
        for (long step = 0; step < 100; step += 7) {
            assertEquals(0.003f, LearningRateSchedule.CONSTANT.rate(0.003f, step, 100));
        }
    }

    @Test
    void oneCycleRisesFromATwentyFifthToThePeakThenFallsToNearlyNothing() {
        float peak = 0.002f;
        int steps = 1000;
        LearningRateSchedule s = LearningRateSchedule.ONE_CYCLE;
        assertEquals(peak / 25, s.rate(peak, 0, steps), 1e-9);
        float top = 0;
        long topStep = -1;
        float previous = 0;
        boolean falling = false;
        for (long step = 0; step < steps; step++) {
            float r = s.rate(peak, step, steps);
            assertTrue(r > 0 && r <= peak * (1 + 1e-6), "step " + step + ": " + r);
            if (r > top) {
                top = r;
                topStep = step;
            }
            if (step > 0) {
                // up, then down: once it falls it never rises again
                if (r < previous) {
                    falling = true;
                }
                assertTrue(!falling || r <= previous, "rose again at step " + step);
            }
            previous = r;
        }
        assertEquals(peak, top, 1e-9);
        assertTrue(topStep >= 290 && topStep <= 300, "peak at step " + topStep);
        assertEquals(peak / 25 / 1e4, s.rate(peak, steps - 1, steps), 1e-10);
        assertEquals(peak, s.rate(peak, 0, 1), "a single step runs at the peak");
    }
}
