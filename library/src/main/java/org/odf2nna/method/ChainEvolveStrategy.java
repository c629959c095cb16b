package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.RowReader;
import org.odf2nna.evolve.FeatureSearch;
import org.odf2nna.evolve.GaResult;
import org.odf2nna.evolve.Mask;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.DenseChainWriter;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.report.NetworkSummary;
import org.odf2nna.settings.Compensation;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.Task;

/**
 * {@link Evolver}'s strategy for a dense chain: EvoPruneDeepTL on an existing ONNX model, a genetic search for the
 * units (or input features) to keep, judged on training rows held out for validation (each mask by mean folding),
 * then the best mask made into a physically smaller network (least-squares refit or mean folding), retrained, and
 * written as an ONNX file that has been loaded back and checked, exactly as {@code shrink} writes its models.
 *
 * <p>The test rows (the evaluation rows) give OR, PWR and PR only; every choice (the search, the retraining's
 * best epoch) is made on the training rows. Units and inputs are folded with their means over the
 * training part of the split, the same split the retraining uses.
 */
final class ChainEvolveStrategy implements EvolveStrategy {

    /** The one chain strategy: it holds no settings of its own. */
    static final ChainEvolveStrategy INSTANCE = new ChainEvolveStrategy();

    private ChainEvolveStrategy() {
    }

    /** Runs the search on the chain {@code files} names as {@code settings} say, and writes the best network. */
    @Override
    public EvolveReport search(EvolveFiles files, EvolveSettings settings, Progress progress) {
        if (files.eval() == null) {
            throw InputException.usage(files.model(), "{{EVAL}} is needed: a dense chain's evolve measures the "
                    + "original, pruned and retrained networks on the evaluation rows");
        }
        Evolve options = new Evolve(files, settings);
        checkOutputPaths(options);
        OnnxDenseModel model = ModelFiles.read(files.model());
        DenseNetwork network = model.network();
        int[] layers = settings.selectFeatures() ? null : searchedLayers(options, model);
        if (settings.selectFeatures()) {
            checkFeatureSelection(options, model);
        }
        Task task = Task.givenOrInferred(settings.task(), network);
        EvalData eval = options.eval().forModel(model);

        ScanResult scan = ModelScan.scan(model, eval, task, settings.device(), progress);
        Shrinker.checkReadCorrectly(model, scan.sample());

        EvalData trainRows = new EvalData(files.train(), ColumnRequest.of(-1, eval.columns().label(),
                ColumnRequest.Target.REQUIRED), eval.inferenceBatch()).forModel(model);
        Columns columns = columns(trainRows);
        // Training rows past what memory holds stream from disk, as shrink's and sweep's (RetrainingRows.loadParts).
        RetrainingRows.Parts parts = RetrainingRows.loadParts(model, options.retrain(), task, trainRows,
                settings.device(), progress);
        MaskEvolution evolution = MaskEvolution.prepare(network, RecordedEpochs.of(model), parts,
                new RowsOrigin(files.train(), files.validation()), settings, task,
                new MaskEvolution.Plan(layers, settings.fitnessEpochs(), settings.refit().compensation()));
        try {
            return searchAndWrite(new Prepared(options, model, layers, task, eval, scan, columns), evolution,
                    progress);
        } finally {
            evolution.retrainer().release();
        }
    }

    /** What {@link #search} read and decided before the search. */
    private record Prepared(Evolve options, OnnxDenseModel model, int[] layers, Task task, EvalData eval,
            ScanResult scan, Columns columns) {
    }

