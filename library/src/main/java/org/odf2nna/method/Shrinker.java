package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Memory;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.keras.KerasWriter;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.ExternalData;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.RefitSums;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.report.CompensationSettings;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.LayerSpread;
import org.odf2nna.report.RefitLayer;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.ShrinkFiles;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.settings.Task;

/**
 * ODF2NNA's pruning steps on an existing ONNX model: score every hidden unit on the evaluation rows,
 * keep the units whose score (activation std, or its impact on the next layer) is above ε, compensate in the next
 * layer (mean folding, or a least-squares refit on the scoring rows), optionally retrain the smaller network, and
 * write an ONNX file that has been loaded back and checked. PWR is measured with both compensations.
 */
public final class Shrinker {

    private Shrinker() {
    }

    /**
     * Prunes the model {@code files} names once at each of {@code settings}' thresholds and writes each network
     * (progressive pruning, where {@link ShrinkSettings#progressive} says so, is {@link Sweeper}'s, with
     * {@link ShrinkFiles#sweep()} and {@link ShrinkSettings#sweep()}).
     */
    public static ShrinkReport run(ShrinkFiles files, ShrinkSettings settings, Progress progress) {
        if (settings.clipInputs() && files.train() == null) {
            throw InputException.usage("{{CLIP_INPUTS}} needs training rows ({{TRAIN}}): it clips each input to the "
                    + "range they cover");
        }
        // Checked again for what runs here: one-shot pruning, retraining only on training rows.
        ShrinkSettings once = new ShrinkSettings(settings.thresholds(), settings.maxDrop(), settings.pruning(),
                files.train() == null ? null : settings.retraining(), settings.format(), settings.quantize(),
                settings.clipInputs(), settings.task(), settings.device());
        CsvReading csv = files.csv();
        EvalData eval = new EvalData(files.eval(), ColumnRequest.of(-1, csv.label(), ColumnRequest.Target.OPTIONAL),
                csv.inferenceBatch(), csv.acceptChance());
        RetrainOptions retrain = once.retraining() == null ? null
                : new RetrainOptions(files.train(), files.validation(), once.retraining());
        // The units are scored on the evaluation rows (no scoring rows of their own).
        ShrinkOptions options = new ShrinkOptions(files.model(), eval, null, once.thresholds(), files.outputs(once),
                files.report(), once.task(), once.device(), retrain, once.format(), once.pruning(), once.quantize());
        return run(options, progress);
    }

    static ShrinkReport run(ShrinkOptions options, Progress progress) {
        return run(options, progress, Prepared.NONE);
    }

    /**
     * Work a caller has already done and hands over: the scoring pass of the original model over the
     * scoring rows, the loaded training rows, and the rows least squares is to fit on (described in words, with
     * their count). Any may be null; without fitting rows, least squares fits on the scoring rows.
     */
    record Prepared(ScanResult scores, Retrainer retrainer, RowSource fitRows, String fitData, long fitRowCount) {
        static final Prepared NONE = new Prepared(null, null);

        Prepared(ScanResult scores, Retrainer retrainer) {
            this(scores, retrainer, null, null, 0);
        }
    }

