package org.odf2nna.report;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.metrics.Metrics;

/**
 * The metric of every model of a sweep against its parameter count, as the paper's Figures 7–9 plot it:
 * the original model, the pruned models without (PWR) and with (PR) retraining, the pruned models with the other
 * compensation, the chosen one, the scratch-trained comparison when there is one, and the tolerance (the original's
 * metric less the allowed drop) as a line, so that the promise and the chosen point are seen against each other.
 * Points are in parameter order, so that lines join neighbours. The x axis is logarithmic with its ticks labelled in
 * plain parameter counts (XChart's own logarithmic axis labels decades only). Written as PNG and SVG with XChart.
 *
 * <p>A graph sweep's chart ({@link #series(SweepReport)}) is drawn the same way: each round's parameters against
 * its metric on the report rows (the validation rows where there are none), the original, the round written and the
 * tolerance line. The metric is accuracy on labelled rows; on rows without labels, the share of the original's
 * predictions the round keeps (its agreement with the original), which is what the label-free promise is judged on;
 * for a regressor, the MSE, the tolerance line at the original's MSE raised by the tolerance; for a language model,
 * the perplexity.
 */
public final class SweepChart {

    private SweepChart() {
    }

    /** One plotted series: its legend label and its points. */
    public record Series(String label, List<Double> parameters, List<Double> values) {
        public Series {
            parameters = List.copyOf(parameters);
            values = List.copyOf(values);
        }
    }

    /** The points the chart shows, in drawing order: what a test can check against the report. */
    public static List<Series> series(SweepReport sweep) {
        return sweep.onGraph() ? graphSeries(sweep) : chainSeries(sweep);
    }

    /** A sweep's chart as PNG and SVG ({@code base}.png, {@code base}.svg), a chain's or a graph's. */
    public static List<Path> write(SweepReport sweep, Path base) {
        return sweep.onGraph() ? writeGraph(sweep, base) : writeChain(sweep, base);
    }

    private static List<Series> chainSeries(SweepReport sweep) {
        ShrinkReport table = sweep.table();
        boolean percent = table.originalMetrics() instanceof Metrics.Classification;
        List<Double> x = new ArrayList<>();
        List<Double> pwr = new ArrayList<>();
        List<Double> pr = new ArrayList<>();
        // PWR with the compensation that was not used, when the report has it
        boolean usedLsq = table.compensation() != null && table.compensation().used().equals("lsq");
        List<Double> otherPwr = new ArrayList<>();
        List<EpsilonOutcome> ordered = new ArrayList<>(table.outcomes());
        ordered.sort(java.util.Comparator.comparingLong(o -> o.network().parameters()));
        for (EpsilonOutcome o : ordered) {
            x.add((double) o.network().parameters());
            pwr.add(value(o.pruned(), percent));
            pr.add(value(o.retrained(), percent));
            otherPwr.add(value(usedLsq ? o.prunedMeanFolding() : o.prunedLeastSquares(), percent));
        }
        List<Series> series = new ArrayList<>();
        series.add(new Series(PWR, x, pwr));
        if (table.compensation() != null && otherPwr.stream().anyMatch(v -> !Double.isNaN(v))) {
            series.add(new Series(usedLsq ? PWR_MEAN : PWR_LSQ, x, otherPwr));
        }
        if (pr.stream().anyMatch(v -> !Double.isNaN(v))) {
            series.add(new Series(PR, x, pr));
        }
        series.add(new Series(OR, List.of((double) table.original().parameters()),
                List.of(value(table.originalMetrics(), percent))));
        if (sweep.chosen() != null) {
            EpsilonOutcome chosen = table.outcomes().get(sweep.chosen());
            Metrics shown = chosen.retrained() != null ? chosen.retrained() : chosen.pruned();
            String which = chosen.step() != null ? chosen.step() : "ε=" + ReportFormat.number(chosen.epsilon());
            series.add(new Series("chosen (" + which + ")",
                    List.of((double) chosen.network().parameters()), List.of(value(shown, percent))));
        }
        double original = value(table.originalMetrics(), percent);
        if (!Double.isNaN(original) && !x.isEmpty()) {
            double limit = percent ? original - sweep.maxDrop() : original * (1 + sweep.maxDrop() / 100);
            double low = Math.min(x.get(0), table.original().parameters());
            double high = Math.max(x.get(x.size() - 1), table.original().parameters());
            series.add(new Series(tolerance(sweep, percent), List.of(low, high), List.of(limit, limit)));
        }
        if (sweep.scratch() != null) {
            series.add(new Series(SCRATCH, List.of((double) sweep.scratch().parameters()),
                    List.of(value(sweep.scratch().metrics(), percent))));
        }
        return series;
    }

