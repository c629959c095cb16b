package org.odf2nna.method;

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
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.ExternalData;
import org.odf2nna.onnx.OnnxDenseModel;
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

/**
 * ODF2NNA's pruning steps on an existing ONNX model: score every hidden unit on the evaluation rows,
 * keep the units whose activation varies more than ε, fold the rest into the next layer, optionally
 * retrain the smaller network, and write an ONNX file that has been loaded back and checked.
 */
public final class Shrinker {

    private Shrinker() {
    }

    public static ShrinkReport run(ShrinkOptions options, Progress progress) {
        return run(options, progress, Prepared.NONE);
    }

    /**
     * Work a caller has already done and hands over: the scoring pass of the original model over the
     * scoring rows, the loaded training rows. Either may be null.
     */
    record Prepared(ScanResult scores, Retrainer retrainer) {
        static final Prepared NONE = new Prepared(null, null);
    }

    static ShrinkReport run(ShrinkOptions options, Progress progress, Prepared prepared) {
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
        EvalData eval = options.eval().forModel(model);
        EvalData score = options.score() == null ? null : options.score().forModel(model);

        ScanResult scan = prepared.scores();
        Metrics original;
        if (score == null) {
            if (scan == null) {
                scan = ModelScan.scan(model, eval, task, options.device(), progress);
            }
            original = scan.metrics();
        } else {
            if (scan == null) {
                scan = ModelScan.scan(model, score, null, options.device(), progress);
            }
            original = eval.hasTarget() ? ModelScan.evaluate(model.model(), model.input(), network, eval, task,
                    options.device(), progress, options.model(), model.outputName()) : null;
        }
        checkReadCorrectly(model, scan.sample());

        List<LayerSpread> spreads = new ArrayList<>();
        for (int l = 0; l < network.hiddenLayerCount(); l++) {
            spreads.add(LayerSpread.of(l + 1, model.layerNodes().get(l), scan.statistics().std(l)));
        }
        Retrainer retrainer = prepared.retrainer();
        if (retrainer == null && options.retrain() != null) {
            retrainer = Retrainer.prepare(model, options.retrain(), task, eval.batchSize(), options.device(), progress);
        }
        List<EpsilonOutcome> outcomes = new ArrayList<>();
        for (int e = 0; e < options.epsilons().size(); e++) {
            double epsilon = options.epsilons().get(e);
            Path output = options.outputs().get(e);
            UnitSelection selection = EpsilonRule.select(scan.statistics().stds(), epsilon);
            DenseNetwork pruned = Pruner.prune(network, scan.statistics(), selection);
            checkFinite(pruned, model, "folding the removed units' mean outputs at ε=" + ReportFormat.number(epsilon));
            ModelProto prunedModel = ExternalData.forOutput(DenseChainWriter.write(model, pruned), model.source(),
                    output);
            Metrics pwr = original == null ? null
                    : ModelScan.evaluate(prunedModel, model.input(), pruned, eval, task, options.device(),
                            progress, output, model.outputName());
            DenseNetwork result = pruned;
            ModelProto written = prunedModel;
            TrainingSummary training = null;
            if (retrainer != null) {
                Retrainer.Outcome retrained = retrainer.retrain(pruned, "ε=" + ReportFormat.number(epsilon), progress);
                result = retrained.network();
                checkFinite(result, model, "retraining at ε=" + ReportFormat.number(epsilon));
                training = retrained.summary().withChange(retrainer.changeFrom(network, result));
                written = ExternalData.forOutput(DenseChainWriter.write(model, result), model.source(), output);
            }
            double difference = options.format() == ModelFormat.SAVEDMODEL
                    ? ModelWriter.writeSavedModel(output, result, model.input().name(), scan.sample(), retrainer != null)
                    : ModelWriter.writeOnnx(written, output, result, scan.sample(), options.device(), retrainer != null);
            Metrics pr = retrainer == null || original == null ? null
                    : ModelScan.evaluate(written, model.input(), result, eval, task, options.device(), progress,
                            output, model.outputName());
            double reduction = 100.0 * (network.parameterCount() - pruned.parameterCount()) / network.parameterCount();
            outcomes.add(new EpsilonOutcome(epsilon, output.toString(), NetworkSummary.of(pruned), reduction,
                    java.util.Arrays.stream(selection.keptUnits()).boxed().toList(), selection.layersBelowThreshold(),
                    pwr, pr, difference, training));
        }
        ShrinkReport report = new ShrinkReport(options.model().toString(), options.eval().file().toString(),
                scan.statistics().rows(), task.displayName(), "std", NetworkSummary.of(network), original,
                spreads, outcomes, retrainer == null ? null : retrainer.settings(network),
                score == null ? null : score.file().toString());
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
        if (ModelWriter.worstExcess(sample.outputs(), expected) > 0) {
            throw new IllegalStateException("the dense chain of " + model.source() + " was not read faithfully: "
                    + "its outputs differ from ONNX Runtime's by up to "
                    + ModelWriter.maxDifference(sample.outputs(), expected));
        }
    }
}
