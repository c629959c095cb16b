package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * How side-by-side timings are summed up: the median of each repetition's median run (the written model against the
 * original, as a user sees it), or the fastest run of all (the latency budget's layers, which another job's load would
 * otherwise move apart).
 */
class SideBySideSummaryTest {

    private static final Path FILE = Path.of("branches.onnx");
    private static final InputSignature INPUT = new InputSignature("x", 1, new long[] {-1, 16, 8, 8});

    private static SideBySide timed(SideBySide.Summary summary) {
        List<ModelProto> models = List.of(SideBySideLoadTest.branches(8, 8, 8), SideBySideLoadTest.branches(16, 8, 8));
        return SideBySide.measure(models, List.of(FILE, FILE), INPUT, new float[16 * 8 * 8], 4, 1, 1_000_000L,
                summary);
    }

    @Test
    void theMedianIsTheMiddleRepetitionsMedianRun() {
        SideBySide s = timed(SideBySide.Summary.MEDIAN);
        for (int m = 0; m < 2; m++) {
            assertEquals(middle(s.oneRepeats()[m]), s.oneMicros()[m]);
            assertEquals(middle(s.batchRepeats()[m]), s.batchMicros()[m]);
        }
    }

    @Test
    void theFastestIsTheFastestRunOfEveryRepetition() {
        SideBySide s = timed(SideBySide.Summary.FASTEST);
        for (int m = 0; m < 2; m++) {
            assertEquals(SideBySide.REPEATS, s.oneRepeats()[m].length);
            assertEquals(Arrays.stream(s.oneRepeats()[m]).min().orElseThrow(), s.oneMicros()[m]);
            assertEquals(Arrays.stream(s.batchRepeats()[m]).min().orElseThrow(), s.batchMicros()[m]);
            assertTrue(s.oneMicros()[m] > 0 && s.batchMicros()[m] > s.oneMicros()[m] * 0.5,
                    "a batch of 4 takes at least about one row's time: " + s.oneMicros()[m] + ", " + s.batchMicros()[m]);
        }
    }

    private static double middle(double[] t) {
        double[] sorted = t.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
