package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.Setting;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRegression;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.metrics.BoundedRegression;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.metrics.Evaluator;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.OutputClip;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.settings.ConvertChecks;
import org.odf2nna.settings.Task;

/**
 * {@code convert}'s checks on rows of the user's where the dense-chain reader does not apply (a graph, or the int8
 * file written for one, such as the static form's QGemm nodes): the original and the written file both run as
 * graphs in ONNX Runtime on the same rows, a file with a dynamic int8 form one row per run (one activation range per
 * run), and judged as {@link CheckedConverter} judges a chain: the metric side by side on the evaluation rows, the
 * one-candidate promise on the validation rows.
 */
final class GraphConversionCheck {

    /** Rows per run where a file may be run in batches. */
    private static final int BATCH = 256;

    private GraphConversionCheck() {
    }

    /** What rows of the user's say of the written file against the original (each null without its rows). */
    record Result(Task task, Metrics before, Metrics after, LossBound bound) {
    }

    static Result check(Path model, Path written, ConvertChecks checks, Progress progress) {
        ModelProto original = OnnxModelFile.read(model);
        ModelProto converted = OnnxModelFile.read(written);
        // Fed as eval and sweep feed it: each input from the data files' array named after it, else x.
        List<Path> files = new java.util.ArrayList<>();
        for (Path f : new Path[] {checks.validation(), checks.eval()}) {
            if (f != null) {
                files.add(f);
            }
        }
        GraphFeed feed = files.isEmpty() ? GraphFeed.of(original, model) : GraphFeed.resolve(original, model,
                org.odf2nna.settings.ModelInputs.NONE, files, GraphSweeper.archiveWidth(original, model,
                        org.odf2nna.settings.ModelInputs.NONE, files));
        boolean regression = GraphRegression.regressor(original, checks.task());
        Task task = regression ? Task.REGRESSION : Task.CLASSIFICATION;
        LossBound bound = null;
        if (checks.validation() != null) {
            GraphRows rows = read(checks.validation(), feed, checks, regression);
            progress.update("judging the conversion", 0, 2, rows.count() + " validation rows");
            Outputs a = outputs(original, model, feed, rows, checks);
            Outputs b = outputs(converted, written, feed, rows, checks);
            progress.done("judging the conversion");
            double tolerance = (checks.maxDrop() != null ? checks.maxDrop() : task.defaultMaxDrop()) / 100;
            bound = regression ? regression(original, model, a, b, rows, tolerance, checks.validation())
                    : LossBound.classification(classes(a, sigmoid(original)), classes(b, sigmoid(original)),
                            rows.labels(), tolerance);
        }
        Metrics before = null;
        Metrics after = null;
        if (checks.eval() != null) {
            GraphRows rows = read(checks.eval(), feed, checks, regression);
            if (!rows.labelled() && rows.targets() == null) {
                throw InputException.usage(checks.eval(), "has no labels: the metric is measured on labelled rows");
            }
            before = metrics(task, outputs(original, model, feed, rows, checks), rows, original, checks);
            after = metrics(task, outputs(converted, written, feed, rows, checks), rows, original, checks);
        }
        return new Result(task, before, after, bound);
    }

    private static GraphRows read(Path file, GraphFeed feed, ConvertChecks checks, boolean regression) {
        return GraphRows.read(file, 0, feed, checks.csv().label(), Integer.MAX_VALUE, regression);
    }

    /** A file's first output on every row, {@code width} values a row. */
    record Outputs(float[] values, int width) {
        int rows() {
            return values.length / width;
        }
    }

