package org.odf2nna.api;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import com.google.protobuf.InvalidProtocolBufferException;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.method.EpsilonPruning;
import org.odf2nna.method.MaskEvolution;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.method.ProgressiveSweep;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.Int8Weights;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.onnx.cleaning.ModelCleaner;
import org.odf2nna.onnx.proto.OnnxProto;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.Quantize;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.ShrinkSettings;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TfSessions;
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
 * <p>The file workflows that the command line's commands call (models and CSV files in, checked models and reports
 * out) are {@link FileWorkflows}; what the tool reads of a model file without working on it is {@link Inspection};
 * the process-wide state is {@link Writes} (the files being written), {@link Cleaning} (the cleaning passes) and, here,
 * TensorFlow's thread count; the sentences the command line prints beside a report are {@link Messages}. The
 * in-memory and the file-level shrink, sweep and evolve take the same settings types ({@code org.odf2nna.settings}).
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
            return DenseChainReader.read(ModelCleaner.clean(
                    OnnxProto.ModelProto.parseFrom(onnx), name, Cleaning.off()).model(), name)
                    .network();
        } catch (InvalidProtocolBufferException e) {
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
     * of one 5% ({@link ChainCertificate}), it must keep a new set of as many rows within
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
        OnnxProto.ModelProto proto = OnnxModelBuilder.build(network, "input", "output",
                Map.of());
        if (int8 == null) {
            return proto.toByteArray();
        }
        if (int8.length != network.layers().size()) {
            throw new IllegalArgumentException("int8: " + int8.length + " flags for " + network.layers().size()
                    + " layers");
        }
        OnnxDenseModel read = DenseChainReader.read(proto, Path.of("(ONNX bytes)"));
        return Int8Weights.apply(proto, read, network, int8).toByteArray();
    }

    /**
     * The system property that fixes TensorFlow's intra-op thread count for a process ({@code -D} on the JVM's command
     * line, over {@link #useTensorFlowThreads}): how a parent process sets the count of a child JVM that retrains.
     */
    public static final String TENSORFLOW_THREADS_PROPERTY = TfSessions.THREADS_PROPERTY;

    /**
     * Asks TensorFlow for {@code threads} intra-op threads in this process's retraining (default: the machine's cores;
     * 1: bit-reproducible). Call it before any retraining: TensorFlow sizes its pool once, from its first session; the
     * system property {@code odf2nna.tf.threads} or the environment variable {@code ODF2NNA_TF_THREADS} fix the count
     * over it.
     */
    public static void useTensorFlowThreads(int threads) {
        TfSessions.useThreads(threads);
    }

    /** The intra-op thread count TensorFlow's sessions use (or will use) in this process. */
    public static int tensorFlowThreads() {
        return TfSessions.intraOpThreads();
    }

    /** Rows as the method package holds them: no targets is NaN targets. */
    private static TrainingData trainingData(Rows rows) {
        float[] targets = rows.targets();
        if (targets == null) {
            targets = new float[rows.count()];
            Arrays.fill(targets, Float.NaN);
        }
        return new TrainingData(rows.features(), targets, rows.count(), rows.width());
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
