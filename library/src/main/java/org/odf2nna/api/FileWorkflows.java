package org.odf2nna.api;

import java.nio.file.Path;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.method.CheckedConverter;
import org.odf2nna.method.Converter;
import org.odf2nna.method.EvalData;
import org.odf2nna.method.EvolveStrategy;
import org.odf2nna.method.Evolver;
import org.odf2nna.method.GraphEvaluator;
import org.odf2nna.method.GraphSweeper;
import org.odf2nna.method.MethodRun;
import org.odf2nna.method.ModelBuilder;
import org.odf2nna.method.Shrinker;
import org.odf2nna.method.Sweeper;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.report.BuildSummary;
import org.odf2nna.report.CheckedConversion;
import org.odf2nna.report.Conversion;
import org.odf2nna.report.Evaluation;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.report.GraphOneRound;
import org.odf2nna.report.SweepReport;
import org.odf2nna.report.RunReport;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.ShrinkResult;
import org.odf2nna.settings.BuildFiles;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.ConvertChecks;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.RunFiles;
import org.odf2nna.settings.ShrinkFiles;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;

/**
 * The file workflows, paths in and files out: what the command line's commands call. Each reads the models and rows
 * its files record names ({@code org.odf2nna.settings}: {@link ShrinkFiles}, {@link SweepFiles}, {@link EvolveFiles},
 * {@link RunFiles}, {@link BuildFiles}), runs one workflow of the {@code method} package, writes checked models and
 * reports (each written to a hidden temporary file, checked in its runtime and moved into place: {@link Writes}) and
 * returns the report the command prints. They take the settings types the in-memory calls of {@link Odf2nna} take.
 */
public final class FileWorkflows {

    private FileWorkflows() {
    }

    /**
     * The command line's {@code shrink}, on a dense chain or a graph, one entry for both; the route is the model's
     * ({@link Inspection#prunesGraphBlocks(Path, ModelInputs)}) and the settings' ({@link
     * ShrinkSettings#progressive(ShrinkFiles)}) to say, and the result holds the report of the one it took:
     * <ul>
     * <li>progressive (training rows, no ε, ONNX output): {@code sweep} with {@code sweep}'s settings, as
     * {@link #sweep(SweepFiles, SweepSettings, ModelInputs, OutputDecoding, Progress)} runs it on {@code
     * files.sweep()} ({@link ShrinkResult#progressive()});</li>
     * <li>else on a dense chain, {@link #shrink(ShrinkFiles, ShrinkSettings, Progress)}'s one pass at each ε
     * ({@link ShrinkResult#oneShot()});</li>
     * <li>else on a graph, one round of the sweep's pruning: the share a sweep's round removes, units measured and
     * refitted on the evaluation rows, not retrained, written where {@code files} say, with the original's and the
     * written model's accuracy on those rows, which chose the units and so report and do not judge
     * ({@link ShrinkResult#graphRound()}). It reads {@code settings.sweep()} with {@code sweep}'s widths' multiple
     * and budget.</li>
     * </ul>
     *
     * @param files    the model, the evaluation (and training) rows, and what to write
     * @param settings the thresholds, pruning, retraining and format, from {@link ShrinkSettings#builder()}
     * @param sweep    the progressive rounds' settings (null: {@code settings.sweep()}), with what only a graph reads
     *                 (round-to, budget, graph retraining)
     * @param inputs   how a graph's inputs are fed ({@link ModelInputs#NONE}: from the rows); a chain's are not read
     * @param decoding what a graph's output is read as ({@link OutputDecoding#DEFAULT}); a chain's is not read
     * @param progress hears each pass over the rows as it runs ({@link Progress#NONE} for silence)
     * @throws InputException when a file cannot be read or written, or a setting does not fit the model; a graph
     *                        without blocks is UNCERTIFIABLE
     */
    public static ShrinkResult shrink(ShrinkFiles files, ShrinkSettings settings, SweepSettings sweep,
            ModelInputs inputs, OutputDecoding decoding, Progress progress) {
        boolean graph = GraphSweeper.appliesTo(files.model(), inputs);
        SweepSettings rounds = sweep == null ? settings.sweep() : sweep;
        if (settings.progressive(files)) {
            return ShrinkResult.of(sweep(graph, files.sweep(), rounds, inputs, decoding, progress));
        }
        if (graph) {
            // One round reads the widths and the budget it is given, and shrink's own settings otherwise.
            SweepSettings once = settings.sweep().withBudget(rounds.budget()).withRoundTo(rounds.roundTo());
            return ShrinkResult.of(GraphSweeper.shrinkOnce(files, once, inputs, decoding, progress));
        }
        return ShrinkResult.of(Shrinker.run(files, settings, progress));
    }

