package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.CsvReader;
import org.odf2nna.evolve.FeatureSearch;
import org.odf2nna.evolve.Fitness;
import org.odf2nna.evolve.GaResult;
import org.odf2nna.evolve.Mask;
import org.odf2nna.evolve.MaskSearch;
import org.odf2nna.evolve.MaskedFitness;
import org.odf2nna.evolve.SteadyStateGa;
import org.odf2nna.evolve.UnitSearch;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.RowSource;
import org.odf2nna.prune.RunningMoments;
import org.odf2nna.prune.UnitStatistics;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.report.NetworkSummary;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GaSettings;
import org.odf2nna.settings.PruningOptions;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * EvoPruneDeepTL on an existing ONNX model: a genetic search for the units (or input features) to keep,
 * judged on training rows held out for validation (each mask by mean folding), then the best mask made into a
 * physically smaller network (least-squares refit or mean folding), retrained, and written as
 * an ONNX file that has been loaded back and checked, exactly as {@code shrink} writes its models.
 *
 * <p>The test rows (the evaluation rows) give OR, PWR and PR only; every choice (the search, the retraining's
 * best epoch) is made on the training rows. Units and inputs are folded with their means over the
 * training part of the split, the same split the retraining uses.
 */
public final class Evolver {

    /** Rows per chunk when measuring unit means in plain Java. */
    private static final int CHUNK = 4096;

    private Evolver() {
    }

    /**
     * Runs the search on the model {@code files} names as {@code asked} says, and writes the best network (and the
     * report, when named).
     */
    public static EvolveReport run(EvolveFiles files, EvolveSettings asked, Progress progress) {
        Evolve options = new Evolve(files, asked);
        checkOutputPaths(options);
        OnnxDenseModel model = ModelFiles.read(options.model());
        DenseNetwork network = model.network();
        int[] layers = options.selectFeatures() ? null : searchedLayers(options, model);
        if (options.selectFeatures()) {
            checkFeatureSelection(options, model);
        }
        Task task = Task.givenOrInferred(options.task(), network);
        EvalData eval = options.eval().forModel(model);

        ScanResult scan = ModelScan.scan(model, eval, task, options.device(), progress);
        Shrinker.checkReadCorrectly(model, scan.sample());

        EvalData trainRows = new EvalData(options.retrain().train(), ColumnRequest.of(-1, eval.columns().label(),
                ColumnRequest.Target.REQUIRED), eval.inferenceBatch()).forModel(model);
        Columns columns = columns(trainRows);
        TrainingData[] parts = Retrainer.parts(model, TrainingRows.load(model, trainRows, task, options.device(),
                progress), options.retrain(), task, trainRows, options.device(), progress);
        TrainingData fit = parts[0];
        TrainingData validation = parts[1];
        Retrainer retrainer = Retrainer.prepare(model, options.retrain(), task, parts, options.device());

        MaskSearch search = search(options, network, layers, fit);
        Judge judge = judge(options, search, retrainer, task, validation);
        GaSettings settings = gaSettings(options, layers, judge.threads());
        GaResult result = evolve(search, judge.fitness(), settings, task, unit(options), progress);

        Mask best = result.best();
        // The search judged masks by mean folding; the chosen mask becomes a network by the chosen compensation, and
        // PWR is measured with both. Least squares fits on the training part of the split, never the validation rows.
        DenseNetwork meanFolded = search.apply(best);
        DenseNetwork refit = options.compensation() == Compensation.LSQ || scan.metrics() != null
                ? leastSquares(options, search, best, retrainer, fit, progress) : null;
        DenseNetwork pruned = options.compensation() == Compensation.LSQ ? refit : meanFolded;
        Kept kept = search instanceof FeatureSearch f ? keep(f.kept(best), columns, scan.sample(), eval)
                : new Kept(null, null, scan.sample(), eval);
        Written writing = new Written(model, kept.names(), columns.target());
        OnnxDenseModel prunedRead = DenseChainReader.read(writing.of(pruned), options.output());
        Path output = options.output();
        Metrics pwrMean = scan.metrics() == null ? null
                : measure(writing.of(meanFolded), meanFolded, prunedRead, kept, task, options, progress);
        Metrics pwrLsq = scan.metrics() == null ? null
                : measure(writing.of(refit), refit, prunedRead, kept, task, options, progress);
        Metrics pwr = options.compensation() == Compensation.LSQ ? pwrLsq : pwrMean;

        Retrainer.Outcome retrained = (kept.features() != null ? retrainer.keepInputs(kept.features()) : retrainer)
                .retrain(pruned, "best mask", progress);
        DenseNetwork finalNetwork = retrained.network();
        ModelProto written = writing.of(finalNetwork);
        double difference = ModelWriter.writeOnnx(written, output, finalNetwork, kept.sample(), options.device(), true);
        Metrics pr = scan.metrics() == null ? null
                : measure(written, finalNetwork, prunedRead, kept, task, options, progress);

        EvolveReport.Search searchReport = searchReport(options, layers, search, settings, validation.rows(), result,
                task);
        double reduction = 100.0 * (network.parameterCount() - pruned.parameterCount()) / network.parameterCount();
        EvolveReport.Outcome outcome = new EvolveReport.Outcome(output.toString(), best.toString(),
                NetworkSummary.of(finalNetwork), reduction, Arrays.stream(pruned.hiddenUnits()).boxed().toList(),
                kept.names(), figure(result.bestFitness(), task), pwr, pr, difference, retrained.summary(),
                options.compensation().id(), pwrMean, pwrLsq);
        EvolveReport report = new EvolveReport(options.model().toString(), options.eval().file().toString(),
                scan.statistics().rows(), task.displayName(), NetworkSummary.of(network), scan.metrics(), searchReport,
                generations(result, task), outcome, retrainer.settings(network));
        if (options.report() != null) {
            AtomicFiles.writeString(options.report(), ReportFormat.json(report));
        }
        return report;
    }

