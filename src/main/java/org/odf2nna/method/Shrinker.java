package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Memory;
import org.odf2nna.Progress;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.metrics.Task;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.ExternalData;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.EpsilonRule;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.LayerSpread;
import org.odf2nna.report.NetworkSummary;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.SavedModelRunner;
import org.odf2nna.tf.SavedModelWriter;

/**
 * ODF2NNA's pruning steps on an existing ONNX model: score every hidden unit on the evaluation rows,
 * keep the units whose activation varies more than ε, fold the rest into the next layer, optionally
 * retrain the smaller network, and write an ONNX file that has been loaded back and checked.
 */
public final class Shrinker {

    /** How far ONNX Runtime's outputs may stray from the internal network's before a file is refused. */
    static final double ABSOLUTE_TOLERANCE = 1e-4;
    static final double RELATIVE_TOLERANCE = 1e-3;

    private Shrinker() {
    }

    public static ShrinkReport run(ShrinkOptions options, Progress progress) {
        for (Path output : options.outputs()) {
            if (options.format() == ModelFormat.SAVEDMODEL) {
                OutputPaths.checkNewDirectory(output, options.model(), options.eval().file());
            } else {
                OutputPaths.checkWritable(output, options.model(), options.eval().file());
            }
        }
        if (options.report() != null) {
            OutputPaths.checkWritable(options.report(), options.model(), options.eval().file());
        }
        OnnxDenseModel model = ModelFiles.read(options.model());
        DenseNetwork network = model.network();
        if (options.format() == ModelFormat.SAVEDMODEL && !network.prefix().isEmpty()) {
            throw InputException.usage(options.model(), "has an input prefix (" + String.join(", ",
                    network.prefix().operations()) + ") that a SavedModel written by this tool cannot express; "
                    + "write ONNX instead");
        }
        if (network.hiddenLayerCount() == 0) {
            throw new InputException(options.model(), "layer 1 (node '" + model.layerNodes().get(0) + "')",
                    "is the only dense layer: a network without hidden layers has no units to prune");
        }
        Task task = options.task() != null ? options.task() : Task.infer(network.outputs(), network.head());
        EvalData eval = options.eval().withFeatures(model.featuresPerRow());

        ScanResult scan = ModelScan.scan(model, eval, task, options.device(), progress);
        checkReadCorrectly(model, scan.sample());

        List<LayerSpread> spreads = new ArrayList<>();
        for (int l = 0; l < network.hiddenLayerCount(); l++) {
            spreads.add(LayerSpread.of(l + 1, model.layerNodes().get(l), scan.statistics().std(l)));
        }
        Retrainer retrainer = options.retrain() == null ? null
                : Retrainer.prepare(model, options.retrain(), task, eval.batchSize(), options.device(), progress);
        List<EpsilonOutcome> outcomes = new ArrayList<>();
        for (int e = 0; e < options.epsilons().size(); e++) {
            double epsilon = options.epsilons().get(e);
            Path output = options.outputs().get(e);
            UnitSelection selection = EpsilonRule.select(scan.statistics().stds(), epsilon);
            DenseNetwork pruned = Pruner.prune(network, scan.statistics(), selection);
            checkFinite(pruned, model, "folding the removed units' mean outputs at ε=" + ReportFormat.number(epsilon));
            ModelProto prunedModel = ExternalData.forOutput(DenseChainWriter.write(model, pruned), model.source(),
                    output);
            Metrics pwr = scan.metrics() == null ? null
                    : ModelScan.evaluate(prunedModel, model.input(), pruned, eval, task, options.device(),
                            progress, output, model.outputName());
            DenseNetwork result = pruned;
            ModelProto written = prunedModel;
            TrainingSummary training = null;
            if (retrainer != null) {
                Retrainer.Outcome retrained = retrainer.retrain(pruned, "ε=" + ReportFormat.number(epsilon), progress);
                result = retrained.network();
                checkFinite(result, model, "retraining at ε=" + ReportFormat.number(epsilon));
                training = retrained.summary();
                written = ExternalData.forOutput(DenseChainWriter.write(model, result), model.source(), output);
            }
            double difference = save(written, output, result, model, scan.sample(), options, retrainer != null);
            Metrics pr = retrainer == null || scan.metrics() == null ? null
                    : ModelScan.evaluate(written, model.input(), result, eval, task, options.device(), progress,
                            output, model.outputName());
            double reduction = 100.0 * (network.parameterCount() - pruned.parameterCount()) / network.parameterCount();
            outcomes.add(new EpsilonOutcome(epsilon, output.toString(), NetworkSummary.of(pruned), reduction,
                    java.util.Arrays.stream(selection.keptUnits()).boxed().toList(), selection.layersBelowThreshold(),
                    pwr, pr, difference, training));
        }
        ShrinkReport report = new ShrinkReport(options.model().toString(), options.eval().file().toString(),
                scan.statistics().rows(), task.displayName(), "std", NetworkSummary.of(network), scan.metrics(),
                spreads, outcomes, retrainer == null ? null : retrainer.settings());
        if (options.report() != null) {
            AtomicFiles.writeString(options.report(), ReportFormat.json(report));
        }
        return report;
    }

