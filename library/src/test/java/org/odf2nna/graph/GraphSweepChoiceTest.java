package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.SweepSettings;

/** What a sweep that wrote nothing says about the rows it would have needed. */
class GraphSweepChoiceTest {

    private static final GraphRun DEFAULTS = GraphRun.of(SweepSettings.defaults(), 0.1);

    @Test
    void aRoundThatFailedForWantOfImagesSaysHowManyWouldHaveHeld() {
        // The trained YOLOv8n's round retrained on 3,000 images: 9 of 600 worse, 8 better.
        String hint = GraphSweepChoice.rowsNeeded(new SweepReport.Judged(600, Double.NaN, 9, 8), DEFAULTS, true,
                GraphDetectionJudging.LABELLED_WORDS);
        assertTrue(hint.contains("9 of 600 validation images worse on their boxes, 8 better"), hint);
        int needed = ChainCertificate.rowsToHold(600, 0.01, true, 9, 8);
        assertTrue(needed > 600 && hint.contains(String.format(java.util.Locale.ROOT, "%,d images", 1400)), hint);
        // At the count said, the same rates hold; at the rows judged they did not.
        assertTrue(ChainCertificate.choose(ChainCertificate.Reading.POPULATION, 1400, 0.01, true,
                new int[] {21}, new int[] {19}, null) == 0);
        assertEquals(-1, ChainCertificate.choose(ChainCertificate.Reading.POPULATION, 600, 0.01, true,
                new int[] {9}, new int[] {8}, null));
    }

    @Test
    void aRoundThatLostMoreThanTheToleranceGetsNoCount() {
        assertEquals("", GraphSweepChoice.rowsNeeded(new SweepReport.Judged(600, Double.NaN, 14, 5), DEFAULTS,
                true, GraphDetectionJudging.LABELLED_WORDS));
        assertEquals(-1, ChainCertificate.rowsToHold(600, 0.01, false, 17, 0));
    }

    @Test
    void theCountIsTheSmallestThatHolds() {
        int needed = ChainCertificate.rowsToHold(600, 0.01, true, 9, 8);
        java.util.function.IntPredicate holds = n -> ChainCertificate.choose(ChainCertificate.Reading.POPULATION, n,
                0.01, true, new int[] {(int) Math.round(9.0 / 600 * n)}, new int[] {(int) Math.round(8.0 / 600 * n)},
                null) == 0;
        assertTrue(holds.test(needed));
        assertTrue(!holds.test(needed - 1));
        assertEquals(600, ChainCertificate.rowsToHold(600, 0.01, true, 3, 3), "rows that hold need no more");
    }
}