    static final String PWR = "pruned, not retrained (PWR)";
    static final String PR = "pruned and retrained (PR)";
    static final String PWR_MEAN = "pruned with mean folding instead, not retrained";
    static final String PWR_LSQ = "pruned with least squares instead, not retrained";
    static final String OR = "original (OR)";
    static final String SCRATCH = "chosen topology trained from scratch";
    static final String TOLERANCE = "tolerance: ";
    /** A graph sweep's rounds: each pruned, refitted and (where it ran) retrained. */
    static final String ROUNDS = "rounds (pruned, refitted, retrained where it ran)";

    private static String tolerance(SweepReport sweep, boolean percent) {
        String drop = ReportFormat.number(sweep.maxDrop());
        return TOLERANCE + (percent ? "original − " + drop + (drop.equals("1") ? " point" : " points")
                : "original + " + drop + "% MSE");
    }

    /** Writes a chain sweep's chart to {@code base.png} and {@code base.svg}; returns the two paths. */
    private static List<Path> writeChain(SweepReport sweep, Path base) {
        ShrinkReport table = sweep.table();
        Metrics original = table.originalMetrics();
        String metric = original == null ? "metric" : original.primaryName();
        boolean percent = original instanceof Metrics.Classification;
        String yTitle = "test " + (percent ? "accuracy (%)" : metric.toUpperCase(java.util.Locale.ROOT));
        boolean progressive = table.outcomes().stream().anyMatch(o -> o.step() != null);
        return render(new Titles((progressive ? "Progressive pruning of " : "ε sweep of ")
                + Path.of(table.model()).getFileName() + ": " + yTitle + " against parameters",
                "parameters of the dense chain (log scale)", yTitle), chainSeries(sweep), base);
    }

    /** A graph sweep's points, in drawing order: the rounds, the original, the chosen round, the tolerance. */
    private static List<Series> graphSeries(SweepReport sweep) {
        boolean onReport = sweep.original().report() != null;
        SweepReport.Judged original = onReport ? sweep.original().report() : sweep.original().validation();
        List<SweepReport.Round> ordered = new ArrayList<>(sweep.outcome().rounds());
        ordered.sort(java.util.Comparator.comparingLong(x -> x.size().parameters()));
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (SweepReport.Round r : ordered) {
            x.add((double) r.size().parameters());
            y.add(value(onReport ? r.report() : r.validation()));
        }
        double originalParameters = sweep.blocks().modelParameters();
        List<Series> series = new ArrayList<>();
        if (!x.isEmpty()) {
            series.add(new Series(ROUNDS, x, y));
        }
        series.add(new Series(OR, List.of(originalParameters), List.of(value(original))));
        if (sweep.outcome().chosen() != null) {
            SweepReport.Round chosen = sweep.outcome().rounds().get(sweep.outcome().chosen());
            series.add(new Series("chosen (round " + chosen.round() + ")",
                    List.of((double) chosen.size().parameters()), List.of(value(onReport ? chosen.report()
                            : chosen.validation()))));
        }
        double limit = original.regression() || original.languageModel()
                ? value(original) * (1 + sweep.method().maxDrop() / 100)
                : value(original) - sweep.method().maxDrop();
        double low = x.isEmpty() ? originalParameters : Math.min(x.get(0), originalParameters);
        series.add(new Series(tolerance(sweep, original), List.of(low, originalParameters), List.of(limit, limit)));
        return series;
    }

    /** Writes a graph sweep's chart to {@code base.png} and {@code base.svg}; returns the two paths. */
    private static List<Path> writeGraph(SweepReport sweep, Path base) {
        boolean onReport = sweep.original().report() != null;
        String rows = onReport ? "report-row " : "validation-row ";
        SweepReport.Judged measured = onReport ? sweep.original().report() : sweep.original().validation();
        String y = rows + (measured.languageModel() ? "perplexity" : measured.regression() ? "MSE (outputs clipped)"
                : agreement(measured) ? "agreement with the original's predictions (%)" : "accuracy (%)");
        return render(new Titles("Graph sweep of " + Path.of(sweep.model()).getFileName() + ": " + y
                + " against parameters", "parameters of the model (log scale)", y), graphSeries(sweep), base);
    }