    /** A pruned or retrained network whose weights overflowed is refused, naming the layer. */
    static void checkFinite(DenseNetwork network, OnnxDenseModel model, String step) {
        int layer = network.firstNonFiniteLayer();
        if (layer >= 0) {
            throw new InputException(model.source(), "layer " + (layer + 1) + " (node '" + model.layerNodes().get(layer)
                    + "')", step + " gives weights beyond float range (NaN or infinity); the model's activations on "
                    + "these rows are too large to prune it");
        }
    }

    /**
     * The internal network must reproduce what ONNX Runtime computed for the original graph; if not, the
     * reader misunderstood the graph and nothing should be written from it.
     */
    static void checkReadCorrectly(OnnxDenseModel model, ScanResult.Sample sample) {
        float[] expected = model.network().forward(sample.chainInput(), sample.rows());
        double worst = worstExcess(sample.outputs(), expected);
        if (worst > 0) {
            throw new IllegalStateException("the dense chain of " + model.source() + " was not read faithfully: "
                    + "its outputs differ from ONNX Runtime's by up to " + maxDifference(sample.outputs(), expected));
        }
    }

    /**
     * Writes the model atomically after loading it back and comparing its outputs with the network's
     * (and, for a retrained network, with TensorFlow's for the same weights).
     */
    private static double save(ModelProto written, Path output, DenseNetwork network, OnnxDenseModel original,
            ScanResult.Sample sample, ShrinkOptions options, boolean checkTensorFlow) {
        float[] expected = network.forward(sample.chainInput(), sample.rows());
        if (checkTensorFlow) {
            float[] tensorflow = DenseTrainer.predict(network, sample.chainInput(), sample.rows());
            if (worstExcess(tensorflow, expected) > 0) {
                throw new IllegalStateException("TensorFlow and the internal network disagree on the retrained "
                        + "weights by up to " + maxDifference(tensorflow, expected));
            }
        }
        if (options.format() == ModelFormat.SAVEDMODEL) {
            // The writer loads the directory back and compares it with the network before moving it in place.
            SavedModelWriter.write(network, output, original.input().name());
            float[] actual = SavedModelRunner.run(output, sample.features(), sample.rows(), sample.featureWidth());
            return maxDifference(actual, expected);
        }
        double[] difference = new double[1];
        long size = written.getSerializedSize();
        Memory.require(2 * size, output, null, "its " + size + " bytes (serialised, then loaded back to check them)");
        AtomicFiles.writeBytes(output, written.toByteArray(), temp -> verify(temp, output, expected, sample,
                original, options, difference));
        return difference[0];
    }

    private static void verify(Path temp, Path output, float[] expected, ScanResult.Sample sample,
            OnnxDenseModel original, ShrinkOptions options, double[] difference) throws IOException {
        ModelProto reloaded = OnnxModelFile.read(temp);
        OnnxDenseModel reread;
        try {
            reread = DenseChainReader.read(reloaded, output);
        } catch (InputException e) {
            throw new IllegalStateException("the written model is no longer a dense chain: " + e.getMessage(), e);
        }
        float[] actual = ModelScan.outputsOn(reloaded, reread.input(), sample, options.device(), output,
                reread.outputName());
        difference[0] = maxDifference(actual, expected);
        if (worstExcess(actual, expected) > 0) {
            throw new IllegalStateException("refusing to write " + output + ": in ONNX Runtime its outputs differ "
                    + "from the pruned network's by up to " + difference[0]);
        }
    }

    static double maxDifference(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs((double) actual[i] - expected[i]));
        }
        return worst;
    }

    /** Largest amount by which a value misses the tolerance (0 when all are within it). */
    static double worstExcess(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double allowed = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(expected[i]);
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(diff)) {
                return Double.POSITIVE_INFINITY;
            }
            worst = Math.max(worst, diff - allowed);
        }
        return worst;
    }
}
