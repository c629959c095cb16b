package org.odf2nna.method;

import static org.odf2nna.method.EpsilonGridSweep.epsilonGrid;
import static org.odf2nna.method.EpsilonGridSweep.scratch;
import static org.odf2nna.method.ChainSweepReportText.clipNote;
import static org.odf2nna.method.ChainSweepReportText.explainBound;
import static org.odf2nna.method.ChainSweepReportText.heldOutWarning;
import static org.odf2nna.method.ChainSweepReportText.int8Note;
import static org.odf2nna.method.ChainSweepReportText.limit;
import static org.odf2nna.method.ChainSweepReportText.outputClipNote;
import static org.odf2nna.method.ChainSweepReportText.progressiveGrid;
import static org.odf2nna.method.ChainSweepReportText.wholeModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.onnx.InputClip;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OutputClip;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.onnx.ExternalData;
import org.odf2nna.onnx.InputSelection;
import org.odf2nna.onnx.Int8Weights;
import org.odf2nna.report.CompensationSettings;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.Int8Summary;
import org.odf2nna.report.NetworkSummary;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.SweepChart;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;

/**
 * The trade-off across ε, and the model chosen from it.
 *
 * <p>Units are scored on the training rows; every ε's pruned network is retrained; and the model chosen
 * is the smallest whose retrained validation metric is within the allowed drop of the original's on the
 * same validation rows (held out from the training rows). The test rows only ever measure: OR, PWR, PR.
 */
public final class Sweeper {

    private Sweeper() {
    }

    /** The settings with the kept hidden layers named by their numbers, what the rounds read (nodes resolved). */
    private static SweepSettings numbered(SweepSettings settings, OnnxDenseModel model, Path file) {
        java.util.Set<Integer> kept = ProgressivePruning.keptLayers(settings.blockLimits().keep(),
                model.network().hiddenLayerCount(), model.layerNodes(), file);
        return settings.withBlockLimits(settings.blockLimits().keeping(
                kept.stream().map(l -> Integer.toString(l + 1)).toList()));
    }

    /**
     * Sweeps the model {@code files} names as {@code settings} say, and writes the chosen model (with the report
     * and chart, when named).
     */
    public static SweepReport run(SweepFiles files, SweepSettings settings, Progress progress) {
        ProgressiveSweep.requireChainRanking(settings, files.model());
        requireTestRows(files, settings);
        checkQuantizeAndOutputs(new Sweep(files, settings, null));
        OnnxDenseModel model = ModelFiles.read(files.model());
        DenseNetwork network = model.network();
        if (network.hiddenLayerCount() == 0) {
            throw InputException.uncertifiable(files.model(), "layer 1 (node '" + model.layerNodes().get(0) + "')",
                    "is the only dense layer: a network without hidden layers has no units to prune");
        }
        Task task = Task.givenOrInferred(settings.task(), network);
        Sweep options = new Sweep(files, settings, task);
        EvalData trainRows = trainingRows(options, model);
        RetrainingRows.Parts parts = RetrainingRows.loadParts(model, options.retrain(), task, trainRows,
                settings.device(), progress);
        ScanResult scores;
        try {
            scores = ModelScan.scan(model, trainRows, null, settings.device(), progress);
        } catch (RuntimeException e) {
            parts.discard();
            throw e;
        }
        Shrinker.checkReadCorrectly(model, scores.sample());
        if (settings.schedule().progressive()) {
            ProgressiveSweep sweep = ProgressiveSweep.prepare(network, RecordedEpochs.of(model), parts,
                    new RowsOrigin(files.train(), files.validation()), numbered(settings, model, files.model()), task);
            try {
                return progressive(options, model, task, sweep, scores, progress);
            } finally {
                sweep.retrainer().release();
            }
        }
        return epsilonGrid(options, model, trainRows, RetrainingSetup.prepare(model, options.retrain(), task, parts,
                settings.device()), scores, progress);
    }

    /** The training rows, read for the model; without targets when the original network can label them. */
    private static EvalData trainingRows(Sweep options, OnnxDenseModel model) {
        // A training file without targets is fine when the original network can label it (distillation).
        ColumnRequest.Target target = options.settings().retraining().distillation().usesTeacher()
                ? ColumnRequest.Target.OPTIONAL : ColumnRequest.Target.REQUIRED;
        return new EvalData(options.retrain().train(), ColumnRequest.of(-1, options.test().columns().label(), target),
                options.test().inferenceBatch()).forModel(model);
    }