    /** The model and report files must be writable, and none of them one of the run's inputs. */
    private static void checkOutputPaths(Evolve options) {
        Path train = options.retrain().train();
        Path validationFile = options.retrain().validation();
        OutputPaths.checkWritable(options.output(), options.model(), options.eval().file(), train, validationFile);
        if (options.report() != null) {
            OutputPaths.checkWritable(options.report(), options.model(), options.eval().file(), train, validationFile,
                    options.output());
        }
    }

    /** The training file's feature column names and its target column's name. */
    private record Columns(List<String> names, String target) {
    }

    private static Columns columns(EvalData trainRows) {
        try (CsvReader header = trainRows.open()) {
            return new Columns(header.featureNames(), header.targetName());
        }
    }

    /** The search space: the input features (judged by folding their training means), or the searched units. */
    private static MaskSearch search(Evolve options, DenseNetwork network, int[] layers, TrainingData fit) {
        if (options.selectFeatures()) {
            RunningMoments moments = new RunningMoments(fit.width());
            moments.add(fit.inputs(), fit.rows());
            return new FeatureSearch(network, moments.mean());
        }
        return new UnitSearch(network, layers, UnitStatistics.measure(network, fit.inputs(), fit.rows(), CHUNK));
    }

    /** How a mask is judged, and on how many threads masks are judged side by side. */
    private record Judge(Fitness fitness, int threads) {
    }

    private static Judge judge(Evolve options, MaskSearch search, Retrainer retrainer, Task task,
            TrainingData validation) {
        DenseNetwork network = search.network();
        if (options.fitnessEpochs() == 0) {
            return new Judge(new MaskedFitness(search, validation.inputs(), validation.rows(),
                    new ValidationScorer(task, network.outputs(), network.head(), validation,
                            options.retrain().train())), options.threads());
        }
        // One mask at a time: every TensorFlow session shares the process's one-thread pool (TfSessions),
        // so sessions run side by side give the same weights but no speed-up (measured).
        int epochs = options.fitnessEpochs();
        Fitness fitness = mask -> {
            Retrainer r = search instanceof FeatureSearch f ? retrainer.keepInputs(f.kept(mask)) : retrainer;
            return r.fineTunedFitness(search.apply(mask), epochs);
        };
        return new Judge(fitness, 1);
    }

    /** The search's settings, its budget of evaluations checked against the initial population. */
    private static GaSettings gaSettings(Evolve options, int[] layers, int threads) {
        int budget = options.evaluations() != null ? options.evaluations()
                : GaSettings.defaultEvaluations(options.selectFeatures() ? 1 : layers.length);
        if (budget < options.population()) {
            throw InputException.usage("{{EVALUATIONS}} " + budget + " does not cover the initial population of "
                    + options.population());
        }
        return new GaSettings(options.population(), budget, options.mutation(), options.retrain().seed(), threads);
    }

