package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link TrainingResult.Epoch#beats}: the rule that keeps a training's best epoch (the metric first, the loss on a
 * tie, never a NaN metric).
 */
class EpochBeatsTest {

    private static TrainingResult.Epoch epoch(double loss, double metric) {
        return new TrainingResult.Epoch(1, Double.NaN, loss, metric);
    }

    @Test
    void aHigherAccuracyBeatsALowerOneWhateverTheLoss() {
        assertTrue(epoch(0.9, 0.85).beats(epoch(0.1, 0.84), Loss.SOFTMAX_CROSS_ENTROPY));
        assertFalse(epoch(0.1, 0.84).beats(epoch(0.9, 0.85), Loss.SOFTMAX_CROSS_ENTROPY));
    }

    @Test
    void aLowerMseBeatsAHigherOne() {
        assertTrue(epoch(0.5, 0.2).beats(epoch(0.1, 0.3), Loss.MEAN_SQUARED_ERROR));
        assertFalse(epoch(0.1, 0.3).beats(epoch(0.5, 0.2), Loss.MEAN_SQUARED_ERROR));
    }

    @Test
    void onAnEqualMetricTheLowerLossBeatsAndEqualFiguresDoNot() {
        assertTrue(epoch(0.3, 0.85).beats(epoch(0.4, 0.85), Loss.SOFTMAX_CROSS_ENTROPY));
        assertFalse(epoch(0.4, 0.85).beats(epoch(0.3, 0.85), Loss.SOFTMAX_CROSS_ENTROPY));
        assertFalse(epoch(0.4, 0.85).beats(epoch(0.4, 0.85), Loss.SOFTMAX_CROSS_ENTROPY), "a tie keeps the first");
    }

    @Test
    void aNaNMetricNeverBeatsAndANaNBestFallsToTheLoss() {
        assertFalse(epoch(0.1, Double.NaN).beats(epoch(0.9, 0.5), Loss.SOFTMAX_CROSS_ENTROPY));
        assertTrue(epoch(0.1, 0.5).beats(epoch(0.9, Double.NaN), Loss.SOFTMAX_CROSS_ENTROPY));
    }
}