    /** The search, the best mask made a network, measured, retrained and written, and the report. */
    private static EvolveReport searchAndWrite(Prepared run, MaskEvolution evolution, Progress progress) {
        Evolve options = run.options();
        EvolveFiles files = options.files();
        EvolveSettings settings = options.settings();
        OnnxDenseModel model = run.model();
        DenseNetwork network = model.network();
        int[] layers = run.layers();
        Task task = run.task();
        EvalData eval = run.eval();
        ScanResult scan = run.scan();
        Columns columns = run.columns();
        // PWR is measured with both compensations whenever there are metrics.
        MaskEvolution.Found found = evolution.search(scan.metrics() != null, progress);

        Mask best = found.best();
        DenseNetwork meanFolded = found.meanFolded();
        DenseNetwork refit = found.refit();
        DenseNetwork pruned = found.pruned();
        Kept kept = evolution.space() instanceof FeatureSearch f ? keep(f.kept(best), columns, scan.sample(), eval)
                : new Kept(null, null, scan.sample(), eval);
        Written writing = new Written(model, kept.names(), columns.target());
        OnnxDenseModel prunedRead = DenseChainReader.read(writing.of(pruned), files.output());
        Path output = files.output();
        Metrics pwrMean = scan.metrics() == null ? null
                : measure(writing.of(meanFolded), meanFolded, prunedRead, kept, task, options, progress);
        Metrics pwrLsq = scan.metrics() == null ? null
                : measure(writing.of(refit), refit, prunedRead, kept, task, options, progress);
        Metrics pwr = settings.refit().compensation() == Compensation.LSQ ? pwrLsq : pwrMean;

        MaskEvolution.Result retrained = evolution.retrain(found, kept.features(), progress);
        DenseNetwork finalNetwork = retrained.network();
        ModelProto written = writing.of(finalNetwork);
        double difference = ModelWriter.writeOnnx(written, output, finalNetwork, kept.sample(), settings.device(),
                true);
        Metrics pr = scan.metrics() == null ? null
                : measure(written, finalNetwork, prunedRead, kept, task, options, progress);

        GaResult result = found.ga();
        EvolveReport.Search searchReport = searchReport(settings, layers, evolution,
                evolution.retrainer().validationRows(), result, task);
        double reduction = 100.0 * (network.parameterCount() - pruned.parameterCount()) / network.parameterCount();
        EvolveReport.Outcome outcome = new EvolveReport.Outcome(output.toString(), best.toString(),
                new EvolveReport.Kept(NetworkSummary.of(finalNetwork), reduction,
                        Arrays.stream(pruned.hiddenUnits()).boxed().toList(), kept.names()),
                new EvolveReport.Figures(figure(result.bestFitness(), task), pwr, pr), difference,
                retrained.training(), settings.refit().compensation().id(),
                new EvolveReport.BothCompensations(pwrMean, pwrLsq));
        EvolveReport report = new EvolveReport(new EvolveReport.Evaluated(files.model().toString(),
                files.eval().toString(), scan.statistics().rows(), task.displayName()), NetworkSummary.of(network),
                scan.metrics(), searchReport, Evolver.generations(result, task), outcome,
                evolution.retrainer().settings(network));
        return report;
    }

    /** The model and report files must be writable, and none of them one of the run's inputs. */
    private static void checkOutputPaths(Evolve options) {
        Path train = options.retrain().train();
        Path validationFile = options.retrain().validation();
        EvolveFiles files = options.files();
        OutputPaths.checkWritable(files.output(), files.model(), files.eval(), train, validationFile);
        if (files.report() != null) {
            OutputPaths.checkWritable(files.report(), files.model(), files.eval(), train, validationFile,
                    files.output());
        }
    }

    /** The training file's feature column names and its target column's name. */
    private record Columns(List<String> names, String target) {
    }

    private static Columns columns(EvalData trainRows) {
        try (RowReader header = trainRows.open()) {
            return new Columns(header.featureNames(), header.targetName());
        }
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
        return ModelScan.evaluate(new ModelScan.Evaluated(written, prunedRead.input(), network,
                options.files().output(), prunedRead.outputName()), kept.eval(), task, options.settings().device(),
                progress);
    }

    private static EvolveReport.Search searchReport(EvolveSettings settings, int[] layers, MaskEvolution evolution,
            int validationRows, GaResult result, Task task) {
        List<Integer> searched = layers == null ? List.of() : Arrays.stream(layers).map(l -> l + 1).boxed().toList();
        return new EvolveReport.Search(evolution.unit(), searched, evolution.space().layout().length(),
                Evolver.ga(evolution.ga()), new EvolveReport.Fitness(settings.fitnessEpochs(),
                        MaskEvolution.metric(task), validationRows), Evolver.effort(result));
    }

    /** 0-based hidden layers to search: those asked for, or all of them. */
    private static int[] searchedLayers(Evolve options, OnnxDenseModel model) {
        int hidden = model.network().hiddenLayerCount();
        if (hidden == 0) {
            throw InputException.uncertifiable(options.files().model(), "layer 1 (node '" + model.layerNodes().get(0) + "')",
                    "is the only dense layer: a network without hidden layers has no units to search "
                            + "({{SELECT_FEATURES}} searches its inputs)");
        }
        if (options.settings().layers().isEmpty()) {
            int[] all = new int[hidden];
            Arrays.setAll(all, l -> l);
            return all;
        }
        TreeSet<Integer> chosen = new TreeSet<>();
        for (int layer : options.settings().layers()) {
            if (layer < 1 || layer > hidden) {
                throw InputException.usage(options.files().model(), "{{LAYERS}} " + layer + ": the model has " + hidden
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
            throw InputException.usage(options.files().model(), "{{SELECT_FEATURES}} needs a model whose first dense "
                    + "layer reads the graph input itself; this one computes its input first ("
                    + String.join(", ", network.prefix().operations()) + "), and only the dense layers can be "
                    + "rewritten; search its units instead");
        }
        if (network.inputs() < 2) {
            throw InputException.usage(options.files().model(), "{{SELECT_FEATURES}}: the model has a single input, "
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

    /** One run's files and settings, with what its steps make of them: the rows and retraining in method terms. */
    private record Evolve(EvolveFiles files, EvolveSettings settings) {

        EvalData eval() {
            return new EvalData(files.eval(), ColumnRequest.of(-1, files.csv().label(), ColumnRequest.Target.OPTIONAL),
                    files.csv().inferenceBatch());
        }

        RetrainOptions retrain() {
            return new RetrainOptions(files.train(), files.validation(), settings.retraining());
        }
    }
}