    /**
     * A dense chain's {@code shrink} with one ε per output: reads the model and the CSV rows {@code files} names,
     * prunes at each of {@link ShrinkSettings#thresholds()}, compensates, retrains when there are training rows and
     * retraining settings, and writes each network to its output ({@link ShrinkFiles#outputs}; the JSON report, when
     * one is named), every file checked in its runtime before it is moved into place.
     *
     * @param files    the model, the evaluation (and training) rows, and what to write
     * @param settings the thresholds, pruning, retraining and format, from {@link ShrinkSettings#builder()}
     * @param progress hears each pass over the rows as it runs ({@link Progress#NONE} for silence)
     * @return what was written: the original's and every ε's network and metrics
     * @throws InputException when a file cannot be read or written, or a setting does not fit the model
     * @deprecated use {@link #shrink(ShrinkFiles, ShrinkSettings, SweepSettings, ModelInputs, OutputDecoding,
     *             Progress)}, which takes this route on a dense chain without progressive pruning, and the others
     *             (progressive rounds, a graph's one round) where they apply
     */
    @Deprecated
    public static ShrinkReport shrink(ShrinkFiles files, ShrinkSettings settings, Progress progress) {
        return Shrinker.run(files, settings, progress);
    }

    /**
     * The command line's {@code sweep}, on a dense chain or a graph, one entry for both
     * ({@link Inspection#prunesGraphBlocks(Path, ModelInputs)} picks the route). A dense chain: reads the model, the
     * training rows and the test rows {@code files} names, prunes by {@link SweepSettings#schedule()} (progressive
     * rounds, or the paper's ε grid), retrains each network, and writes the smallest one whose validation loss stays
     * within {@link SweepSettings#maxDrop(Task)}, with the report and chart when they are named. A graph: progressive
     * rounds over its dense blocks (training rows measure the units, validation rows judge the rounds, the test rows
     * only report), each retrained as {@link SweepSettings#graphRetraining()} says, its widths and budget
     * {@link SweepSettings#roundTo()} and {@link SweepSettings#budget()}; the chosen round is written as ONNX (or in a
     * Keras input's layout) and the report as JSON where {@code files} say.
     *
     * @param files    the model, the training, validation and test rows, and what to write
     * @param settings the schedule, the promise, pruning and retraining, from {@link SweepSettings#builder()}
     * @param inputs   how a graph's inputs are fed (the shape of its rows where the model leaves it open, its other
     *                 inputs: constants or rows of their own); a chain's are not read
     * @param decoding what a graph's first output is read as (a class vector, per-position classes, a CTC head, a
     *                 thresholded map); a chain's is judged by its task
     * @param progress hears each round's phases as they run
     * @return every round or ε, and the choice ({@link SweepReport#onGraph()} says which side's parts are filled);
     *         {@link SweepReport#output()} is null when none held (nothing written)
     * @throws InputException when a file cannot be read or written, or a setting does not fit the model; a graph
     *                        without dense blocks is UNCERTIFIABLE
     */
    public static SweepReport sweep(SweepFiles files, SweepSettings settings, ModelInputs inputs,
            OutputDecoding decoding, Progress progress) {
        return sweep(GraphSweeper.appliesTo(files.model(), inputs), files, settings, inputs, decoding, progress);
    }

    /**
     * {@link #sweep(SweepFiles, SweepSettings, ModelInputs, OutputDecoding, Progress)} with a graph's inputs fed from
     * the rows and its output read by default: a dense chain's sweep, or a graph's fed plainly.
     */
    public static SweepReport sweep(SweepFiles files, SweepSettings settings, Progress progress) {
        return sweep(files, settings, ModelInputs.NONE, OutputDecoding.DEFAULT, progress);
    }

    private static SweepReport sweep(boolean graph, SweepFiles files, SweepSettings settings, ModelInputs inputs,
            OutputDecoding decoding, Progress progress) {
        return graph ? GraphSweeper.sweep(files, settings, inputs, decoding, progress)
                : Sweeper.run(files, settings, progress);
    }

