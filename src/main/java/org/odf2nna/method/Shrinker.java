package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.metrics.Task;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.DenseChainWriter;
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
        for (Path output : options.outputs()) {
            OutputPaths.checkWritable(output, options.model(), options.eval().file());
        }
        if (options.report() != null) {
            OutputPaths.checkWritable(options.report(), options.model(), options.eval().file());
        }
        OnnxDenseModel model = DenseChainReader.read(options.model());
        DenseNetwork network = model.network();
        if (network.hiddenLayerCount() == 0) {
            throw new InputException(options.model(), "layer 1 (node '" + model.layerNodes().get(0) + "')",
                    "is the only dense layer: a network without hidden layers has no units to prune");
        }
        Task task = options.task() != null ? options.task() : Task.infer(network.outputs(), network.head());
        EvalData eval = options.eval().forModel(model);

        ScanResult scan = ModelScan.scan(model, eval, task, options.device(), progress);
        WrittenModels.checkReadCorrectly(model, scan.sample());

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
            ModelProto prunedModel = DenseChainWriter.write(model, pruned);
            Metrics pwr = scan.metrics() == null ? null
                    : ModelScan.evaluate(prunedModel, model.input(), pruned, eval, task, options.device(),
                            progress, output, model.outputName());
            DenseNetwork result = pruned;
            ModelProto written = prunedModel;
            TrainingSummary training = null;
            if (retrainer != null) {
                Retrainer.Outcome retrained = retrainer.retrain(pruned, "ε=" + ReportFormat.number(epsilon), progress);
                result = retrained.network();
                training = retrained.summary();
                written = DenseChainWriter.write(model, result);
            }
            double difference = WrittenModels.save(written, output, result, scan.sample(), options.device(),
                    retrainer != null);
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
}
