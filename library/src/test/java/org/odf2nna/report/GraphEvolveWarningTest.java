package org.odf2nna.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** evolve's table says loudly when the written model loses more than a point on the validation rows. */
class GraphEvolveWarningTest {

    private static String table(double original, double written) {
        SweepReport.Judged o = new SweepReport.Judged(5000, original, 0, 0);
        SweepReport.Judged w = new SweepReport.Judged(5000, written, 0, 0);
        EvolveReport r = EvolveReport.ofGraph(new EvolveReport.GraphRun("m.keras", "small.keras",
                new EvolveReport.Rows("train.npz", 3000, "validation.npz", true, null)),
                new EvolveReport.Search(2, 40, new EvolveReport.Ga(30, 300, 0.07, 0, 1),
                        new EvolveReport.Effort(300, 0, 270, false)), List.of(),
                new EvolveReport.Outcome("1101", new EvolveReport.GraphOutcome(List.of("a 3/4"), 100, 80, 1000, 900,
                        new EvolveReport.Judgements(o, o, w, null, null))),
                new EvolveReport.GraphRound("end to end", List.of(), 12));
        return GraphTables.evolve(r);
    }

    @Test
    void aLossPastOnePointIsSaidAndAnyLessIsNot() {
        String lost = table(0.9448, 0.7850);
        assertTrue(lost.contains("WARNING: the written model scores 15.98 points below the original"), lost);
        assertTrue(lost.indexOf("WARNING") < lost.indexOf("Wrote"), "said before the file is named");
        assertFalse(table(0.9448, 0.9400).contains("WARNING"));
        assertFalse(table(0.9448, 0.9500).contains("WARNING"));
    }
}