    /** Runs the genetic search, reporting the best validation figure as it goes. */
    private static GaResult evolve(MaskSearch search, Fitness fitness, GaSettings settings, Task task, String unit,
            Progress progress) {
        String metric = metric(task);
        int bits = search.layout().length();
        GaResult result = SteadyStateGa.run(search.layout(), fitness, settings, (done, total, best, active) ->
                progress.update("evolving", done, total, String.format(Locale.ROOT, "best validation %s %s, %d/%d %s",
                        metric, task == Task.REGRESSION ? ReportFormat.number(-best) : ReportFormat.percent(best),
                        active, bits, unit)));
        progress.done("evolving");
        return result;
    }

    private static String metric(Task task) {
        return task == Task.REGRESSION ? "mse" : "accuracy";
    }

    private static String unit(Evolve options) {
        return options.selectFeatures() ? "features" : "units";
    }

    /** The best mask made a network by a least-squares refit on the training part of the split. */
    private static DenseNetwork leastSquares(Evolve options, MaskSearch search, Mask best, Retrainer retrainer,
            TrainingData fit, Progress progress) {
        DenseNetwork network = search.network();
        progress.update("least squares", 0, -1, null);
        double ridge = Double.isNaN(options.ridge())
                ? PruningOptions.automaticRidge(retrainer.epochs() > 0) : options.ridge();
        RowSource fitRows = RowSource.of(fit.inputs(), fit.rows(), fit.width(), CHUNK);
        DenseNetwork refit = search instanceof FeatureSearch f
                ? LeastSquaresCompensation.compensateInputs(network, f.inputMeans(), f.kept(best), fitRows,
                        ridge).network()
                : LeastSquaresCompensation.compensate(network, ((UnitSearch) search).statistics(),
                        ((UnitSearch) search).selection(best), fitRows, ridge).network();
        progress.done("least squares");
        return refit;
    }

    /**
     * The kept input features (null when units were searched), their column names, and the sample and evaluation
     * rows as the pruned network reads them.
     */
    private record Kept(int[] features, List<String> names, ScanResult.Sample sample, EvalData eval) {
    }

    private static Kept keep(int[] features, Columns columns, ScanResult.Sample sample, EvalData eval) {
        List<String> names = new ArrayList<>();
        for (int i : features) {
            names.add(columns.names().get(i));
        }
        return new Kept(features, names, keepColumns(sample, features), eval.withFeatureNames(names));
    }

    /** Writes networks into copies of the original graph, with the kept feature columns recorded when selected. */
    private record Written(OnnxDenseModel model, List<String> features, String target) {
        ModelProto of(DenseNetwork network) {
            return write(model, network, features, target);
        }
    }

    /** A written network run over the evaluation rows (as the pruned network reads them) in ONNX Runtime. */
    private static Metrics measure(ModelProto written, DenseNetwork network, OnnxDenseModel prunedRead, Kept kept,
            Task task, Evolve options, Progress progress) {
        return ModelScan.evaluate(written, prunedRead.input(), network, kept.eval(), task, options.device(), progress,
                options.output(), prunedRead.outputName());
    }

    private static List<EvolveReport.Generation> generations(GaResult result, Task task) {
        List<EvolveReport.Generation> generations = new ArrayList<>();
        for (GaResult.Generation g : result.generations()) {
            generations.add(new EvolveReport.Generation(g.generation(), g.evaluations(), figure(g.bestFitness(), task),
                    g.bestActive()));
        }
        return generations;
    }

    private static EvolveReport.Search searchReport(Evolve options, int[] layers, MaskSearch search,
            GaSettings settings, int validationRows, GaResult result, Task task) {
        List<Integer> searched = layers == null ? List.of() : Arrays.stream(layers).map(l -> l + 1).boxed().toList();
        return new EvolveReport.Search(unit(options), searched, search.layout().length(), settings.population(),
                settings.evaluations(), settings.mutationProbability(), settings.seed(), settings.threads(),
                options.fitnessEpochs(), metric(task), validationRows, result.evaluations(), result.cacheHits(),
                result.children(), result.stalled());
    }