    /** Whether a graph's rows were judged without labels: then a round's metric is its agreement with the original. */
    private static boolean agreement(SweepReport.Judged j) {
        return Double.isNaN(j.accuracy());
    }

    /**
     * A graph round's metric: accuracy in percent, or without labels the percent of rows whose prediction the
     * original's matches; a regressor's MSE; a language model's perplexity.
     */
    static double value(SweepReport.Judged j) {
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

    private static String tolerance(SweepReport sweep, SweepReport.Judged original) {
        String drop = ReportFormat.number(sweep.method().maxDrop());
        if (original.languageModel()) {
            return TOLERANCE + "original perplexity + " + drop + "%";
        }
        if (original.regression()) {
            return TOLERANCE + "original MSE + " + drop + "%";
        }
        return TOLERANCE + (agreement(original) ? "100% − " + drop + "% of the predictions changed"
                : "original − " + drop + (drop.equals("1") ? " point" : " points"));
    }

    /** The files a chart with file base {@code base} is written to: {@code base.png} and {@code base.svg}. */
    public static List<Path> files(Path base) {
        return List.of(base.resolveSibling(base.getFileName() + ".png"), base.resolveSibling(base.getFileName()
                + ".svg"));
    }

    /** A chart's title and its axes' titles. */
    record Titles(String title, String x, String y) {
    }

    /**
     * Draws {@code series} (their labels pick the style: lines for {@link #PR}, {@link #ROUNDS} and the tolerance,
     * markers for the rest) on a logarithmic parameter axis, and writes {@link #files(Path)}.
     */
    static List<Path> render(Titles titles, List<Series> series, Path base) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title(titles.title()).xAxisTitle(titles.x())
                .yAxisTitle(titles.y()).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setMarkerSize(9);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        // Drawn at log10 of the count on a linear axis, every tick labelled with the count it stands for.
        chart.setCustomXAxisTickLabelsFormatter(SweepChart::countLabel);
        for (Series s : series) {
            List<Double> logs = s.parameters().stream().map(Math::log10).toList();
            XYSeries drawn = chart.addSeries(s.label(), logs, s.values());
            boolean line = s.label().equals(PR) || s.label().equals(ROUNDS) || s.label().startsWith(TOLERANCE);
            drawn.setXYSeriesRenderStyle(line ? XYSeries.XYSeriesRenderStyle.Line
                    : XYSeries.XYSeriesRenderStyle.Scatter);
            if (s.label().startsWith(TOLERANCE)) {
                drawn.setMarker(SeriesMarkers.NONE);
                drawn.setLineColor(Color.GRAY);
                drawn.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT,
                        java.awt.BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            } else if (s.label().equals(PWR)) {
                drawn.setMarker(SeriesMarkers.DIAMOND);
            } else if (s.label().equals(PR) || s.label().equals(ROUNDS)) {
                drawn.setMarker(SeriesMarkers.CIRCLE);
            } else if (s.label().equals(PWR_MEAN) || s.label().equals(PWR_LSQ)) {
                drawn.setMarker(SeriesMarkers.DIAMOND);
                drawn.setMarkerColor(Color.LIGHT_GRAY);
            } else if (s.label().equals(OR)) {
                drawn.setMarker(SeriesMarkers.SQUARE);
            } else if (s.label().equals(SCRATCH)) {
                drawn.setMarker(SeriesMarkers.TRIANGLE_UP);
            } else {
                drawn.setMarker(SeriesMarkers.CROSS);
                drawn.setMarkerColor(Color.RED);
            }
        }
        List<Path> files = files(base);
        AtomicFiles.write(files.get(0), out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG),
                null);
        AtomicFiles.write(files.get(1), out -> VectorGraphicsEncoder.saveVectorGraphic(chart, out,
                VectorGraphicsEncoder.VectorGraphicsFormat.SVG), null);
        return files;
    }

    /** A tick at log10(count), labelled with the count to two significant digits: "630", "1,000", "27,000". */
    static String countLabel(double log) {
        double count = Math.pow(10, log);
        if (count < 1) {
            return String.format(java.util.Locale.ROOT, "%.2g", count);
        }
        double magnitude = Math.pow(10, Math.max(0, Math.floor(Math.log10(count)) - 1));
        return String.format(java.util.Locale.ROOT, "%,d", Math.round(Math.round(count / magnitude) * magnitude));
    }

    private static double value(Metrics m, boolean percent) {
        if (m == null) {
            return Double.NaN;
        }
        return percent ? 100 * m.primaryValue() : m.primaryValue();
    }
}
