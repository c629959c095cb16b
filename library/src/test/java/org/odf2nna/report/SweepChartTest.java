package org.odf2nna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graph sweep's chart ({@link SweepChart#series(SweepReport)}; GraphSweepChart before issue 85): the points
 * drawn are the report's, on the report rows or, without them, the validation rows.
 */
class SweepChartTest {

    @TempDir
    Path dir;

    private static SweepReport.Round round(int n, long parameters, SweepReport.Judged validation,
            SweepReport.Judged report) {
        return new SweepReport.Round(n, new SweepReport.Size("8", parameters, 10.0 * n, 9.0 * n), 0.05, true,
                validation, report, SweepReport.Retrained.epoch(null));
    }

    private static SweepReport sweep(SweepReport.Judged validation, SweepReport.Judged report,
            List<SweepReport.Round> rounds, Integer chosen) {
        return SweepReport.ofGraph("m.onnx", null, new GraphBlocks(1000, 800, 0.8, List.of(), List.of()),
                new SweepReport.Method("cost", "sequential", 0.2, 3, 100),
                new SweepReport.Original(!Double.isNaN(validation.accuracy()), validation, report),
                new SweepReport.Outcome(rounds, chosen, ""),
                new SweepReport.Run(1, "none", List.of(), List.of()), null);
    }

    @Test
    void labelledReportRowsArePlottedAsAccuracyAgainstTheToleranceLine() throws Exception {
        SweepReport.Judged v = new SweepReport.Judged(200, 0.9, 0, 0);
        SweepReport r = sweep(v, new SweepReport.Judged(100, 0.95, 0, 0), List.of(
                round(1, 800, v, new SweepReport.Judged(100, 0.94, 2, 1)),
                round(2, 600, v, new SweepReport.Judged(100, 0.80, 16, 1))), 0);
        List<SweepChart.Series> series = SweepChart.series(r);
        assertEquals(SweepChart.ROUNDS, series.get(0).label());
        assertEquals(List.of(600.0, 800.0), series.get(0).parameters(), "in parameter order");
        assertEquals(80.0, series.get(0).values().get(0), 1e-9);
        assertEquals(94.0, series.get(0).values().get(1), 1e-9);
        assertEquals(List.of(1000.0), series.get(1).parameters());
        assertEquals(95.0, series.get(1).values().get(0), 1e-9, "the original on the report rows");
        assertEquals("chosen (round 1)", series.get(2).label());
        assertEquals(94.0, series.get(2).values().get(0), 1e-9);
        SweepChart.Series tolerance = series.get(3);
        assertTrue(tolerance.label().startsWith(SweepChart.TOLERANCE) && tolerance.label().endsWith("3 points"),
                tolerance.label());
        assertEquals(List.of(92.0, 92.0), tolerance.values());
        List<Path> files = SweepChart.write(r, dir.resolve("chart"));
        assertEquals(List.of(dir.resolve("chart.png"), dir.resolve("chart.svg")), files);
        assertTrue(Files.size(files.get(0)) > 1000 && Files.readString(files.get(1)).contains("<svg"));
    }

    @Test
    void unlabelledValidationRowsArePlottedAsAgreementWithTheOriginal() {
        SweepReport.Judged v = new SweepReport.Judged(200, Double.NaN, 0, 0);
        SweepReport r = sweep(v, null, List.of(round(1, 800, new SweepReport.Judged(200, Double.NaN, 4,
                0), null)), null);
        List<SweepChart.Series> series = SweepChart.series(r);
        assertEquals(98.0, series.get(0).values().get(0), 1e-9, "4 of 200 predictions changed");
        assertEquals(100.0, series.get(1).values().get(0), 1e-9, "the original agrees with itself");
        assertEquals(3, series.size(), "no round chosen: rounds, original, tolerance");
        assertTrue(series.get(2).label().contains("changed"), series.get(2).label());
        assertEquals(97.0, series.get(2).values().get(0), 1e-9);
    }
}