    static ShrinkReport run(ShrinkOptions options, Progress progress, Prepared prepared) {
        checkOutputPaths(options);
        OnnxDenseModel model = ModelFiles.read(options.model());
        DenseNetwork network = model.network();
        checkPrefixExpressible(options, network);
        // A Keras file is written in the input's own layout when the input is a .keras file.
        KerasModel keras = options.format() == ModelFormat.KERAS ? ModelFiles.readKeras(options.model()) : null;
        if (options.format() == ModelFormat.KERAS) {
            KerasWriter.checkExpressible(keras, network);
        }
        if (network.hiddenLayerCount() == 0) {
            throw InputException.uncertifiable(options.model(), "layer 1 (node '" + model.layerNodes().get(0) + "')",
                    "is the only dense layer: a network without hidden layers has no units to prune");
        }
        Task task = Task.givenOrInferred(options.task(), network);
        EvalData eval = options.eval().forModel(model);
        EvalData score = options.score() == null ? null : options.score().forModel(model);
        PruningOptions pruning = options.pruning();
        // Least squares runs for the chosen compensation, and for the PWR figure it adds whenever there are metrics.
        boolean leastSquares = pruning.compensation() == Compensation.LSQ || eval.hasTarget();
        // The scanned rows are kept (when they fit) for least squares to fit on, and for PWR to be measured on them
        // without reading the file again (leastSquares holds whenever there are metrics); not beside retraining,
        // whose own rows have the heap.
        boolean keepRows = leastSquares && prepared.fitRows() == null && options.retrain() == null;

        LayerGrams.Plan plan = keepRows ? gramPlan(network, pruning.score(), options.epsilons()) : null;
        Scored scored = scoreOriginal(options, prepared, model, new Rows(eval, score, task), plan, keepRows,
                progress);
        ScanResult scan = scored.scan();
        checkReadCorrectly(model, scan.sample());
        Retrainer retrainer = prepared.retrainer() != null ? prepared.retrainer()
                : prepareRetrainer(options, model, eval, task, progress);
        if (retrainer != null) {
            ModelScan.refuseAtChance(retrainer.validationChance(network), options.retrain().validation() != null
                    ? options.retrain().validation() : options.retrain().train(), eval.acceptChance(),
                    "the validation rows");
        }
        model = heldOnce(model, options.model());
        FitSource source = fitSource(options, prepared, retrainer, scan, eval, score);
        if (leastSquares && source.rows() == null) {
            throw new IllegalStateException("least squares has no rows to fit on");
        }
        RefitSums fitting = leastSquares ? refitSums(model, source, options.device(), options.epsilons().size()) : null;
        long fitRowCount = leastSquares ? fitting.rows() : source.rowCount();

        List<double[]> scores = scan.statistics().scores(pruning.score(), network);
        List<LayerSpread> spreads = new ArrayList<>();
        for (int l = 0; l < network.hiddenLayerCount(); l++) {
            spreads.add(LayerSpread.of(l + 1, model.layerNodes().get(l), scores.get(l)));
        }
        double ridge = pruning.ridgeFor(retrainer != null && retrainer.epochs() > 0);
        // PWR is measured on the rows the scoring pass kept when it scanned the evaluation rows here.
        HeldRows held = prepared.scores() == null && score == null ? scan.heldRows() : null;
        // The mean-folded network's PWR rides on the last refit's pass where that pass runs over the held rows.
        EpsilonPruning.PwrRows pwrRows = held != null && source.scan() != null && scored.original() != null
                ? new EpsilonPruning.PwrRows(held, task) : null;
        Pass pass = new Pass(options, model, keras, scan, eval, held, task, scored.original(), new EpsilonPruning(
                network, scan.statistics(), scores, pruning.compensation(), fitting, ridge, pwrRows), retrainer,
                progress);
        List<EpsilonOutcome> outcomes = new ArrayList<>();
        for (int e = 0; e < options.epsilons().size(); e++) {
            outcomes.add(pass.pruneAt(options.epsilons().get(e), options.outputs().get(e)));
        }
        CompensationSettings compensation = new CompensationSettings(pruning.compensation().id(),
                ridge, leastSquares ? source.data() : null, leastSquares ? fitRowCount : 0);
        ShrinkReport report = new ShrinkReport(options.model().toString(), options.eval().file().toString(),
                scan.statistics().rows(), task.displayName(), pruning.score().id(),
                Sweeper.wholeSummary(network, Sweeper.outsideChain(model, network)),
                scored.original(), spreads, outcomes, retrainer == null ? null : retrainer.settings(network),
                score == null ? null : score.file().toString(), compensation);
        if (options.report() != null) {
            AtomicFiles.writeString(options.report(), ReportFormat.json(report));
        }
        if (retrainer != null && prepared.retrainer() == null) {
            // Training rows streamed from disk go now (else with the run's temporary folder, or at the JVM's exit).
            retrainer.release();
        }
        return report;
    }

    /** Every file the run writes must be new or writable, and none of them one of its inputs. */
    private static void checkOutputPaths(ShrinkOptions options) {
        Path train = options.retrain() == null ? null : options.retrain().train();
        Path validation = options.retrain() == null ? null : options.retrain().validation();
        for (Path output : options.outputs()) {
            if (options.format() == ModelFormat.SAVEDMODEL) {
                OutputPaths.checkNewDirectory(output, options.model(), options.eval().file(), train, validation);
            } else {
                OutputPaths.checkWritable(output, options.model(), options.eval().file(), train, validation);
            }
        }
        if (options.report() != null) {
            OutputPaths.checkWritable(options.report(), options.model(), options.eval().file(), train, validation);
        }
    }

