package org.odf2nna.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The table's legend says at what level an x failed: beside a choice made "at the whole 5%" (the population reading)
 * it said "does not hold at its part of the 5%" (issue 56).
 */
class GraphTablesLegendTest {

    private static SweepReport.Round round(int n, double level, boolean holds) {
        SweepReport.Judged v = new SweepReport.Judged(100, 0.9, 1, 0);
        return new SweepReport.Round(n, new SweepReport.Size("8", 100, 10.0 * n, 9.0 * n), level, holds, v,
                null, SweepReport.Retrained.epoch(null));
    }

    @Test
    void thePopulationReadingsRoundsFailAtTheWhole5Percent() {
        String legend = GraphTables.legend(List.of(round(1, 0.05, true), round(2, 0.05, false), round(3, 0, false)));
        assertTrue(legend.startsWith("does not hold at the whole 5%"), legend);
        assertTrue(!legend.contains("its part"), legend);
    }

    @Test
    void theNewSetReadingsRoundsFailAtTheirPart() {
        String legend = GraphTables.legend(List.of(round(1, 0.01, true), round(2, 0.04, false), round(3, 0, false)));
        assertTrue(legend.startsWith("does not hold at its part of the 5%"), legend);
    }
}