    /** Quantizing belongs to the progressive schedule; the model and report files must be writable. */
    private static void checkQuantizeAndOutputs(Sweep options) {
        if (options.settings().quantize() != Quantize.NONE && !options.settings().schedule().progressive()) {
            throw InputException.usage("{{QUANTIZE}} applies to the progressive schedule, where the int8 model is "
                    + "what is judged; the ε grid chooses on the float networks");
        }
        options.settings().quantize().checkJudgedInJava();
        checkOutputs(options.files());
    }

    /**
     * Progressive rounds run without test rows (those only report: the table then has no OR, PWR and PR). What is
     * measured on nothing else needs them, each refused in one line: the ε grid's table and choice, the chart of the
     * test metric, and the scratch comparison.
     */
    private static void requireTestRows(SweepFiles files, SweepSettings settings) {
        if (files.test() != null) {
            return;
        }
        String needs = !settings.schedule().progressive() ? "the ε grid measures its table (OR, PWR, PR) on test rows"
                : files.chart() != null ? "the chart plots the metric on test rows"
                : settings.compareScratch() ? "the scratch comparison measures both models on test rows" : null;
        if (needs != null) {
            throw InputException.usage(files.model(), needs + ": give them with " + Setting.EVAL.ref()
                    + " (progressive rounds run without them, their table then without OR, PWR and PR)");
        }
    }

    /**
     * The model, report and chart files a sweep (of a chain or a graph) writes, checked before any work: each in a
     * folder that exists and can be written, none a file the run reads.
     */
    static void checkOutputs(SweepFiles files) {
        List<Path> outputs = new ArrayList<>();
        if (files.output() != null) {
            outputs.add(files.output());
        }
        if (files.report() != null) {
            outputs.add(files.report());
        }
        if (files.chart() != null) {
            outputs.addAll(SweepChart.files(files.chart()));
        }
        for (Path output : outputs) {
            OutputPaths.checkWritable(output, files.model(), files.test(), files.train(), files.validation());
        }
    }