    /** 0-based hidden layers to search: those asked for, or all of them. */
    private static int[] searchedLayers(Evolve options, OnnxDenseModel model) {
        int hidden = model.network().hiddenLayerCount();
        if (hidden == 0) {
            throw new InputException(options.model(), "layer 1 (node '" + model.layerNodes().get(0) + "')",
                    "is the only dense layer: a network without hidden layers has no units to search "
                            + "({{SELECT_FEATURES}} searches its inputs)");
        }
        if (options.layers().isEmpty()) {
            int[] all = new int[hidden];
            Arrays.setAll(all, l -> l);
            return all;
        }
        TreeSet<Integer> chosen = new TreeSet<>();
        for (int layer : options.layers()) {
            if (layer < 1 || layer > hidden) {
                throw InputException.usage(options.model(), "{{LAYERS}} " + layer + ": the model has " + hidden
                        + " hidden layer" + (hidden == 1 ? "" : "s") + " (numbered 1 to " + hidden + ")");
            }
            if (!chosen.add(layer - 1)) {
                throw InputException.usage("{{LAYERS}} lists layer " + layer + " twice");
            }
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void checkFeatureSelection(Evolve options, OnnxDenseModel model) {
        DenseNetwork network = model.network();
        if (!network.prefix().isEmpty()) {
            throw InputException.usage(options.model(), "{{SELECT_FEATURES}} needs a model whose first dense layer reads "
                    + "the graph input itself; this one computes its input first ("
                    + String.join(", ", network.prefix().operations()) + "), and only the dense layers can be "
                    + "rewritten; search its units instead");
        }
        if (network.inputs() < 2) {
            throw InputException.usage(options.model(), "{{SELECT_FEATURES}}: the model has a single input, "
                    + "there is nothing to select");
        }
    }

    /** The network written into a copy of the graph, with the kept feature columns recorded when selected. */
    private static ModelProto write(OnnxDenseModel model, DenseNetwork network, List<String> features, String target) {
        ModelProto written = DenseChainWriter.write(model, network);
        return features == null ? written : ModelColumns.withColumns(written, features, target);
    }

    /** The sample rows restricted to the kept inputs (feature selection: the rows are the chain inputs). */
    private static ScanResult.Sample keepColumns(ScanResult.Sample sample, int[] kept) {
        if (sample.featureWidth() != sample.chainWidth()) {
            throw new IllegalStateException("feature selection on a model whose rows are not its chain inputs");
        }
        float[] x = new float[sample.rows() * kept.length];
        for (int r = 0; r < sample.rows(); r++) {
            for (int k = 0; k < kept.length; k++) {
                x[r * kept.length + k] = sample.chainInput()[r * sample.chainWidth() + kept[k]];
            }
        }
        return new ScanResult.Sample(x, kept.length, x, kept.length, sample.outputs(), sample.rows());
    }

    private static double figure(double fitness, Task task) {
        return ValidationScorer.figure(fitness, task);
    }

    /** One run's files and settings as its steps read them: the rows and retraining in the method's terms. */
    private record Evolve(EvolveFiles files, EvolveSettings settings) {

        Path model() {
            return files.model();
        }

        Path output() {
            return files.output();
        }

        Path report() {
            return files.report();
        }

        EvalData eval() {
            return new EvalData(files.eval(), ColumnRequest.of(-1, files.csv().label(), ColumnRequest.Target.OPTIONAL),
                    files.csv().inferenceBatch());
        }

        RetrainOptions retrain() {
            return new RetrainOptions(files.train(), files.validation(), settings.retraining());
        }

        List<Integer> layers() {
            return settings.layers();
        }

        boolean selectFeatures() {
            return settings.selectFeatures();
        }

        int population() {
            return settings.population();
        }

        Integer evaluations() {
            return settings.evaluations();
        }

        double mutation() {
            return settings.mutation();
        }

        int fitnessEpochs() {
            return settings.fitnessEpochs();
        }

        int threads() {
            return settings.threads();
        }

        Task task() {
            return settings.task();
        }

        org.odf2nna.Device device() {
            return settings.device();
        }

        Compensation compensation() {
            return settings.compensation();
        }

        double ridge() {
            return settings.ridge();
        }
    }
}
