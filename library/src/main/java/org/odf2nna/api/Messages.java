package org.odf2nna.api;

import java.nio.file.Path;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.report.ReportFormat;

/**
 * The sentences the command line prints beside a report or in place of one: a graph with nothing to prune, int8
 * layers no pruning reads, an original far worse than its sidecar records. Its own room, apart from {@link Odf2nna}:
 * these build words for a user to read and run no workflow.
 */
public final class Messages {

    private Messages() {
    }

    /** What the tool says of a graph with neither dense blocks nor a dense chain to prune (one line, no file). */
    public static String noBlocks(Path model) {
        return org.odf2nna.method.GraphSweeper.noBlocks(model);
    }

    /**
     * What the tool says of a model's int8 layers on integer kernels (the static form's QGemm and pairs, a graph's
     * integer layers), which no pruning reads: one line, which and why; null when it holds none.
     */
    public static String int8NotPruned(Path model) {
        return org.odf2nna.method.Int8Layers.notPruned(model);
    }

    /**
     * A warning, for a report's line on the original model, when {@code original} (its metrics on the rows given) is
     * far worse than the test metric that the model's JSON sidecar ({@code NAME.json} beside it) records: the rows
     * may not be the ones it was trained for. Empty when there is no sidecar, it records no such metric, or they
     * agree.
     *
     * @param model    the model file or SavedModel directory
     * @param original the original model's metrics on the rows given, or null (then empty)
     */
    public static String recordedMetricWarning(Path model, Metrics original) {
        if (original == null || model == null) {
            return "";
        }
        // The sidecar's key is the metric's own name: accuracy or mse.
        return ReportFormat.recordedMismatch(original, ModelFiles.sidecarTestMetric(model, original.primaryName()),
                ModelFiles.sidecar(model).toString());
    }
}