    /**
     * The command line's {@code evolve}: reads the model and the rows {@code files} names, searches which units (or
     * input features) to keep on the training rows, refits and retrains the best network, and writes it (and the JSON
     * report, when one is named), checked in ONNX Runtime before it is moved into place. A graph
     * ({@link Inspection#prunesGraphBlocks(Path)}) is evolved as {@link #evolve(EvolveFiles, EvolveSettings,
     * GraphRetraining, Progress)} evolves it, its best mask retrained end to end ({@link GraphRetraining#DEFAULT}).
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
     * The command line's {@code evolve}, on a dense chain or a graph, one entry for both. On a dense chain as
     * {@link #evolve(EvolveFiles, EvolveSettings, Progress)} says ({@code retraining} is not read). On a graph
     * ({@link Inspection#prunesGraphBlocks(Path)}: an ONNX CNN or transformer, a Keras file with a backbone):
     * EvoPruneDeepTL's search over the units of the graph's blocks (channels, heads, residual streams), each mask
     * judged by the validation accuracy of the graph it leaves with the dropped units' means folded in; the best mask
     * refitted towards the original and retrained as a sweep's round, and written (ONNX, or a
     * {@code .keras}/{@code .h5} in a Keras input's layout) after it reads back, with the JSON report when named. The
     * report's graph parts ({@code graphRun()}, {@code graphRound()}, {@code outcome().graph()}) are filled on a graph
     * only.
     *
     * @param files      the model and what to write; on a graph, the training rows (units measured, the round
     *                   refitted and retrained), the validation rows (every mask judged), the evaluation rows (only
     *                   measured; may be null)
     * @param settings   the search (population, evaluations, mutation, threads), the compensation, the seed
     * @param retraining what retrains a graph's best mask's round after its refit
     * @throws InputException USAGE for a setting the model's kind does not read (on a graph: {@code layers}, feature
     *                        selection, fitness epochs), missing rows, or a regressor on a graph; UNCERTIFIABLE for a
     *                        graph without blocks
     */
    public static EvolveReport evolve(EvolveFiles files, EvolveSettings settings, GraphRetraining retraining,
            Progress progress) {
        return Evolver.run(files, settings, retraining, progress);
    }