    /**
     * Progressive pruning ({@link ProgressivePruning}): every round is a row of the table; the chosen model is the
     * smallest whose loss bound on the validation rows holds.
     */
    private static SweepReport progressive(Sweep options, OnnxDenseModel model, Task task, ProgressiveSweep sweep,
            ScanResult scan, Progress progress) {
        DenseNetwork network = model.network();
        boolean accuracy = task == Task.CLASSIFICATION;
        Retrainer retrainer = sweep.retrainer();
        String validationPlace = sweep.validationPlace();
        // Without test rows (they only report), the table has no OR, PWR and PR.
        EvalData test = options.files().test() == null ? null : options.test().forModel(model);
        Metrics original = test == null ? null
                : ModelScan.evaluateOriginal(model, test, task, options.settings().device(), progress);
        ModelScan.refuseAtChance(retrainer.validationChance(network), options.files().validation() != null
                ? options.files().validation() : options.files().train(), options.files().csv().acceptChance(),
                "the validation rows");
        String seenWarning = options.retrain().validation() != null ? ""
                : heldOutWarning(options, retrainer, network, original, accuracy, validationPlace);
        ValidationLeakCheck.noteAboveReport(retrainer, network, options.files().validation(), original, options.test().file(),
                progress);
        double ridge = sweep.ridge();
        ProgressiveSweep.Result pruned = sweep.run(model.chainInputName().equals(model.input().name()), progress);
        List<ProgressivePruning.Round> rounds = pruned.rounds();
        List<EpsilonOutcome> outcomes = roundOutcomes(rounds, model, test, task, options, pruned, progress);
        Integer chosen = pruned.chosen();
        SpeedJudge.Verdict speed = judgeSpeed(options, model, rounds, chosen, pruned, scan.sample(), progress);
        org.odf2nna.report.Latency latency = speed.latency();
        chosen = speed.writes() ? speed.index() : null;
        String written = null;
        if (chosen != null) {
            ProgressivePruning.Round round = rounds.get(chosen);
            DenseNetwork result = round.judged();
            ModelProto proto = ExternalData.forOutput(written(model, result, round.inputs(), round.int8(), pruned),
                    model.source(), options.files().output());
            progress.update("writing " + options.files().output(), 0, -1, null);
            ScanResult.Sample sample = keepColumns(clipped(scan.sample(), pruned), round.inputs());
            double difference = writesKeras(options.files())
                    ? writeKeras(options, pruned.written(result), round, sample)
                    : ModelWriter.writeOnnx(proto, options.files().output(), pruned.written(result), sample,
                            options.settings().device(), true);
            progress.done("writing " + options.files().output());
            written = options.files().output().toString();
            outcomes.set(chosen, withDifference(outcomes.get(chosen), written, difference));
        }
        String choice = (chosen == null ? (latency != null ? latency.verdict() : nothing(rounds, options.maxDrop(),
                accuracy, retrainer.validationRows(), reading(options, accuracy)))
                : explainBound(outcomes, chosen, options.maxDrop(), accuracy, reading(options, accuracy))
                        + (seenWarning.isEmpty() ? "" : "." + seenWarning));
        Int8Summary int8 = chosen == null || rounds.get(chosen).int8() == null ? null
                : int8Summary(options, rounds.get(chosen), keepColumns(scan.sample(), rounds.get(chosen).inputs()));
        if (int8 != null) {
            choice += (choice.endsWith(".") ? "" : ".") + int8Note(int8);
        }
        choice += clipNote(pruned, chosen != null) + wholeModel(model, network, outcomes, chosen);
        String outputNote = outputClipNote(pruned, chosen != null);
        choice += outputNote.isEmpty() || choice.endsWith(".") ? outputNote : "." + outputNote;
        SweepReport.Scratch scratch = chosen != null && options.settings().compareScratch()
                ? scratch(model, options, retrainer, task, progress, rounds.get(chosen).inputs()) : null;
        CompensationSettings compensation = new CompensationSettings("lsq", ridge,
                "the training rows of " + options.retrain().train() + (options.retrain().validation() == null
                        ? " (the validation rows held out)" : ""), retrainer.fittingRowCount());
        ShrinkReport table = new ShrinkReport(options.files().model().toString(), test == null ? null
                : options.test().file().toString(), scan.statistics().rows(), task.displayName(),
                "reconstruction cost", wholeSummary(network, outsideChain(model, network)),
                original, List.of(), outcomes, retrainer.settings(network), options.retrain().train().toString(),
                compensation);
        String grid = progressiveGrid(options, retrainer.validationRows(), accuracy);
        SweepReport report = new SweepReport(table, grid, new SweepReport.Decision(options.maxDrop(),
                accuracy ? "accuracy points" : "% of MSE", table.retraining().originalValidationMetric(), chosen,
                choice), written, scratch, List.of(), int8);
        if (options.files().chart() != null) {
            List<String> charts = SweepChart.write(report, options.files().chart()).stream().map(Path::toString)
                    .toList();
            report = report.withCharts(charts);
        }
        report = report.withInputRange(pruned.inputRange(), pruned.clipped()).withLatency(latency);
        if (options.files().report() != null) {
            AtomicFiles.writeString(options.files().report(), ReportFormat.json(report));
        }
        return report;
    }

    /**
     * The rounds the validation rule certifies, {@code chosen} (the smallest) first, then the others that hold from the
     * smallest to the largest.
     */
    static List<Integer> certified(List<ProgressivePruning.Round> rounds, int chosen) {
        return ChainCertificate.certified(chosen, i -> rounds.get(i).certified());
    }

    /**
     * The certified rounds timed against the user's original in ONNX Runtime ({@link SpeedJudge}), each as its file
     * would hold it, on the scoring pass's rows: the verdict's index is the round to write (-1: none), its latency null
     * where nothing was timed (no round certified, or a .keras file written).
     */
    private static SpeedJudge.Verdict judgeSpeed(Sweep options, OnnxDenseModel model,
            List<ProgressivePruning.Round> rounds, Integer chosen, ProgressiveSweep.Result pruned,
            ScanResult.Sample sample, Progress progress) {
        if (chosen == null || writesKeras(options.files())) {
            return new SpeedJudge.Verdict(chosen == null ? -1 : chosen, null);
        }
        int width = sample.featureWidth();
        float[] rows = java.util.Arrays.copyOf(sample.features(), Math.min(sample.features().length,
                SpeedJudge.TIMING_ROWS * width));
        return SpeedJudge.judgeRounds(options.files().model(), model.model(), model.input(), rows,
                certified(rounds, chosen), i -> ExternalData.forOutput(written(model, rounds.get(i).judged(),
                        rounds.get(i).inputs(), rounds.get(i).int8(), pruned), model.source(),
                        options.files().output()), options.settings().latency(), progress);
    }