    /** Only ONNX can carry the operations a graph computes before its first dense layer. */
    private static void checkPrefixExpressible(ShrinkOptions options, DenseNetwork network) {
        boolean kerasBackbone = options.format() == ModelFormat.KERAS && ModelFiles.formatOf(options.model())
                == ModelFormat.KERAS && ModelFiles.readKeras(options.model()).backbone() != null;
        if (options.format() != ModelFormat.ONNX && !network.prefix().isEmpty() && !kerasBackbone) {
            throw InputException.usage(options.model(), "has an input prefix (" + String.join(", ",
                    network.prefix().operations()) + ") that a " + (options.format() == ModelFormat.KERAS ? "Keras file"
                    : "SavedModel") + " written by this tool cannot express; write ONNX instead");
        }
    }

    /** The rows a run judges on (the evaluation rows), the rows it scores units on (when others), and the task. */
    private record Rows(EvalData eval, EvalData score, Task task) {
    }

    /** The original model's scoring pass, and its metrics on the evaluation rows (null without targets). */
    private record Scored(ScanResult scan, Metrics original) {
    }

    /** Scores the original's units (unless already done) and measures it on the evaluation rows. */
    private static Scored scoreOriginal(ShrinkOptions options, Prepared prepared, OnnxDenseModel model, Rows rows,
            LayerGrams.Plan grams, boolean keepRows, Progress progress) {
        ScanResult scan = prepared.scores();
        if (rows.score() == null) {
            if (scan == null) {
                scan = ModelScan.scan(model, rows.eval(), rows.task(), options.device(), progress, keepRows, grams);
            }
            ModelScan.refuseAtChance(scan.chance(), rows.eval(), "the evaluation rows");
            return new Scored(scan, scan.metrics());
        }
        if (scan == null) {
            scan = ModelScan.scan(model, rows.score(), null, options.device(), progress, keepRows, grams);
        }
        Metrics original = rows.eval().hasTarget() ? ModelScan.evaluateOriginal(model, rows.eval(), rows.task(),
                options.device(), progress) : null;
        return new Scored(scan, original);
    }

    /**
     * The model held once: after the scoring pass its graph is only written (the network does the arithmetic), so the
     * chain's weights that the writer makes again from the network bit for bit are let go, here and in the reader's
     * cache (135 MB at 4,096 wide).
     */
    private static OnnxDenseModel heldOnce(OnnxDenseModel model, Path file) {
        OnnxDenseModel held = DenseChainWriter.withoutRewritableWeights(model);
        if (held != model) {
            ModelReader.forget(file, model.model());
        }
        return held;
    }

    /** Reads the training rows and sets up retraining, when asked for (null when not). */
    private static Retrainer prepareRetrainer(ShrinkOptions options, OnnxDenseModel model, EvalData eval, Task task,
            Progress progress) {
        if (options.retrain() == null) {
            return null;
        }
        // The training rows are read by the same column rules as the evaluation rows (the target column name included); they may
        // lack targets when the original network teaches (distillation).
        ColumnRequest.Target target = options.retrain().retraining().distillation().usesTeacher()
                ? ColumnRequest.Target.OPTIONAL : ColumnRequest.Target.REQUIRED;
        EvalData trainRows = new EvalData(options.retrain().train(), ColumnRequest.of(-1,
                options.eval().columns().label(), target), eval.inferenceBatch()).forModel(model);
        return RetrainingSetup.prepare(model, options.retrain(), task, trainRows, options.device(), progress);
    }

    /**
     * The rows least squares fits on, described in words, and their count; with the scoring pass that read them when
     * they are its rows (its output targets and Gram matrices are then sums over them), else null.
     */
    private record FitSource(RowSource rows, String data, long rowCount, ScanResult scan) {
    }

    /**
     * Least squares fits on the rows retraining trains on when there are any (so the evaluation rows judge a refit
     * that never saw them), else on the scoring rows.
     */
    private static FitSource fitSource(ShrinkOptions options, Prepared prepared, Retrainer retrainer, ScanResult scan,
            EvalData eval, EvalData score) {
        if (prepared.fitRows() != null) {
            return new FitSource(prepared.fitRows(), prepared.fitData(), prepared.fitRowCount(), null);
        }
        if (retrainer != null) {
            return new FitSource(retrainer.fittingRows(), "the training rows of " + options.retrain().train(),
                    retrainer.fittingRowCount(), null);
        }
        return new FitSource(scan.chainRows(), score == null ? "the evaluation rows, " + eval.file()
                : "the scoring rows, " + score.file(), scan.statistics().rows(), scan);
    }