    static Outputs outputs(ModelProto model, Path file, GraphFeed feed, GraphRows rows, ConvertChecks checks) {
        ModelProto runnable = GraphRows.runnable(model, feed.data());
        String output = model.getGraph().getOutput(0).getName();
        int batch = dynamicInt8(model) ? 1 : BATCH;
        float[] values = null;
        int width = 0;
        try (GraphFeed.Session session = feed.open(runnable, checks.device(), file)) {
            for (int start = 0; start < rows.count(); start += batch) {
                int count = Math.min(batch, rows.count() - start);
                OnnxRunner.Out out = session.runShaped(rows, start, count, List.of(output)).get(output);
                if (values == null) {
                    width = out.values().length / count;
                    values = new float[rows.count() * width];
                }
                System.arraycopy(out.values(), 0, values, start * width, count * width);
            }
        }
        return new Outputs(values, width);
    }

    /** Whether ONNX Runtime quantizes a run's activations with one range (a dynamic int8 form): run row by row. */
    static boolean dynamicInt8(ModelProto model) {
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (n.getOpType().equals("DynamicQuantizeLinear") || n.getOpType().equals("DynamicQuantizeMatMul")) {
                return true;
            }
        }
        return false;
    }

    /** Whether the graph's first output is written by a Sigmoid: one value a row is then a probability. */
    static boolean sigmoid(ModelProto model) {
        String out = model.getGraph().getOutput(0).getName();
        return model.getGraph().getNodeList().stream()
                .anyMatch(n -> n.getOutputList().contains(out) && n.getOpType().equals("Sigmoid"));
    }

    /** Each row's class: the argmax, or for one value a row, above 0.5 (a probability) or above 0 (a logit). */
    static int[] classes(Outputs o, boolean probability) {
        int[] c = new int[o.rows()];
        int w = o.width();
        float[] v = o.values();
        for (int r = 0; r < c.length; r++) {
            if (w == 1) {
                c[r] = v[r] > (probability ? 0.5f : 0f) ? 1 : 0;
                continue;
            }
            int best = 0;
            for (int j = 1; j < w; j++) {
                if (v[r * w + j] > v[r * w + best]) {
                    best = j;
                }
            }
            c[r] = best;
        }
        return c;
    }

    private static Metrics metrics(Task task, Outputs o, GraphRows rows, ModelProto model, ConvertChecks checks) {
        Evaluator evaluator = new Evaluator(task, o.width(), sigmoid(model) ? OutputHead.SIGMOID : OutputHead.NONE,
                checks.eval(), checks.csv().label() == null ? "label" : checks.csv().label());
        double[] targets = new double[rows.count()];
        long[] lines = new long[rows.count()];
        for (int r = 0; r < targets.length; r++) {
            targets[r] = rows.targets() != null ? rows.targets()[r] : rows.labels()[r];
            lines[r] = r + 1;
        }
        evaluator.add(o.values(), rows.count(), targets, lines);
        return evaluator.metrics();
    }

    /** A regressor judged as a sweep judges one: outputs clipped to the training targets' range the model records. */
    private static LossBound regression(ModelProto original, Path model, Outputs a, Outputs b, GraphRows rows,
            double tolerance, Path validation) {
        if (rows.targets() == null) {
            throw InputException.usage(validation, "has no targets: a regressor's conversion is judged on them");
        }
        float[] recorded = OutputClip.read(original);
        if (recorded == null) {
            throw InputException.usage(model, "records no training targets' range (" + OutputClip.METADATA_KEY
                    + ", as a sweep writes it), and a regressor's conversion is judged on outputs clipped to that "
                    + "range; convert without " + Setting.VALIDATION.ref() + " (rows to evaluate on still report "
                    + "the MSE)");
        }
        BoundedRegression.Range range = BoundedRegression.Range.of(recorded[0], recorded[1]);
        int outside = BoundedRegression.firstOutside(rows.targets(), rows.count(), range);
        if (outside >= 0) {
            throw InputException.uncertifiable(validation, "data row " + (outside + 1),
                    BoundedRegression.outsideRange(org.odf2nna.report.ReportFormat.number(rows.targets()[outside]),
                            range));
        }
        return BoundedRegression.judge(a.values(), b.values(), rows.targets(), rows.count(), range, tolerance,
                LossBound.LEVEL, ChainCertificate.Reading.NEW_SET);
    }
}