    /** Whether the chosen model goes to a .keras file (a Keras file swept with {@code -o NAME.keras}). */
    public static boolean writesKeras(SweepFiles files) {
        return files.output() != null && files.output().getFileName() != null && files.output().getFileName()
                .toString().toLowerCase(java.util.Locale.ROOT).endsWith(".keras");
    }

    /**
     * The chosen network as a .keras file in the swept Keras file's own layout (its backbone kept as it is), read
     * back and checked as shrink checks a Keras output. The network must read every input, unclipped.
     */
    private static double writeKeras(Sweep options, DenseNetwork network, ProgressivePruning.Round round,
            ScanResult.Sample sample) {
        org.odf2nna.keras.KerasModel keras = ModelFiles.readKeras(options.files().model());
        boolean everyInput = round.inputs() == null || round.inputs().length == network.inputs()
                && network.inputs() == keras.network().inputs();
        if (keras == null || !everyInput || round.int8() != null) {
            throw new IllegalStateException("a .keras output needs a Keras file swept with every input kept, in float");
        }
        org.odf2nna.keras.KerasWriter.checkExpressible(keras, network);
        return ModelWriter.writeKeras(options.files().output(), network, keras, sample, true);
    }

    /**
     * With the inputs clipped, the sample's chain inputs held to the range, as the written model holds them before
     * its chain (its features go through the model's own clip).
     */
    private static ScanResult.Sample clipped(ScanResult.Sample sample, ProgressiveSweep.Result pruned) {
        if (!pruned.clipped()) {
            return sample;
        }
        return new ScanResult.Sample(sample.features(), sample.featureWidth(),
                pruned.inputRange().clip(sample.chainInput(), sample.rows()), sample.chainWidth(), sample.outputs(),
                sample.rows());
    }