    /**
     * Where each refit's sums are made: in ONNX Runtime, one pass of the fitting rows per refitted layer with the
     * Gram matrices as its double Gemm ({@link OnnxRefitSums#of}, as sweep, evolve and the in-memory API make them);
     * the last layer's refit on the targets the scoring pass made, and the first refit on the Gram matrix it took,
     * where it made them on the fitting rows (each matrix let go after the thresholds' first refits have used it).
     */
    private static RefitSums refitSums(OnnxDenseModel model, FitSource source, org.odf2nna.Device device,
            int thresholds) {
        RefitSums sums = OnnxRefitSums.of(model.network(), source.rows(), source.rowCount(), device, model.source());
        FittingSums made = source.scan() == null ? null : source.scan().fittingSums();
        if (made == null || !(sums instanceof OnnxRefitSums onnx)) {
            return sums;
        }
        if (made.outputTargets() != null) {
            onnx = onnx.withOutputTargets(made.outputTargets());
        }
        return made.grams() != null ? onnx.withLayerGrams(made.grams().usedAtMost(thresholds)) : onnx;
    }

    /** How far from ε a score on the first batch counts as sure: units' spreads settle within a few percent there. */
    static final double PLAN_MARGIN = 0.25;

    /**
     * The hidden layers whose Gram matrices the scoring pass takes: for each ε, the layers its first refit may fall
     * on, judged on the first batch's scores: a layer whose every unit scores well above ε keeps them all (the first
     * refit is later), one with a unit well below ε drops it (none after it can be first). The last hidden layer is
     * left out where the output layer's targets are made (its refit takes those). A wrong guess costs time only: a
     * first refit without its layer's matrix makes it in a pass of its own.
     */
    static LayerGrams.Plan gramPlan(DenseNetwork network, org.odf2nna.settings.UnitScore score, List<Double> epsilons) {
        int last = OutputTargets.worthMaking(network.outputLayer()) ? network.hiddenLayerCount() - 1
                : network.hiddenLayerCount();
        return provisional -> {
            List<double[]> scores = provisional.scores(score, network);
            boolean[] wanted = new boolean[network.hiddenLayerCount()];
            for (double epsilon : epsilons) {
                for (int l = 0; l < last; l++) {
                    double lowest = java.util.Arrays.stream(scores.get(l)).min().orElse(Double.POSITIVE_INFINITY);
                    if (lowest > epsilon * (1 + PLAN_MARGIN)) {
                        continue;
                    }
                    wanted[l] = true;
                    if (lowest < epsilon * (1 - PLAN_MARGIN)) {
                        break;
                    }
                }
            }
            return wanted;
        };
    }

