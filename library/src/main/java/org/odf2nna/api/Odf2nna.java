package org.odf2nna.api;

import java.nio.file.Path;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.Device;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.method.Converter;
import org.odf2nna.method.EpsilonPruning;
import org.odf2nna.method.EvalData;
import org.odf2nna.method.Evolver;
import org.odf2nna.method.MaskEvolution;
import org.odf2nna.method.ProgressiveSweep;
import org.odf2nna.method.MethodRun;
import org.odf2nna.method.ModelBuilder;
import org.odf2nna.method.ModelDescriber;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.method.ModelScan;
import org.odf2nna.method.Shrinker;
import org.odf2nna.method.Sweeper;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.report.BuildSummary;
import org.odf2nna.report.Conversion;
import org.odf2nna.report.Evaluation;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.report.ModelDescription;
import org.odf2nna.report.RunReport;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.SweepReport;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.BuildFiles;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.RunFiles;
import org.odf2nna.settings.ShrinkFiles;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * The library's entry point for Java code: load a network (a file, ONNX bytes, or a {@link DenseNetwork} built in
 * memory), give rows as float arrays, shrink it, and get the smaller network back in memory; nothing is written
 * unless asked ({@link Shrunk#onnx()} gives the bytes).
 *
 * <pre>{@code
 * DenseNetwork network = Odf2nna.load(Path.of("model.onnx"));
 * Rows rows = Rows.of(features, network.inputs()).withTargets(labels);
 * Shrunk small = Odf2nna.shrink(network, rows, rows, ShrinkSettings.builder().epsilon(0.1).build());
 * byte[] onnx = small.onnx();
 * }</pre>
 *
 * <p>The command line's {@code shrink} does the same from files, with ONNX Runtime scoring the original graph
 * (prefix included) and its retraining in standardised coordinates; here the dense chain is computed in plain Java
 * and retrained as it is. Errors in the arguments are {@link IllegalArgumentException}s naming the setting; a file
 * that cannot be read is an {@link InputException} naming the file and the place.
 *
 * <p>The file-level entry points ({@link #shrink(ShrinkFiles, ShrinkSettings, Progress)},
 * {@link #sweep(SweepFiles, SweepSettings, Progress)}, {@link #evolve(EvolveFiles, EvolveSettings, Progress)},
 * {@link #run(RunFiles, BuildSettings, SweepSettings, Progress)}, {@link #build}, {@link #convert},
 * {@link #evaluate}) are what the command line's commands call: they read models and CSV files, write checked models
 * and reports, and return the report the command prints. The in-memory and the file-level shrink, sweep and evolve
 * take the same settings types ({@code org.odf2nna.settings}); the files are a record of their own.
 */
public final class Odf2nna {

    private Odf2nna() {
    }

    /**
     * The dense chain of a model file: ONNX, Keras (.keras, .h5) or a TensorFlow SavedModel directory.
     *
     * @param file the model file or SavedModel directory; never modified
     * @return its dense chain, with the input prefix and output head it has
     * @throws InputException when the file cannot be read or holds no dense chain the tool understands
     */
    public static DenseNetwork load(Path file) {
        return ModelFiles.read(file).network();
    }

    /**
     * The dense chain of an ONNX model given as bytes.
     *
     * @param onnx a serialised ONNX {@code ModelProto}
     * @return its dense chain
     * @throws IllegalArgumentException when no bytes are given
     * @throws InputException when the bytes are not an ONNX model, or hold no dense chain the tool understands
     */
    public static DenseNetwork load(byte[] onnx) {
        if (onnx == null || onnx.length == 0) {
            throw new IllegalArgumentException("onnx: no bytes given");
        }
        Path name = Path.of("(ONNX bytes)");
        try {
            // Cleaned as every file read is, so that bytes and a file of one model give one network.
            return DenseChainReader.read(org.odf2nna.onnx.cleaning.ModelCleaner.clean(
                    org.odf2nna.onnx.proto.OnnxProto.ModelProto.parseFrom(onnx), name, Cleaning.off()).model(), name)
                    .network();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new InputException(name, null, "is not an ONNX model (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Prunes {@code network} once: units whose score ({@code settings.pruning().score()}, the std of their activation
     * by default) over {@code scoring} is at most the one threshold of {@code settings} (0.05 by default) go, the
     * layers after them are compensated, and when {@code training} has rows and {@code settings.retraining()} is set
     * (not 0 epochs) the result is retrained on them with the original as teacher.
     *
     * @param network  the network to prune; not changed
     * @param scoring  rows the units are scored and the least-squares refit is fitted on
     * @param training rows to retrain on (labelled or not: unlabelled rows are learnt from the teacher alone), or
     *                 null for no retraining
     * @param settings ε, compensation and retraining, from {@link ShrinkSettings#builder()}, the type the file-level
     *                 shrink takes too (one ε here; its format, quantization and maximum drop do not apply)
     * @return the smaller network, in memory
     * @throws IllegalArgumentException when an argument is missing, or the rows do not fit the network
     */
    public static Shrunk shrink(DenseNetwork network, Rows scoring, Rows training, ShrinkSettings settings) {
        requirePrunable(network, settings);
        if (settings.clipInputs()) {
            throw new IllegalArgumentException("settings: clipInputs applies to progressive pruning (sweep), whose "
                    + "rounds are judged with clipped inputs; shrink in memory prunes once");
        }
        check("scoring", scoring, network);
        if (training != null) {
            check("training", training, network);
        }
        EpsilonPruning.Result result = EpsilonPruning.run(network, trainingData(scoring),
                training == null ? null : trainingData(training), settings, Progress.NONE);
        TrainingSummary retrained = result.training();
        return new Shrunk(network, result.network(), result.pruned().epsilon(),
                retrained == null ? 0 : retrained.epochsRun(), retrained == null ? 0 : retrained.bestEpoch());
    }

    /**
     * Progressive pruning, the default of the command line's {@code sweep}: each round removes a share of the
     * parameters (the units, and inputs, whose removal the least-squares refit makes up for best), refits the next
     * layers, retrains briefly with the original as teacher, and is judged on {@code validation}: each round of the chain at its own part
     * of one 5% ({@link org.odf2nna.metrics.ChainCertificate}), it must keep a new set of as many rows within
     * {@link SweepSettings#maxDrop(Task)}. The smallest network that holds is chosen: over repeated runs, at most 5%
     * choose one that then loses more than that on a new set of as many rows like {@code validation}.
     * {@code settings} is the same type the file-level sweep takes: its progressive schedule, maximum drop,
     * retraining, int8 weights, task and device apply; the ε grid and {@code compareScratch} do not.
     *
     * @param network    the network to prune; not changed
     * @param training   rows to refit and retrain on (labelled or not)
     * @param validation rows that judge the rounds once the search is over (labels needed for regression;
     *                   for classification, rows without labels bound the share of changed predictions)
     * @param settings   the rounds, the promise and retraining, from {@link SweepSettings#builder()}
     * @return every round, and the chosen one
     * @throws IllegalArgumentException when an argument is missing, or the rows do not fit the network
     */
    public static Swept sweep(DenseNetwork network, Rows training, Rows validation, SweepSettings settings) {
        return sweep(network, training, validation, settings, Progress.NONE);
    }

    /**
     * {@link #sweep(DenseNetwork, Rows, Rows, SweepSettings)}, telling {@code progress} of each round's phases (unit
     * costs, least squares, retraining epochs) as they run.
     *
     * @param network    the network to prune; not changed
     * @param training   rows to refit and retrain on
     * @param validation rows that judge the rounds
     * @param settings   the rounds, the promise and retraining
     * @param progress   hears each phase (null: nothing)
     * @return every round, and the chosen one
     * @throws IllegalArgumentException when an argument is missing, or the rows do not fit the network
     */
    public static Swept sweep(DenseNetwork network, Rows training, Rows validation, SweepSettings settings,
            Progress progress) {
        requireTrainingAndValidation(network, settings, training, validation);
        if (training.count() < 1 || validation.count() < 1) {
            throw new IllegalArgumentException("training and validation need at least one row each");
        }
        if (!settings.schedule().progressive()) {
            throw new IllegalArgumentException("settings: rows in memory are pruned by the progressive schedule");
        }
        ProgressiveSweep.Result result = ProgressiveSweep.run(network, trainingData(training),
                trainingData(validation), settings, progress == null ? Progress.NONE : progress);
        return new Swept(network, result.rounds().stream()
                .map(r -> new Swept.Round(r.index(), r.judged(), r.inputs(), r.bound(), r.int8Layers(), r.network()))
                .toList(), result.chosen() == null ? -1 : result.chosen(), result.inputRange(), result.clipped(),
                result.outputRange());
    }

    /**
     * EvoPruneDeepTL's genetic search over which hidden units to keep, as the command line's {@code evolve} runs it:
     * each mask is judged on {@code validation} with mean folding (no training); the best is refitted by least squares
     * on {@code training} and retrained on it with the original as teacher.
     *
     * @param network    the network to prune; not changed
     * @param training   rows to refit and retrain on (labelled or not)
     * @param validation labelled rows every mask is scored on, and retraining picks its epoch on
     * @param settings   the search and retraining, from {@link EvolveSettings#builder()}, the type the file-level
     *                   evolve takes too (hidden layers numbered from 1 at the input; {@code selectFeatures} and
     *                   {@code fitnessEpochs} do not apply here, and the best mask is refitted by least squares)
     * @return the best mask's network, refitted and retrained
     * @throws IllegalArgumentException when an argument is missing, the rows do not fit the network, or the
     *                                  validation rows have no targets
     */
    public static Evolved evolve(DenseNetwork network, Rows training, Rows validation, EvolveSettings settings) {
        return evolve(network, training, validation, settings, Progress.NONE);
    }

    /**
     * {@link #evolve(DenseNetwork, Rows, Rows, EvolveSettings)}, telling {@code progress} of the search (evaluations
     * done of the budget) and the retraining as they run.
     *
     * @param network    the network to prune; not changed
     * @param training   rows to refit and retrain on
     * @param validation labelled rows every mask is scored on
     * @param settings   the search and retraining
     * @param progress   hears the search and the retraining (null: nothing)
     * @return the best mask's network, refitted and retrained
     * @throws IllegalArgumentException when an argument is missing, the rows do not fit the network, or the
     *                                  validation rows have no targets
     */
    public static Evolved evolve(DenseNetwork network, Rows training, Rows validation, EvolveSettings settings,
            Progress progress) {
        requireTrainingAndValidation(network, settings, training, validation);
        if (validation.targets() == null) {
            throw new IllegalArgumentException("validation rows need targets: every mask is scored on them");
        }
        MaskEvolution.Result e = MaskEvolution.run(network, trainingData(training), trainingData(validation),
                settings, progress == null ? Progress.NONE : progress);
        return new Evolved(network, e.network(), e.found().pruned(), e.found().ga().bestFitness(),
                e.found().ga().evaluations());
    }

    /**
     * Retrains {@code start} (a pruned form of {@code original}, with the same outputs) on {@code training}, the
     * original as teacher as {@code settings.distillation()} says; a share of the rows picks the best epoch.
     *
     * @param original the teacher; not changed
     * @param start    the network to retrain; not changed
     * @param training rows to retrain on (labelled or not)
     * @param settings the retraining settings (epochs: 20 unless given)
     * @param device   where TensorFlow retrains
     * @return the retrained network, or {@code start} when the settings ask for 0 epochs
     * @throws IllegalArgumentException when an argument is missing, or the networks or rows do not fit
     */
    public static DenseNetwork retrain(DenseNetwork original, DenseNetwork start, Rows training,
            RetrainSettings settings, Device device) {
        if (original == null || start == null) {
            throw new IllegalArgumentException("networks are null");
        }
        if (settings == null) {
            throw new IllegalArgumentException("settings are null");
        }
        if (start.inputs() != original.inputs() || start.outputs() != original.outputs()) {
            throw new IllegalArgumentException("start has " + start.inputs() + " inputs and " + start.outputs()
                    + " outputs; the original " + original.inputs() + " and " + original.outputs());
        }
        check("training", training, original);
        return EpsilonPruning.retrain(original, start, trainingData(training), settings,
                device == null ? Device.CPU : device);
    }

    /**
     * The command line's {@code shrink} with one ε per output: reads the model and the CSV rows {@code files}
     * names, prunes at each of {@link ShrinkSettings#thresholds()}, compensates, retrains when there are training rows
     * and retraining settings, and writes each network to its output ({@link ShrinkFiles#outputs}; the JSON report,
     * when one is named), every file checked in its runtime before it is moved into place. Where
     * {@link ShrinkSettings#progressive(ShrinkFiles)} holds, the command line prunes progressively instead:
     * {@code sweep(files.sweep(), settings.sweep(), progress)}.
     *
     * @param files    the model, the evaluation (and training) rows, and what to write
     * @param settings the thresholds, pruning, retraining and format, from {@link ShrinkSettings#builder()}
     * @param progress hears each pass over the rows as it runs ({@link Progress#NONE} for silence)
     * @return what was written: the original's and every ε's network and metrics
     * @throws InputException when a file cannot be read or written, or a setting does not fit the model
     */
    public static ShrinkReport shrink(ShrinkFiles files, ShrinkSettings settings, Progress progress) {
        return Shrinker.run(files, settings, progress);
    }

    /**
     * The command line's {@code sweep}: reads the model, the training rows and the test rows {@code files} names,
     * prunes by {@link SweepSettings#schedule()} (progressive rounds, or the paper's ε grid), retrains each network,
     * and writes the smallest one whose validation loss stays within {@link SweepSettings#maxDrop(Task)}, with the
     * report and chart when they are named.
     *
     * @param files    the model, the training, validation and test rows, and what to write
     * @param settings the schedule, the promise, pruning and retraining, from {@link SweepSettings#builder()}
     * @param progress hears each round's phases as they run
     * @return every round or ε, and the choice; {@link SweepReport#output()} is null when none held (nothing written)
     * @throws InputException when a file cannot be read or written, or a setting does not fit the model
     */
    public static SweepReport sweep(SweepFiles files, SweepSettings settings, Progress progress) {
        return Sweeper.run(files, settings, progress);
    }

    /**
     * The command line's {@code evolve}: reads the model and the rows {@code files} names, searches which units (or
     * input features) to keep on the training rows, refits and retrains the best network, and writes it (and the JSON
     * report, when one is named), checked in ONNX Runtime before it is moved into place.
     *
     * @param files    the model, the training and test rows, and what to write
     * @param settings the search, the compensation and retraining, from {@link EvolveSettings#builder()}
     * @param progress hears the search and the retraining as they run
     * @return the search, the written network and its metrics on the test rows
     * @throws InputException when a file cannot be read or written, or a setting does not fit the model
     */
    public static EvolveReport evolve(EvolveFiles files, EvolveSettings settings, Progress progress) {
        return Evolver.run(files, settings, progress);
    }

    /**
     * The command line's {@code run}, the paper's Algorithm 1: reads the training CSV, builds and trains the general
     * model and writes it, then sweeps it as {@link #sweep(SweepFiles, SweepSettings, Progress)} does and writes the
     * chosen model (and the JSON report, when one is named).
     *
     * @param files    the training and test rows, and where the general model, the chosen one and the report go
     * @param build    how the general model is built, from {@link BuildSettings#builder()}
     * @param sweep    how it is swept, from {@link SweepSettings#builder()} (its task is the general model's)
     * @param progress hears each phase as it runs
     * @return the general model's build and the sweep; the sweep's output is null when no model held
     * @throws InputException when a file cannot be read or written, or a setting does not fit the data
     */
    public static RunReport run(RunFiles files, BuildSettings build, SweepSettings sweep, Progress progress) {
        return MethodRun.run(files, build, sweep, progress);
    }

    /**
     * The command line's {@code build}: reads the training CSV, trains the paper's general model (eq. 2) and writes
     * it as ONNX to {@link BuildFiles#output()}.
     *
     * @param files    the training rows and the output
     * @param settings the general model's shape and training, from {@link BuildSettings#builder()}
     * @param progress hears the reading and the training epochs as they run
     * @return what was built: the network, its sizing and how its training went
     * @throws InputException when the CSV cannot be read, or the output cannot be written
     */
    public static BuildSummary build(BuildFiles files, BuildSettings settings, Progress progress) {
        return ModelBuilder.build(files, settings, progress).summary(files);
    }

    /**
     * The command line's {@code convert}: reads {@code model} (ONNX, Keras or SavedModel) and writes it unpruned to
     * {@code output} in {@code format}, checked in its own runtime on generated rows before it is moved into place.
     *
     * @param model  the model file or SavedModel directory; never modified
     * @param output the file (or new SavedModel directory) to write
     * @param format the format to write
     * @return what was read and written, and how far the written model's outputs were from the original's
     * @throws InputException when the model cannot be read, the output cannot be written, or the check fails
     */
    public static Conversion convert(Path model, Path output, ModelFormat format) {
        return Converter.convert(model, output, format);
    }

    /**
     * {@link #convert(Path, Path, ModelFormat)} with the weights stored as {@code quantize} says: with
     * {@link Quantize#INT8}, every dense weight as int8 with a scale per output unit on ONNX Runtime's integer kernels,
     * with {@link Quantize#INT8_WEIGHTS} weight-only (ONNX output only).
     */
    public static Conversion convert(Path model, Path output, ModelFormat format, Quantize quantize) {
        return Converter.convert(model, output, format, quantize);
    }

    /**
     * {@link #convert(Path, Path, ModelFormat, Quantize)} with training rows to calibrate a static int8 form on: with
     * {@link Quantize#INT8_STATIC} the layers' inputs are quantized with those scales; with {@link Quantize#INT8} both
     * integer forms are timed in ONNX Runtime and the faster at batch 1 is written. On a graph (weights outside a dense
     * chain) every MatMul, Gemm and Conv is quantized and {@link Conversion#coverage()} says which stayed float and why.
     *
     * @param calibration a CSV of training rows (the first 1,000 are used), or null
     */
    public static Conversion convert(Path model, Path output, ModelFormat format, Quantize quantize,
            Path calibration) {
        return Converter.convert(model, output, format, quantize, calibration);
    }

    /**
     * {@link #convert(Path, Path, ModelFormat, Quantize, Path)} checked on rows of the user's: the written model's
     * metric beside the original's on {@code checks.eval()}, and with {@code checks.validation()} the promise a sweep
     * keeps for one candidate (at most 5% of such conversions write a model that then loses more than the maximum drop
     * on a new set of as many rows); a conversion that does not keep it is not written.
     *
     * @param calibration a CSV of training rows to calibrate a static int8 form on, or null
     * @throws InputException {@link InputException.Kind#UNCERTIFIABLE} when the written model does not keep the
     *                        promise on the validation rows (nothing written)
     */
    public static org.odf2nna.report.CheckedConversion convert(Path model, Path output, ModelFormat format,
            Quantize quantize, Path calibration, org.odf2nna.settings.ConvertChecks checks, Progress progress) {
        return org.odf2nna.method.CheckedConverter.convert(model, output, format, quantize, calibration, checks,
                progress);
    }

    /**
     * The command line's {@code eval}: runs {@code model} in ONNX Runtime over the labelled CSV rows and measures it.
     *
     * @param model    the model file or SavedModel directory
     * @param csv      the labelled rows (CSV with a header, optionally gzip-compressed); its columns are matched to the
     *                 model's recorded columns when it has them
     * @param reading  the target column and the rows per runtime call
     * @param task     the task, or null to infer it from the model's outputs
     * @param device   where ONNX Runtime computes
     * @param progress hears the pass over the rows
     * @return the model, the rows and the task, with accuracy, macro F1 and ROC AUC for classification; MSE, MAE and
     *         R² for regression
     * @throws InputException when a file cannot be read, or the rows have no target column
     */
    public static Evaluation evaluate(Path model, Path csv, CsvReading reading, Task task, Device device,
            Progress progress) {
        return evaluate(model, csv, reading, task, org.odf2nna.settings.ModelInputs.NONE, device, progress);
    }

    /**
     * {@link #evaluate(Path, Path, CsvReading, Task, Device, Progress)} of any ONNX graph ONNX Runtime runs: a file
     * that is no dense chain (several inputs, token ids, static int8, a normalisation left as Sub/Mul/Add), or one
     * whose inputs {@code inputs} feed, is fed as {@code sweep} feeds it ({@code inputs}: the row shape, the other
     * inputs' constants or files, or {@code .npz} arrays named after them) and its first output measured; a dense
     * chain is measured as before.
     */
    public static Evaluation evaluate(Path model, Path csv, CsvReading reading, Task task,
            org.odf2nna.settings.ModelInputs inputs, Device device, Progress progress) {
        EvalData rows = new EvalData(csv, ColumnRequest.of(-1, reading.label(), ColumnRequest.Target.REQUIRED),
                reading.inferenceBatch());
        OnnxDenseModel read = inputs.isDefault() ? org.odf2nna.method.GraphEvaluator.chainOrNull(model) : null;
        if (read == null) {
            return graphEvaluation(model, rows, task, inputs, device, progress);
        }
        DenseNetwork network = read.network();
        EvalData forModel = rows.forModel(read);
        String guessed = forModel.positionalTarget();
        ModelScan.Measured measured;
        try {
            measured = ModelScan.measure(read, forModel, Task.givenOrInferred(task, network), device, progress);
        } catch (InputException e) {
            // A guessed label column that holds no labels: say it was a guess, and how to name the right one.
            throw guessed == null ? e : e.reworded(m -> m + "; that column was taken as the label because it is the "
                    + "last (" + guessed + ") and no column is named " + org.odf2nna.data.ColumnRequest.targetNamesInWords()
                    + ": name the label column "
                    + "with {{LABEL}}");
        }
        Metrics metrics = measured.metrics();
        Task kind = metrics instanceof Metrics.Classification ? Task.CLASSIFICATION : Task.REGRESSION;
        String warning = measured.chance() != null && measured.chance().atChance() ? "the model "
                + measured.chance().describe() + ": are these rows for this model (its columns, their order, the "
                + "label column, the input's layout)?" : null;
        return new Evaluation(model.toString(), rows.file().toString(), kind.displayName(), metrics, guessed,
                warning, null);
    }

    private static Evaluation graphEvaluation(Path model, EvalData rows, Task task,
            org.odf2nna.settings.ModelInputs inputs, Device device, Progress progress) {
        org.odf2nna.method.GraphEvaluator.Result measured = org.odf2nna.method.GraphEvaluator.evaluate(model, rows,
                task, inputs, device, progress);
        Metrics metrics = measured.metrics();
        Task kind = metrics instanceof Metrics.Classification ? Task.CLASSIFICATION : Task.REGRESSION;
        String warning = measured.chance() != null && measured.chance().atChance() ? "the model "
                + measured.chance().describe() + ": are these rows for this model (its columns, their order, the "
                + "label column, the input's layout)?" : null;
        return new Evaluation(model.toString(), rows.file().toString(), measured.counted() == null
                ? kind.displayName() : kind.displayName() + " per position", metrics, measured.guessed(), warning,
                measured.counted());
    }

    /** How many generated rows {@link #convert} checks the written model on. */
    public static final int CONVERT_CHECK_ROWS = Converter.CHECK_ROWS;

    /**
     * The dense blocks found anywhere in an ONNX graph (transformer FFNs, MLP-Mixer MLPs, pointwise-convolution and
     * squeeze-excite blocks), as {@code inspect} lists them; null for a Keras file or SavedModel.
     */
    public static org.odf2nna.report.GraphBlocks describeBlocks(Path model) {
        return org.odf2nna.method.GraphSweeper.describe(model);
    }

    /**
     * {@link #describeBlocks(Path)} for a graph fed as {@code inputs} says: exactly the blocks {@code sweep}'s first
     * round prunes (the same search, its attentions traced on made-up rows), their parameters and share, and a note for
     * each layer in no block saying why.
     */
    public static org.odf2nna.report.GraphBlocks describeBlocks(Path model, org.odf2nna.settings.ModelInputs inputs) {
        return org.odf2nna.method.GraphSweeper.describe(model, inputs);
    }

    /**
     * Asks TensorFlow for {@code threads} intra-op threads in this process's retraining (default: the machine's cores;
     * 1: bit-reproducible). Call it before any retraining: TensorFlow sizes its pool once, from its first session; the
     * system property {@code odf2nna.tf.threads} or the environment variable {@code ODF2NNA_TF_THREADS} fix the count
     * over it.
     */
    public static void useTensorFlowThreads(int threads) {
        org.odf2nna.tf.TfSessions.useThreads(threads);
    }

    /** The intra-op thread count TensorFlow's sessions use (or will use) in this process. */
    public static int tensorFlowThreads() {
        return org.odf2nna.tf.TfSessions.intraOpThreads();
    }

    /**
     * Whether {@code sweep} and {@code shrink} prune {@code model} through its dense blocks: an ONNX file whose dense
     * chain at the end has no hidden layer (or that has no dense chain at the end).
     */
    public static boolean prunesGraphBlocks(Path model) {
        return org.odf2nna.method.GraphSweeper.appliesTo(model);
    }

    /**
     * {@link #prunesGraphBlocks(Path)} for a graph fed as {@code inputs} says (its row shape, its other inputs): a graph
     * that holds blocks beyond the hidden layers of a dense chain at its end.
     */
    public static boolean prunesGraphBlocks(Path model, org.odf2nna.settings.ModelInputs inputs) {
        return org.odf2nna.method.GraphSweeper.appliesTo(model, inputs);
    }

    /**
     * {@code shrink} without training rows on a graph: one round of the sweep's pruning (the share {@code settings}
     * give, units measured and refitted on the evaluation rows), written where {@code files} say, with the original's
     * and the written model's accuracy on those rows (which chose the units, so they report and do not judge).
     */
    public static org.odf2nna.report.GraphOneRound shrinkGraphOnce(org.odf2nna.settings.ShrinkFiles files,
            SweepSettings settings, org.odf2nna.settings.ModelInputs inputs,
            org.odf2nna.settings.OutputDecoding decoding, Progress progress) {
        return org.odf2nna.method.GraphSweeper.shrinkOnce(files, settings, inputs, decoding, progress);
    }

    /**
     * The sweep over a graph's dense blocks, from files: the same files and settings as {@link #sweep(SweepFiles,
     * SweepSettings, Progress)} (training rows measure the units, validation rows judge the rounds, the test rows only
     * report); the chosen round is written as ONNX and the report as JSON where {@code files} say.
     *
     * @throws InputException with kind UNCERTIFIABLE when the graph has no dense blocks; USAGE when its input is not
     *                        one float tensor, or training or validation rows are missing
     */
    public static org.odf2nna.report.GraphSweepReport sweepGraph(SweepFiles files, SweepSettings settings,
            Progress progress) {
        return org.odf2nna.method.GraphSweeper.sweep(files, settings, progress);
    }

    /**
     * {@link #sweepGraph(SweepFiles, SweepSettings, Progress)} with the retraining after each round's sequential
     * refit chosen: {@link org.odf2nna.settings.GraphRetraining#DEFAULT} (end-to-end distillation with TensorFlow,
     * what the other form runs) or {@link org.odf2nna.settings.GraphRetraining#SEQUENTIAL} (the refit alone). A graph
     * whose translation to TensorFlow fails keeps the sequential refit, with a note in the report naming the node.
     */
    public static org.odf2nna.report.GraphSweepReport sweepGraph(SweepFiles files, SweepSettings settings,
            org.odf2nna.settings.GraphRetraining retraining, Progress progress) {
        return org.odf2nna.method.GraphSweeper.sweep(files, settings, retraining, progress);
    }

    /**
     * {@link #sweepGraph(SweepFiles, SweepSettings, org.odf2nna.settings.GraphRetraining, Progress)} on a graph fed as
     * {@code inputs} says (the shape of its rows where the model leaves it open, its other inputs: constants or rows of
     * their own) and judged on what {@code decoding} reads of its first output (a class vector, per-position classes,
     * a CTC head, a thresholded map). The written model keeps its inputs declared as the original declares them.
     */
    public static org.odf2nna.report.GraphSweepReport sweepGraph(SweepFiles files, SweepSettings settings,
            org.odf2nna.settings.GraphRetraining retraining, org.odf2nna.settings.ModelInputs inputs,
            org.odf2nna.settings.OutputDecoding decoding, Progress progress) {
        return sweepGraph(files, settings.withGraphRetraining(retraining), inputs, decoding, progress);
    }

    /**
     * {@link #sweepGraph(SweepFiles, SweepSettings, Progress)} on a graph fed as {@code inputs} says and judged on what
     * {@code decoding} reads of its first output, each round retrained as {@link SweepSettings#graphRetraining()} says.
     */
    public static org.odf2nna.report.GraphSweepReport sweepGraph(SweepFiles files, SweepSettings settings,
            org.odf2nna.settings.ModelInputs inputs, org.odf2nna.settings.OutputDecoding decoding,
            Progress progress) {
        return org.odf2nna.method.GraphSweeper.sweep(files, settings, inputs, decoding, progress);
    }

    /**
     * How the tool reads a model, as the command line's {@code inspect} shows it: input, prefix, dense layers, head,
     * the task inferred from them, and the graph's operators.
     *
     * @param model an ONNX file, a Keras file (.keras, .h5) or a SavedModel directory; never modified
     * @return its description
     * @throws InputException when the file cannot be read or holds no dense chain the tool understands
     */
    public static ModelDescription describe(Path model) {
        return ModelDescriber.describe(model);
    }

    /**
     * The format {@code model} is in, from its content (a Keras file is recognised as such whatever its name).
     *
     * @throws InputException when it is a directory but not a SavedModel
     */
    public static ModelFormat formatOf(Path model) {
        return ModelFiles.formatOf(model);
    }

    /** Rows as the method package holds them: no targets is NaN targets. */
    private static TrainingData trainingData(Rows rows) {
        float[] targets = rows.targets();
        if (targets == null) {
            targets = new float[rows.count()];
            java.util.Arrays.fill(targets, Float.NaN);
        }
        return new TrainingData(rows.features(), targets, rows.count(), rows.width());
    }

    /**
     * {@link #shrink(DenseNetwork, Rows, Rows, ShrinkSettings)} without retraining.
     *
     * @param network  the network to prune; not changed
     * @param scoring  rows the units are scored and the refit is fitted on
     * @param settings ε and compensation
     * @return the smaller network, in memory
     * @throws IllegalArgumentException when an argument is missing, or the rows do not fit the network
     */
    public static Shrunk shrink(DenseNetwork network, Rows scoring, ShrinkSettings settings) {
        return shrink(network, scoring, null, settings);
    }

    /**
     * The network's outputs (after its head) for every row, in plain Java.
     *
     * @param network the network
     * @param rows    its dense chain's inputs
     * @return {@code rows.count() × network.outputs()} values, row-major
     * @throws IllegalArgumentException when the rows do not fit the network
     */
    public static float[] predict(DenseNetwork network, Rows rows) {
        check("rows", rows, network);
        return network.forward(rows.features(), rows.count());
    }

    /**
     * Share of the rows on which two networks with the same outputs agree: the same class (argmax, or the 0.5
     * threshold of a single sigmoid output) for classifiers, outputs within 1e-3 relative for regression.
     *
     * @param a    one network
     * @param b    the other, with as many outputs
     * @param rows the rows both are run on
     * @return the share in [0, 1]
     * @throws IllegalArgumentException when the networks' outputs differ, or the rows do not fit them
     */
    public static double agreement(DenseNetwork a, DenseNetwork b, Rows rows) {
        if (a.outputs() != b.outputs()) {
            throw new IllegalArgumentException("networks have " + a.outputs() + " and " + b.outputs() + " outputs");
        }
        float[] pa = predict(a, rows);
        float[] pb = predict(b, rows);
        boolean classes = task(a) == Task.CLASSIFICATION;
        int width = a.outputs();
        int same = 0;
        for (int r = 0; r < rows.count(); r++) {
            if (classes ? label(pa, r, width) == label(pb, r, width)
                    : Math.abs(pa[r] - pb[r]) <= 1e-3 * Math.max(1, Math.abs(pa[r]))) {
                same++;
            }
        }
        return (double) same / rows.count();
    }

    /**
     * A network as an ONNX model (input {@code input}, output {@code output}, opset 13), in memory.
     *
     * @param network the network
     * @return the serialised ONNX model
     */
    public static byte[] onnx(DenseNetwork network) {
        return OnnxModelBuilder.build(network, "input", "output", Map.of()).toByteArray();
    }

    /**
     * {@link #onnx(DenseNetwork)} with the layers {@code int8} marks stored as int8 weights with a float scale per
     * unit (what the command line writes for int8 weights): on ONNX Runtime's integer kernels where the layer says so
     * ({@code DenseLayer.quantizedInputs}, as a sweep with {@link Quantize#INT8} leaves them), else weight-only, a
     * DequantizeLinear each ({@link Quantize#INT8_WEIGHTS}); those layers must already hold int8 values times a
     * scale per unit.
     *
     * @param network the network
     * @param int8    per layer, whether it is stored as int8; null: every layer float
     * @return the serialised ONNX model
     * @throws IllegalArgumentException when a marked layer's weights are not int8 values times a scale per unit
     */
    public static byte[] onnx(DenseNetwork network, boolean[] int8) {
        org.odf2nna.onnx.proto.OnnxProto.ModelProto proto = OnnxModelBuilder.build(network, "input", "output",
                Map.of());
        if (int8 == null) {
            return proto.toByteArray();
        }
        if (int8.length != network.layers().size()) {
            throw new IllegalArgumentException("int8: " + int8.length + " flags for " + network.layers().size()
                    + " layers");
        }
        OnnxDenseModel read = DenseChainReader.read(proto, Path.of("(ONNX bytes)"));
        return org.odf2nna.onnx.Int8Weights.apply(proto, read, network, int8).toByteArray();
    }

    private static Task task(DenseNetwork network) {
        return Task.givenOrInferred(null, network);
    }

    private static int label(float[] out, int row, int width) {
        if (width == 1) {
            return out[row] > 0.5f ? 1 : 0;
        }
        int best = 0;
        for (int j = 1; j < width; j++) {
            if (out[row * width + j] > out[row * width + best]) {
                best = j;
            }
        }
        return best;
    }

    /** A network with hidden units to prune, and settings. */
    private static void requirePrunable(DenseNetwork network, Object settings) {
        if (network == null) {
            throw new IllegalArgumentException("network is null");
        }
        if (settings == null) {
            throw new IllegalArgumentException("settings are null");
        }
        if (network.hiddenLayerCount() == 0) {
            throw new IllegalArgumentException("network: one dense layer only, no hidden unit to prune");
        }
    }

    /** The arguments of the pruning that refits and retrains on one set of rows and judges on another. */
    private static void requireTrainingAndValidation(DenseNetwork network, Object settings, Rows training,
            Rows validation) {
        requirePrunable(network, settings);
        check("training", training, network);
        check("validation", validation, network);
    }

    private static void check(String what, Rows rows, DenseNetwork network) {
        if (rows == null) {
            throw new IllegalArgumentException(what + " rows are null");
        }
        if (rows.width() != network.inputs()) {
            throw new IllegalArgumentException(what + " rows have " + rows.width() + " values each; the network "
                    + "takes " + network.inputs());
        }
    }
}
