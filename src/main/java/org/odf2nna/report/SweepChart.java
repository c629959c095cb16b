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
 * compensation, the chosen one, and the scratch-trained comparison when there is one. Written as PNG and SVG with XChart.
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
        ShrinkReport table = sweep.table();
        boolean percent = table.originalMetrics() instanceof Metrics.Classification;
        List<Double> x = new ArrayList<>();
        List<Double> pwr = new ArrayList<>();
        List<Double> pr = new ArrayList<>();
        // PWR with the compensation that was not used, when the report has it
        boolean usedLsq = table.compensation() != null && table.compensation().used().equals("lsq");
        List<Double> otherPwr = new ArrayList<>();
        for (EpsilonOutcome o : table.outcomes()) {
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
            series.add(new Series("chosen (ε=" + ReportFormat.number(chosen.epsilon()) + ")",
                    List.of((double) chosen.network().parameters()), List.of(value(shown, percent))));
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

    /** Writes {@code base.png} and {@code base.svg}; returns the two paths. */
    public static List<Path> write(SweepReport sweep, Path base) {
        System.setProperty("java.awt.headless", "true");
        ShrinkReport table = sweep.table();
        Metrics original = table.originalMetrics();
        String metric = original == null ? "metric" : original.primaryName();
        boolean percent = original instanceof Metrics.Classification;
        String yTitle = "test " + (percent ? "accuracy (%)" : metric.toUpperCase(java.util.Locale.ROOT));
        XYChart chart = new XYChartBuilder().width(900).height(560)
                .title("ε sweep of " + Path.of(table.model()).getFileName() + ": " + yTitle + " against parameters")
                .xAxisTitle("parameters of the dense chain").yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setMarkerSize(9);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisLogarithmic(true);
        for (Series s : series(sweep)) {
            XYSeries drawn = chart.addSeries(s.label(), s.parameters(), s.values());
            drawn.setXYSeriesRenderStyle(s.label().equals(PR) ? XYSeries.XYSeriesRenderStyle.Line
                    : XYSeries.XYSeriesRenderStyle.Scatter);
            if (s.label().equals(PWR)) {
                drawn.setMarker(SeriesMarkers.DIAMOND);
            } else if (s.label().equals(PR)) {
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
        Path png = base.resolveSibling(base.getFileName() + ".png");
        Path svg = base.resolveSibling(base.getFileName() + ".svg");
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG), null);
        AtomicFiles.write(svg, out -> VectorGraphicsEncoder.saveVectorGraphic(chart, out,
                VectorGraphicsEncoder.VectorGraphicsFormat.SVG), null);
        return List.of(png, svg);
    }

    private static double value(Metrics m, boolean percent) {
        if (m == null) {
            return Double.NaN;
        }
        return percent ? 100 * m.primaryValue() : m.primaryValue();
    }
}