    /**
     * What every threshold's pass shares: the original model, the pruning, the rows, and the retraining.
     */
    private record Pass(ShrinkOptions options, OnnxDenseModel model, KerasModel keras, ScanResult scan, EvalData eval,
            HeldRows held, Task task, Metrics original, EpsilonPruning pruning, Retrainer retrainer,
            Progress progress) {

        /** Prunes at one threshold, compensates, retrains when asked, writes {@code output} and measures it. */
        EpsilonOutcome pruneAt(double epsilon, Path output) {
            DenseNetwork network = model.network();
            Compensation compensation = options.pruning().compensation();
            String label = EpsilonPruning.label(epsilon);
            EpsilonPruning.Pruned step = pruning.prune(epsilon, progress);
            LeastSquaresCompensation.Result refit = step.refit();
            DenseNetwork pruned = step.pruned();
            checkFinite(pruned, model, (compensation == Compensation.LSQ ? "the least-squares refit"
                    : "folding the removed units' mean outputs") + " at " + label);
            List<Metrics> pwrs = original == null ? null : pwrs(step, output);
            Metrics pwrMean = pwrs == null ? null : pwrs.get(0);
            Metrics pwrLsq = pwrs == null || refit == null ? null : pwrs.get(1);
            Metrics pwr = compensation == Compensation.LSQ ? pwrLsq : pwrMean;
            DenseNetwork result = pruned;
            ModelProto written = ExternalData.forOutput(DenseChainWriter.write(model, pruned), model.source(), output);
            TrainingSummary training = null;
            if (retrainer != null) {
                EpsilonPruning.Result retrained = EpsilonPruning.retrain(step, retrainer, progress);
                result = retrained.network();
                checkFinite(result, model, "retraining at " + label);
                training = retrained.training().withChange(retrainer.changeFrom(network, result));
                // The training rows' range, recorded as progressive pruning records it (no clip: nothing judged here).
                ModelProto chain = DenseChainWriter.write(model, result);
                if (retrainer.trainingRange() != null) {
                    chain = org.odf2nna.onnx.InputClip.apply(chain, model.chainInputName(), retrainer.trainingRange(),
                            false);
                }
                written = ExternalData.forOutput(chain, model.source(), output);
            }
            double difference = write(written, result, output);
            Metrics pr = retrainer == null || original == null ? null
                    : ModelScan.evaluateTogether(List.of(new ModelScan.Evaluated(written, model.input(), result, output,
                            model.outputName())), eval, held, task, options.device(), progress).get(0);
            // The whole model's counts: weights in front of the chain (a CNN's convolutions) are kept as they are.
            long outside = Sweeper.outsideChain(model, network);
            double reduction = 100.0 * (network.parameterCount() - pruned.parameterCount())
                    / (network.parameterCount() + outside);
            UnitSelection selection = step.selection();
            return new EpsilonOutcome(epsilon, output.toString(), Sweeper.wholeSummary(pruned, outside), reduction,
                    java.util.Arrays.stream(selection.keptUnits()).boxed().toList(), selection.layersBelowThreshold(),
                    pwr, pr, difference, training, pwrMean, pwrLsq, refit == null ? List.of() : refitLayers(refit), null, null);
        }

        /**
         * PWR of the mean-folded network and of the refit (when there is one), in that order: the mean-folded one
         * from the last refit's pass when it rode on it, else beside the refit in one pass of their own.
         */
        private List<Metrics> pwrs(EpsilonPruning.Pruned step, Path output) {
            LeastSquaresCompensation.Result refit = step.refit();
            if (step.meanFoldedPwr() != null && refit != null) {
                return List.of(step.meanFoldedPwr(), evaluate(model, List.of(refit.network()), this, output).get(0));
            }
            return evaluate(model, refit == null ? List.of(step.meanFolded()) : List.of(step.meanFolded(),
                    refit.network()), this, output);
        }

        /** Writes the network in the asked format, loads it back and gives the largest difference found. */
        private double write(ModelProto written, DenseNetwork result, Path output) {
            return switch (options.format()) {
                case SAVEDMODEL -> ModelWriter.writeSavedModel(output, result, model.input().name(), scan.sample(),
                        retrainer != null);
                case KERAS -> ModelWriter.writeKeras(output, result, keras, scan.sample(), retrainer != null);
                default -> ModelWriter.writeOnnx(written, output, result, scan.sample(), options.device(),
                        retrainer != null);
            };
        }
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
     * PWR: each pruned network written into the graph and run over the evaluation rows in ONNX Runtime, all in one
     * pass over the rows (those the scoring pass kept, when it could keep them).
     */
    private static List<Metrics> evaluate(OnnxDenseModel model, List<DenseNetwork> pruned, Pass pass, Path output) {
        List<ModelScan.Evaluated> written = new ArrayList<>();
        for (DenseNetwork network : pruned) {
            written.add(new ModelScan.Evaluated(ExternalData.forOutput(DenseChainWriter.write(model, network),
                    model.source(), output), model.input(), network, output, model.outputName()));
        }
        return ModelScan.evaluateTogether(written, pass.eval(), pass.held(), pass.task(), pass.options().device(),
                pass.progress());
    }

    private static List<RefitLayer> refitLayers(LeastSquaresCompensation.Result refit) {
        List<RefitLayer> layers = new ArrayList<>();
        for (LeastSquaresCompensation.LayerFit f : refit.layers()) {
            layers.add(new RefitLayer(f.layer(), f.inputs(), f.rows(), f.lambda(), f.solver(), f.meanFoldingError(),
                    f.leastSquaresError()));
        }
        return layers;
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