    /**
     * {@code evolve} on a graph's blocks, whatever the model ({@link #evolve(EvolveFiles, EvolveSettings,
     * GraphRetraining, Progress)} picks the search for the model instead).
     *
     * @deprecated use {@link #evolve(EvolveFiles, EvolveSettings, GraphRetraining, Progress)}, which evolves a graph
     *             the same way and a dense chain as the chain's evolve
     */
    @Deprecated
    public static EvolveReport evolveGraph(EvolveFiles files, EvolveSettings settings,
            GraphRetraining retraining, Progress progress) {
        return Evolver.run(files, settings, EvolveStrategy.graph(retraining), progress);
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

    /** How many generated rows {@link #convert} checks the written model on. */
    public static final int CONVERT_CHECK_ROWS = Converter.CHECK_ROWS;

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
    public static CheckedConversion convert(Path model, Path output, ModelFormat format,
            Quantize quantize, Path calibration, ConvertChecks checks, Progress progress) {
        return CheckedConverter.convert(model, output, format, quantize, calibration, checks,
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
        return evaluate(model, csv, reading, task, ModelInputs.NONE, device, progress);
    }

    /**
     * {@link #evaluate(Path, Path, CsvReading, Task, Device, Progress)} of any ONNX graph ONNX Runtime runs: a file
     * that is no dense chain (several inputs, token ids, static int8, a normalisation left as Sub/Mul/Add), or one
     * whose inputs {@code inputs} feed, is fed as {@code sweep} feeds it ({@code inputs}: the row shape, the other
     * inputs' constants or files, or {@code .npz} arrays named after them) and its first output measured. A dense
     * chain is read as the chain reader reads it (its recorded feature columns by name) and run as the same graph
     * ({@link GraphEvaluator}).
     */
    public static Evaluation evaluate(Path model, Path csv, CsvReading reading, Task task,
            ModelInputs inputs, Device device, Progress progress) {
        EvalData rows = new EvalData(csv, ColumnRequest.of(-1, reading.label(), ColumnRequest.Target.REQUIRED),
                reading.inferenceBatch());
        return graphEvaluation(model, rows, task, inputs, device, progress);
    }

    /**
     * A YOLOv8 or YOLOv5 detector's mAP50 and mAP50-95 on labelled images, as their vals compute them: an {@code .npz}
     * archive of images {@code x} [N, 3, H, W] (uint8, or float already /255) at the model's input size and boxes
     * [N, M, 5] (class, cx, cy, w, h normalised; rows of -1 pad), the images run one at a time where the export fixes
     * its batch at 1 ({@link org.odf2nna.method.DetectionEvaluator}).
     *
     * @throws InputException when the archive lacks its arrays, they do not fit the model, or its first output is
     *                        neither YOLOv8's [1, 4 + classes, anchors] nor YOLOv5's [1, anchors, 5 + classes]
     */
    public static Evaluation evaluateDetector(Path model, Path data, ModelInputs inputs, Device device,
            Progress progress) {
        Metrics.Detection metrics = org.odf2nna.method.DetectionEvaluator.evaluate(model, data, inputs, device,
                progress);
        return new Evaluation(model.toString(), data.toString(), "detection", metrics, null, null,
                metrics.rows() + " images, " + metrics.truths() + " boxes");
    }

    /** Whether {@code data} holds a detector's labels: an {@code .npz} archive with an array of boxes. */
    public static boolean holdsBoxes(Path data) {
        return org.odf2nna.method.DetectionEvaluator.hasBoxes(data);
    }

    private static Evaluation graphEvaluation(Path model, EvalData rows, Task task,
            ModelInputs inputs, Device device, Progress progress) {
        GraphEvaluator.Result measured = GraphEvaluator.evaluate(model, rows,
                task, inputs, device, progress);
        Metrics metrics = measured.metrics();
        if (measured.task() == Task.NEXT_TOKEN) {
            return new Evaluation(model.toString(), rows.file().toString(), Task.NEXT_TOKEN.displayName(), metrics,
                    null, null, measured.counted());
        }
        Task kind = metrics instanceof Metrics.Regression ? Task.REGRESSION : Task.CLASSIFICATION;
        String warning = measured.chance() != null && measured.chance().atChance() ? "the model "
                + measured.chance().describe() + ": are these rows for this model (its columns, their order, the "
                + "label column, the input's layout)?" : null;
        return new Evaluation(model.toString(), rows.file().toString(), measured.counted() == null
                ? kind.displayName() : kind.displayName() + " per position", metrics, measured.guessed(), warning,
                measured.counted());
    }

    /**
     * {@code shrink} without training rows on a graph, whatever the model: one round of the sweep's pruning.
     *
     * @deprecated use {@link #shrink(ShrinkFiles, ShrinkSettings, SweepSettings, ModelInputs, OutputDecoding,
     *             Progress)}, which runs this round on a graph ({@link ShrinkResult#graphRound()})
     */
    @Deprecated
    public static GraphOneRound shrinkGraphOnce(ShrinkFiles files, SweepSettings settings, ModelInputs inputs,
            OutputDecoding decoding, Progress progress) {
        return GraphSweeper.shrinkOnce(files, settings, inputs, decoding, progress);
    }

    /**
     * The sweep over a graph's dense blocks, whatever the model.
     *
     * @deprecated use {@link #sweep(SweepFiles, SweepSettings, Progress)}, which sweeps a graph the same way and a
     *             dense chain as the chain's sweep
     */
    @Deprecated
    public static SweepReport sweepGraph(SweepFiles files, SweepSettings settings, Progress progress) {
        return GraphSweeper.sweep(files, settings, progress);
    }

    /**
     * The sweep over a graph's dense blocks, each round retrained as {@code retraining} says, whatever the model.
     *
     * @deprecated use {@link #sweep(SweepFiles, SweepSettings, Progress)} with
     *             {@code settings.withGraphRetraining(retraining)}
     */
    @Deprecated
    public static SweepReport sweepGraph(SweepFiles files, SweepSettings settings, GraphRetraining retraining,
            Progress progress) {
        return GraphSweeper.sweep(files, settings, retraining, progress);
    }

    /**
     * The sweep over a graph's dense blocks fed as {@code inputs} says and judged on what {@code decoding} reads,
     * each round retrained as {@code retraining} says, whatever the model.
     *
     * @deprecated use {@link #sweep(SweepFiles, SweepSettings, ModelInputs, OutputDecoding, Progress)} with
     *             {@code settings.withGraphRetraining(retraining)}
     */
    @Deprecated
    public static SweepReport sweepGraph(SweepFiles files, SweepSettings settings, GraphRetraining retraining,
            ModelInputs inputs, OutputDecoding decoding, Progress progress) {
        return GraphSweeper.sweep(files, settings.withGraphRetraining(retraining), inputs, decoding, progress);
    }

    /**
     * The sweep over a graph's dense blocks fed as {@code inputs} says and judged on what {@code decoding} reads,
     * whatever the model.
     *
     * @deprecated use {@link #sweep(SweepFiles, SweepSettings, ModelInputs, OutputDecoding, Progress)}, which sweeps a
     *             graph the same way and a dense chain as the chain's sweep
     */
    @Deprecated
    public static SweepReport sweepGraph(SweepFiles files, SweepSettings settings, ModelInputs inputs,
            OutputDecoding decoding, Progress progress) {
        return GraphSweeper.sweep(files, settings, inputs, decoding, progress);
    }
}
