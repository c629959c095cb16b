package org.odf2nna.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A graph sweep's chart, drawn as {@link SweepChart} draws a chain's: each round's parameters against its metric on
 * the report rows (the validation rows where there are none), the original, the round written and the tolerance
 * line. The metric is accuracy on labelled rows; on rows without labels, the share of the original's predictions the
 * round keeps (its agreement with the original), which is what the label-free promise is judged on; for a regressor,
 * the MSE, the tolerance line at the original's MSE raised by the tolerance.
 */
public final class GraphSweepChart {

    private GraphSweepChart() {
    }

    /** The points the chart shows, in drawing order: the rounds, the original, the chosen round, the tolerance. */
    public static List<SweepChart.Series> series(GraphSweepReport sweep) {
        boolean onReport = sweep.original().report() != null;
        GraphSweepReport.Judged original = onReport ? sweep.original().report() : sweep.original().validation();
        List<GraphSweepReport.Round> ordered = new ArrayList<>(sweep.outcome().rounds());
        ordered.sort(Comparator.comparingLong(x -> x.size().parameters()));
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (GraphSweepReport.Round r : ordered) {
            x.add((double) r.size().parameters());
            y.add(value(onReport ? r.report() : r.validation()));
        }
        double originalParameters = sweep.blocks().modelParameters();
        List<SweepChart.Series> series = new ArrayList<>();
        if (!x.isEmpty()) {
            series.add(new SweepChart.Series(SweepChart.ROUNDS, x, y));
        }
        series.add(new SweepChart.Series(SweepChart.OR, List.of(originalParameters), List.of(value(original))));
        if (sweep.outcome().chosen() != null) {
            GraphSweepReport.Round chosen = sweep.outcome().rounds().get(sweep.outcome().chosen());
            series.add(new SweepChart.Series("chosen (round " + chosen.round() + ")",
                    List.of((double) chosen.size().parameters()), List.of(value(onReport ? chosen.report()
                            : chosen.validation()))));
        }
        double limit = original.regression() || original.languageModel()
                ? value(original) * (1 + sweep.method().maxDrop() / 100)
                : value(original) - sweep.method().maxDrop();
        double low = x.isEmpty() ? originalParameters : Math.min(x.get(0), originalParameters);
        series.add(new SweepChart.Series(tolerance(sweep, original), List.of(low, originalParameters),
                List.of(limit, limit)));
        return series;
    }

    /** Writes {@code base.png} and {@code base.svg}; returns the two paths. */
    public static List<Path> write(GraphSweepReport sweep, Path base) {
        boolean onReport = sweep.original().report() != null;
        String rows = onReport ? "report-row " : "validation-row ";
        GraphSweepReport.Judged measured = onReport ? sweep.original().report() : sweep.original().validation();
        String y = rows + (measured.languageModel() ? "perplexity" : measured.regression() ? "MSE (outputs clipped)"
                : agreement(measured) ? "agreement with the original's predictions (%)" : "accuracy (%)");
        return SweepChart.render(new SweepChart.Titles("Graph sweep of " + Path.of(sweep.model()).getFileName() + ": "
                + y + " against parameters", "parameters of the model (log scale)", y), series(sweep), base);
    }

    /** Whether rows were judged without labels: then a round's metric is its agreement with the original. */
    private static boolean agreement(GraphSweepReport.Judged j) {
        return Double.isNaN(j.accuracy());
    }

    /**
     * Accuracy in percent, or without labels the percent of rows whose prediction the original's matches; a
     * regressor's MSE.
     */
    static double value(GraphSweepReport.Judged j) {
        if (j == null) {
            return Double.NaN;
        }
        if (j.languageModel()) {
            return j.perplexity();
        }
        if (j.regression()) {
            return j.mse();
        }
        return agreement(j) ? 100.0 * (j.rows() - j.lost()) / Math.max(1, j.rows()) : 100 * j.accuracy();
    }

    private static String tolerance(GraphSweepReport sweep, GraphSweepReport.Judged original) {
        String drop = ReportFormat.number(sweep.method().maxDrop());
        if (original.languageModel()) {
            return SweepChart.TOLERANCE + "original perplexity + " + drop + "%";
        }
        if (original.regression()) {
            return SweepChart.TOLERANCE + "original MSE + " + drop + "%";
        }
        return SweepChart.TOLERANCE + (agreement(original) ? "100% − " + drop + "% of the predictions changed"
                : "original − " + drop + (drop.equals("1") ? " point" : " points"));
    }
}