    /**
     * Every round a row of the table: PWR (compensated) and PR (retrained, as judged) on the test rows (none without
     * them), its parameters the whole model's.
     */
    private static List<EpsilonOutcome> roundOutcomes(List<ProgressivePruning.Round> rounds, OnnxDenseModel model,
            EvalData test, Task task, Sweep options, ProgressiveSweep.Result range, Progress progress) {
        DenseNetwork network = model.network();
        // Every round's two networks evaluated over one reading of the test rows per group of them.
        List<Metrics> metrics = test == null ? null : ModelScan.evaluateAll(2 * rounds.size(), i -> {
            ProgressivePruning.Round r = rounds.get(i / 2);
            return evaluated(model, i % 2 == 0 ? new RoundNetwork(r.compensated(), r.inputs(), null)
                    : new RoundNetwork(r.judged(), r.inputs(), r.int8()), range, options);
        }, test, task, options.settings().device(), progress);
        List<EpsilonOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < rounds.size(); i++) {
            ProgressivePruning.Round r = rounds.get(i);
            Metrics pwr = test == null ? null : metrics.get(2 * i);
            Metrics pr = test == null ? null : metrics.get(2 * i + 1);
            // The whole model's counts: weights in front of the chain (a CNN's convolutions) are kept as they are.
            long outside = outsideChain(model, network);
            double reduction = 100.0 * (network.parameterCount() - r.network().parameterCount())
                    / (network.parameterCount() + outside);
            List<Integer> kept = java.util.Arrays.stream(r.network().hiddenUnits()).boxed().toList();
            outcomes.add(new EpsilonOutcome(Double.NaN, null, wholeSummary(r.network(), outside), reduction, kept, 0,
                    pwr,
                    pr, Double.NaN, r.training(), null, pwr, List.of(), "round " + r.index(), r.bound()));
        }
        return outcomes;
    }

    /**
     * At what level each round of the chain is judged, in words: under the population reading each at the whole 5%,
     * in order, up to the first that fails (fixed sequence); under the new-set reading at their parts of the 5% on the
     * rounds picked on training rows; regression's rounds on outputs clipped to the training targets' range
     * ({@link org.odf2nna.metrics.BoundedRegression}), see {@link ProgressivePruning#certifyInSequence} and
     * {@link ProgressivePruning#certify}.
     */
    static String judgedAt(boolean accuracy, ChainCertificate.Reading reading) {
        String clip = accuracy ? "" : " (outputs clipped to the training targets' range, an empirical-Bernstein bound "
                + "on the MSE's rise)";
        return (reading == ChainCertificate.Reading.POPULATION ? "in their order, each at the whole 5%, up to the "
                + "first that fails" : "the 5% shared equally by at most "
                + org.odf2nna.metrics.ChainCertificate.NEW_SET_ROUNDS + " rounds picked on the training rows before "
                + "the validation rows were read") + clip;
    }

    private static EpsilonOutcome withDifference(EpsilonOutcome o, String output, double difference) {
        return new EpsilonOutcome(o.epsilon(), output, o.network(), o.reductionPercent(), o.unitsKept(),
                o.layersAllBelowThreshold(), o.pruned(), o.retrained(), difference, o.training(),
                o.prunedMeanFolding(), o.prunedLeastSquares(), o.refit(), o.step(), o.bound());
    }

    /** The sample with its chain input restricted to the given columns (a network that reads only those). */
    private static ScanResult.Sample keepColumns(ScanResult.Sample sample, int[] kept) {
        if (kept.length == sample.chainWidth()) {
            return sample;
        }
        float[] x = new float[sample.rows() * kept.length];
        for (int r = 0; r < sample.rows(); r++) {
            for (int k = 0; k < kept.length; k++) {
                x[r * kept.length + k] = sample.chainInput()[r * sample.chainWidth() + kept[k]];
            }
        }
        return new ScanResult.Sample(sample.features(), sample.featureWidth(), x, kept.length, sample.outputs(),
                sample.rows());
    }

    /**
     * With int8 weights, what they did to the written model: the layers int8 and kept float, the bytes of the model
     * before and after, and the largest output difference from the same round with float weights on the check rows.
     */
    private static Int8Summary int8Summary(Sweep options, ProgressivePruning.Round round,
            ScanResult.Sample sample) {
        float[] asFloat = round.network().forward(sample.chainInput(), sample.rows());
        float[] int8 = round.judged().forward(sample.chainInput(), sample.rows());
        boolean[] layers = round.int8().int8();
        return new Int8Summary(new Int8Summary.Size(Converter.bytes(options.files().model()),
                Converter.bytes(options.files().output())), new Int8Summary.Fallback(Int8Summary.layers(layers, true),
                Int8Summary.layers(layers, false), Int8Fallback.LAYER_SHARE), new Int8Summary.Check(
                ModelWriter.maxDifference(int8, asFloat), sample.rows()), round.int8().integerKernels() ? "int8"
                        : "int8-weights", Int8Fallback.layers(round.int8(), sample.chainInput(), sample.rows()));
    }

    /**
     * The graph for a round's network: its inputs selected, its int8 layers stored as int8, the training rows'
     * range recorded (and clipped to, when asked) at the chain's input, and for regression its output clipped to the
     * training targets' range, which is recorded too ({@link OutputClip}).
     */
    private static ModelProto written(OnnxDenseModel model, DenseNetwork network, int[] inputs,
            Int8Fallback.Choice int8, ProgressiveSweep.Result range) {
        ModelProto proto = InputSelection.write(model, network, inputs);
        proto = int8 == null ? proto : Int8Weights.apply(proto, model, network, int8.int8());
        proto = InputClip.apply(proto, model.chainInputName(), range.inputRange(), range.clipped());
        float[] output = range.outputRange();
        return output == null ? proto : OutputClip.apply(proto, model.outputName(), output[0], output[1]);
    }

    /**
     * A round's network as the written file holds it: the network, the input columns it keeps, and which layers took
     * int8 weights (null for float weights).
     */
    private record RoundNetwork(DenseNetwork network, int[] inputs, Int8Fallback.Choice int8) {
    }

    /** A round's network as it would be written, for the table's evaluation. */
    private static ModelScan.Evaluated evaluated(OnnxDenseModel model, RoundNetwork round,
            ProgressiveSweep.Result range, Sweep options) {
        ModelProto written = ExternalData.forOutput(written(model, round.network(), round.inputs(), round.int8(),
                range), model.source(), options.files().output());
        return new ModelScan.Evaluated(written, model.input(), range.written(round.network()),
                options.files().output(), model.outputName());
    }

    /** Nothing chosen: either the search went on from no round, or none it went on from held. */
    static String nothing(List<ProgressivePruning.Round> rounds, double maxDrop, boolean accuracy,
            int validationRows, ChainCertificate.Reading reading) {
        // The table, a chart and a report may still be written: it is the pruned model that is not.
        String advice = "; no pruned model was written (allow more with {{MAX_DROP}}, or validate on more rows with "
                + "{{VALIDATION}})";
        ProgressivePruning.Round first = rounds.stream().filter(ProgressivePruning.Round::continued).findFirst()
                .orElse(null);
        if (first == null) {
            String moved = accuracy ? "lost more than " + ReportFormat.number(ProgressivePruning.STEERING_SLACK
                    * maxDrop) + " accuracy points (or changed as many predictions, on rows without labels) on the "
                    + "training rows it watched" : "raised the MSE on the training rows it watched by more than "
                    + ReportFormat.number(ProgressivePruning.STEERING_SLACK * maxDrop) + "% of the original's there";
            return "the search went on from no round: each " + moved + " (the validation rows were not looked at)"
                    + "; no pruned model was written (allow more with {{MAX_DROP}})";
        }
        long chain = rounds.stream().filter(ProgressivePruning.Round::continued).count();
        return String.format(Locale.ROOT, "none of the %d round%s the search went on from kept the loss within %s on "
                + "the %d validation rows, each judged %s (round %d: %s)", chain,
                chain == 1 ? "" : "s", limit(maxDrop, accuracy), validationRows, judgedAt(accuracy, reading),
                first.index(),
                first.bound().rule())
                + advice;
    }

    /**
     * The parameters outside the dense chain that a sweep keeps as they are (a CNN's convolutions in front of its
     * head), 0 when there are none: the table's counts add them, so that they are the whole model's. (The chain's count
     * alone said "87.5% fewer" of a CNN whose whole model had 80.1% fewer.)
     */
    static long outsideChain(OnnxDenseModel model, DenseNetwork network) {
        if (network.prefix().kind() != InputPrefix.Kind.BACKBONE) {
            return 0;
        }
        return Math.max(0, Int8Conversion.parameters(model.model()) - network.parameterCount());
    }

    /** {@code network}'s summary with the whole model's parameter count ({@code outside} added). */
    static NetworkSummary wholeSummary(DenseNetwork network, long outside) {
        NetworkSummary chain = NetworkSummary.of(network);
        return new NetworkSummary(chain.architecture(), chain.parameters() + outside, chain.hiddenUnits());
    }

    /** The reading the sweep's rounds were judged under (regression's too, {@link ProgressivePruning}). */
    static ChainCertificate.Reading reading(Sweep options, boolean accuracy) {
        return ChainCertificate.Reading.of(options.settings().schedule().promise());
    }

    /** The smallest model within the allowed drop; ties go to the better validation figure. */
    static Integer choose(ShrinkReport table, double original, double maxDrop, boolean accuracy) {
        Integer best = null;
        for (int i = 0; i < table.outcomes().size(); i++) {
            EpsilonOutcome o = table.outcomes().get(i);
            double v = o.training().validationAfter();
            boolean within = accuracy ? v >= original - maxDrop / 100 - 1e-12 : v <= original * (1 + maxDrop / 100);
            // A classifier must not have changed its predictions more than that either: accuracy on a small
            // validation set is coarse, the share of changed predictions is not (see Retrainer.changeFrom).
            // Regression needs no such guard: validation MSE is already a smooth figure, and two equally good
            // regressors differ by about twice their MSE, so the guard would refuse every retrained model.
            if (accuracy) {
                within &= o.training().changeFromOriginal() <= maxDrop / 100 + 1e-12;
            }
            if (!within) {
                continue;
            }
            if (best == null) {
                best = i;
                continue;
            }
            EpsilonOutcome b = table.outcomes().get(best);
            long p = o.network().parameters();
            long bp = b.network().parameters();
            double bv = b.training().validationAfter();
            if (p < bp || (p == bp && (accuracy ? v > bv : v < bv))) {
                best = i;
            }
        }
        return best;
    }

    /**
     * One sweep's files and settings, with what its steps make of them: the test rows and retraining in the method's
     * terms, and the maximum drop resolved for the task once the model is read.
     */
    record Sweep(SweepFiles files, SweepSettings settings, Task resolvedTask) {

        EvalData test() {
            return new EvalData(files.test(), ColumnRequest.of(-1, files.csv().label(), ColumnRequest.Target.REQUIRED),
                    files.csv().inferenceBatch(), files.csv().acceptChance());
        }

        RetrainOptions retrain() {
            return new RetrainOptions(files.train(), files.validation(), settings.retraining());
        }

        double maxDrop() {
            return settings.maxDrop(resolvedTask);
        }
    }
}
