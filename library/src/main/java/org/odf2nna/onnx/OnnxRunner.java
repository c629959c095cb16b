package org.odf2nna.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * One ONNX Runtime session over a model held in memory, fed row-major batches of CSV rows.
 *
 * <p>Rows are reshaped to the model's input shape ({@code [N, 784]} rows become {@code [N, 1, 28, 28]}
 * when the graph says so). If a graph cannot take more than one row at a time (a batch of 1 fixed
 * somewhere inside), the first failing batch is retried row by row, and the runner stays in that mode. This is the one
 * rule of how rows go to a session ({@link #batch}; graph sweeps' feeds use it too): a session whose model declares its
 * input's batch axis as 1 (a batch-1 export), or whose caller says the user's model does ({@link #oneRowPerRun}: a
 * graph sweep's copy with the batch relaxed), is fed one row per run from the start; any other's first batch is tried
 * quietly (ONNX Runtime's logging at fatal, since a refusal is answered here, not the user's to read), and refused,
 * rows go one per run from then on.
 */
public final class OnnxRunner implements AutoCloseable {

    private static OrtEnvironment environment;

    private final OrtSession session;
    private final InputSignature input;
    private final Path file;
    private boolean rowByRow;
    private boolean batchTried;

    private OnnxRunner(OrtSession session, InputSignature input, Path file) {
        this.session = session;
        this.input = input;
        this.file = file;
        // A batch-1 export (its model's input declared [1, ...], as the session reads it) takes one row per run; a
        // scoring graph that relaxed the batch of such a chain is tried on batches (quietly: see batch).
        this.rowByRow = declaredBatchOfOne(session, input.name());
    }

    /**
     * Rows one per run from now on, never a batch tried: for a session over a copy of a batch-1 export whose input's
     * batch was relaxed (a Reshape inside still fixes it, and a batch tried would only be refused).
     */
    public OnnxRunner oneRowPerRun() {
        rowByRow = true;
        return this;
    }

    /** Whether the session's model declares input {@code name}'s first axis as 1. */
    private static boolean declaredBatchOfOne(OrtSession session, String name) {
        try {
            ai.onnxruntime.NodeInfo info = session.getInputInfo().get(name);
            if (info != null && info.getInfo() instanceof ai.onnxruntime.TensorInfo t) {
                long[] shape = t.getShape();
                return shape.length > 1 && shape[0] == 1;
            }
        } catch (OrtException e) {
            return false;
        }
        return false;
    }

    /** One run of a batch that throws ONNX Runtime's own error; {@code quiet}: its logging at fatal. */
    @FunctionalInterface
    private interface BatchRun<T> {
        T run(boolean quiet) throws OrtException;
    }

    /**
     * A batch of several rows run under the rule above: the result, or null when the rows are to go one per run (the
     * model takes one row at a time, or refused this first batch, quietly).
     */
    private <T> T batch(BatchRun<T> run) {
        if (rowByRow) {
            return null;
        }
        try {
            T result = run.run(!batchTried);
            batchTried = true;
            return result;
        } catch (OrtException e) {
            if (batchTried) {
                throw runError(e);
            }
            rowByRow = true;
            return null;
        }
    }

    /**
     * Several rows given as every input's values ({@link Fed}) run as one batch under the rule above, or null when
     * the rows are to go one per run ({@link #runInputs} each then).
     */
    public Map<String, Out> batch(List<Fed> inputs, List<String> outputs) {
        return batch(quiet -> runFeeds(inputs, outputs, quiet));
    }

    static synchronized OrtEnvironment environment() {
        if (environment == null) {
            environment = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "odf2nna");
        }
        return environment;
    }

    /**
     * Opens a session.
     *
     * @param file where the model came from or goes to, for messages; external data files are in its folder
     */
    public static OnnxRunner open(ModelProto model, InputSignature input, Device device, Path file) {
        return open(model, input, device, file, 0);
    }

    /**
     * {@link #open(ModelProto, InputSignature, Device, Path)} with ONNX Runtime's intra-op thread count set (0: its
     * default, one per core); for measuring what the setting costs.
     */
    public static OnnxRunner open(ModelProto model, InputSignature input, Device device, Path file, int threads) {
        // The environment (and its logger) must exist before a provider is added: the CUDA provider logs
        // while it starts, and fails with "Attempt to use DefaultLogger but none has been registered" otherwise.
        OrtEnvironment env = environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            } else {
                notSpinning(options);
                withoutArena(options);
            }
            if (device == Device.CUDA) {
                try {
                    options.addCUDA(0);
                } catch (OrtException | UnsatisfiedLinkError | IllegalArgumentException e) {
                    throw InputException.usage(cudaUnavailable(e));
                }
            }
            if (ExternalData.hasExternalData(model)) {
                // A model loaded from memory has no folder: say where its external data files are.
                Path folder = file.toAbsolutePath().normalize().getParent();
                options.addConfigEntry("session.model_external_initializers_file_folder_path", folder.toString());
            }
            OrtSession session;
            try {
                session = createSession(env, model, options);
            } catch (OrtException e) {
                if (threads > 0 || !String.valueOf(e.getMessage()).contains("Op (Reorder")) {
                    throw e;
                }
                // ONNX Runtime's NCHWc layout rewrite (all optimizations only) rejects some graphs it was given
                // (a pruned torchvision GoogLeNet's refit graph: "ReorderOutput ... invalid channel count"); the
                // extended level computes the same without that rewrite. Not for a timing session (threads set):
                // it loads a model as the user's runtime will, and a refusal there is the answer.
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
                session = createSession(env, model, options);
            }
            return new OnnxRunner(session, input, file);
        } catch (OrtException e) {
            throw new InputException(file, null, "ONNX Runtime cannot load the model: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * The tool's own work (scoring, refit sums, calibration) with ONNX Runtime's pool threads told not to spin:
     * between the short runs of a sweep, its spinning workers burned a core's worth of CPU time waiting for the next
     * run, while the other core ran TensorFlow or Java. Timing sessions ({@link SideBySide}) keep ORT's default,
     * what the user's runtime does. {@value #SPIN_PROPERTY}=true restores the spinning everywhere.
     */
    static void notSpinning(OrtSession.SessionOptions options) throws OrtException {
        if (!Boolean.getBoolean(SPIN_PROPERTY)) {
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
        }
    }

    /**
     * The tool's own work without ONNX Runtime's CPU arena, which keeps each session's peak (a GPT block's prefix at a
     * batch: every layer's attention scores and MLP units) until the session closes, grown past it by its doubling:
     * a 3 M-parameter GPT's refit held 2.2-3.0 GB resident with it, 1.9-2.4 GB without it and two other changes
     * (docs/research/LM-RETRAINING.md, "Memory of the default sweep", runs 1 and 3). Tensors are then malloc'd and freed as the run goes, for some system time. Timing sessions keep
     * the arena, as the user's runtime does. {@value #ARENA_PROPERTY}=true restores it everywhere.
     */
    static void withoutArena(OrtSession.SessionOptions options) throws OrtException {
        if (!Boolean.getBoolean(ARENA_PROPERTY)) {
            options.setCPUArenaAllocator(false);
        }
    }

    /** System property that keeps ONNX Runtime's CPU arena in the tool's own work too. */
    public static final String ARENA_PROPERTY = "odf2nna.ort.arena";

    /** New session options for the tool's own work: {@link #notSpinning}. */
    static OrtSession.SessionOptions workOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            notSpinning(options);
            return options;
        } catch (OrtException e) {
            options.close();
            throw e;
        }
    }

    /** System property that keeps ONNX Runtime's pool threads spinning in the tool's own work too. */
    public static final String SPIN_PROPERTY = "odf2nna.ort.spin";

    /** Models past this many bytes are handed to ONNX Runtime from a direct buffer freed at once, not a byte[]. */
    static final int DIRECT_MODEL_BYTES = InputStaging.MAX_STAGED_BYTES;

    /**
     * A session of the model: a large one serialised into a direct buffer that is freed as soon as ONNX Runtime has
     * read it, so that the heap never holds the serialised copy (a 4,096-wide refit pass's graph, about 160 MB of
     * byte[] beside the heap's live set, which the heap had to be sized for); a small one as a byte[].
     */
    static OrtSession createSession(OrtEnvironment env, ModelProto model, OrtSession.SessionOptions options)
            throws OrtException {
        int size = model.getSerializedSize();
        if (size <= DIRECT_MODEL_BYTES || !InputStaging.canFree()) {
            return env.createSession(model.toByteArray(), options);
        }
        ByteBuffer bytes = ByteBuffer.allocateDirect(size);
        try {
            com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(bytes);
            model.writeTo(out);
            out.flush();
            bytes.position(0).limit(size);
            return env.createSession(bytes, options);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("the model could not be serialised for ONNX Runtime", e);
        } finally {
            InputStaging.free(bytes);
        }
    }

    /** Why the CUDA device cannot be used: a CPU build, or a GPU build without a usable GPU and CUDA. */
    static String cudaUnavailable(Throwable e) {
        boolean built = OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA);
        String reason = firstLine(e.getMessage()).trim();
        return built
                ? "{{DEVICE}} cuda: ONNX Runtime's CUDA provider could not start (" + reason + "); it needs an NVIDIA "
                        + "GPU, its driver (libcuda.so.1) and the CUDA 12 runtime libraries (libcudart.so.12, "
                        + "libcublas.so.12, ...) on the library path"
                : "{{DEVICE}} cuda: this build of ONNX Runtime has no CUDA provider (" + reason + "); build with the "
                        + "gpu profile (./mvnw -Pgpu package) on a machine with CUDA";
    }

    public InputSignature input() {
        return input;
    }

    /** Whether the model turned out to accept only one row per run. */
    public boolean isRowByRow() {
        return rowByRow;
    }

    /**
     * Runs {@code rows} rows of {@code valuesPerRow} values and returns the requested outputs as
     * row-major float arrays of {@code rows × (values per row)}.
     */
    public Map<String, float[]> run(float[] data, int rows, int valuesPerRow, List<String> outputs) {
        if (input.shape().length > 2 && input.valuesPerRow() < 0) {
            // Rows of an input with open sizes ([N, 3, H, W]) cannot be shaped: say so, not ONNX Runtime's rank error.
            throw InputException.usage(file, "input '" + input.name() + "' has shape " + input.describeShape()
                    + ": the shape of its rows is open; graph sweeps take it as " + Setting.INPUT_SHAPE.ref()
                    + " (the batch axis left out), other commands need a model with the sizes fixed");
        }
        Map<String, float[]> result = rows > 1 ? batch(quiet -> runOnce(data, 0, rows, valuesPerRow, outputs, quiet))
                : null;
        return result != null ? result : runEachRow(data, rows, valuesPerRow, outputs);
    }

    /**
     * {@link #run} one row per session run: what a graph whose rows depend on their batch (int8 on integer kernels
     * quantizes a batch with one range) computes for each row alone.
     */
    public Map<String, float[]> runEachRow(float[] data, int rows, int valuesPerRow, List<String> outputs) {
        Map<String, List<float[]>> parts = new HashMap<>();
        for (int r = 0; r < rows; r++) {
            Map<String, float[]> one;
            try {
                one = runOnce(data, r, 1, valuesPerRow, outputs, false);
            } catch (OrtException e) {
                throw runError(e);
            }
            one.forEach((k, v) -> parts.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        Map<String, float[]> joined = new HashMap<>();
        parts.forEach((k, list) -> {
            int width = list.get(0).length;
            float[] all = new float[width * rows];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(list.get(r), 0, all, r * width, width);
            }
            joined.put(k, all);
        });
        return joined;
    }

    /**
     * Nanoseconds of one run of rows {@code firstRow ..} in two parts: the session's run alone, and what surrounds
     * it (building the input tensor, reading the output into a Java array). For benchmarks.
     */
    public long[] timedRun(float[] data, int firstRow, int rows, int valuesPerRow, String output) {
        long begin = System.nanoTime();
        long[] shape = input.batchShape(rows, valuesPerRow);
        // Each input timed in its own type: token ids as int64 or int32, as a user's session is fed them.
        Fed fed = new Fed(input.name(), input.elementType(), shape, data, firstRow * valuesPerRow, rows * valuesPerRow);
        try (OnnxTensor tensor = tensor(fed, 0)) {
            java.util.Set<String> wanted = java.util.Set.of(output);
            Map<String, OnnxTensor> feed = Map.of(input.name(), tensor);
            long start = System.nanoTime();
            try (OrtSession.Result result = session.run(feed, wanted)) {
                long ran = System.nanoTime();
                float[] values = TensorFloats.of((OnnxTensor) result.get(0));
                long end = System.nanoTime();
                if (values.length == 0) {
                    throw new IllegalStateException("no output");
                }
                return new long[] {ran - start, (start - begin) + (end - ran)};
            }
        } catch (OrtException e) {
            throw runError(e);
        }
    }

    /**
     * Runs {@code rows} rows of a float input in one call and returns the requested outputs, which must be double
     * tensors, as double arrays (what a sums graph such as {@link RefitSumsGraph} gives: no rounding to float).
     */
    public Map<String, double[]> runDoubles(float[] data, int rows, int valuesPerRow, List<String> outputs) {
        try (OnnxTensor tensor = InputStaging.floats(0, data, 0, rows * valuesPerRow,
                input.batchShape(rows, valuesPerRow));
             OrtSession.Result result = session.run(Map.of(input.name(), tensor), new LinkedHashSet<>(outputs))) {
            Map<String, double[]> values = new HashMap<>();
            for (String name : outputs) {
                Optional<OnnxValue> value = result.get(name);
                if (value.isEmpty() || !(value.get() instanceof OnnxTensor out)
                        || out.getInfo().type != OnnxJavaType.DOUBLE) {
                    throw new IllegalStateException("ONNX Runtime returned no double tensor '" + name + "'");
                }
                DoubleBuffer buffer = out.getDoubleBuffer();
                double[] copy = new double[buffer.remaining()];
                buffer.get(copy);
                values.put(name, copy);
            }
            return values;
        } catch (OrtException e) {
            throw runError(e);
        }
    }

    /**
     * Runs {@code rows} rows of a float input in one call, ONNX Runtime writing the outputs into {@code outputs}'s
     * buffers (which must have the outputs' shapes).
     */
    public void runInto(float[] data, int rows, int valuesPerRow, PinnedDoubles outputs) {
        try (OnnxTensor tensor = InputStaging.floats(0, data, 0, rows * valuesPerRow,
                input.batchShape(rows, valuesPerRow));
             OrtSession.Result result = session.run(Map.of(input.name(), tensor), outputs.tensors())) {
            // The pinned outputs belong to the caller: closing the result leaves them open.
        } catch (OrtException e) {
            throw runError(e);
        }
    }

    /**
     * {@link #runInto} with a second input, double rows of {@code width} values ({@code rows} of them from the start
     * of {@code second}): what a sums graph fed its targets takes ({@link RefitSumsGraph#onTargets}).
     *
     * @param returned an output besides the pinned ones, float, to return ({@link RefitSumsGraph#RIDER}), or null
     * @return {@code returned}'s values, row-major, or null when none was asked for
     */
    public float[] runInto(float[] data, int rows, int valuesPerRow, String secondName, double[] second, int width,
            PinnedDoubles outputs, String returned) {
        // Each input in a staging slot of its own (both are open together): no copies left for the collector.
        try (OnnxTensor tensor = InputStaging.floats(0, data, 0, rows * valuesPerRow,
                input.batchShape(rows, valuesPerRow));
             OnnxTensor targets = InputStaging.doubles(1, second, 0, rows * width, new long[] {rows, width});
             OrtSession.Result result = session.run(Map.of(input.name(), tensor, secondName, targets),
                     returned == null ? java.util.Set.of() : java.util.Set.of(returned), outputs.tensors())) {
            // The pinned outputs belong to the caller: closing the result leaves them open.
            if (returned == null) {
                return null;
            }
            Optional<OnnxValue> value = result.get(returned);
            if (value.isEmpty() || !(value.get() instanceof OnnxTensor out)) {
                throw new IllegalStateException("ONNX Runtime returned no tensor '" + returned + "'");
            }
            return TensorFloats.of(out);
        } catch (OrtException e) {
            throw runError(e);
        }
    }

    /**
     * One input of a run given whole: {@code count} values from {@code offset} of {@code values}, in the tensor's own
     * element type (float, double, int64, int32, bool; integers and booleans are carried exactly as floats up to 2^24),
     * shaped {@code shape}.
     */
    public record Fed(String name, int elementType, long[] shape, float[] values, int offset, int count) {
    }

    /** An output of a run: its values as floats, row-major, and its shape. */
    public record Out(float[] values, long[] shape) {
    }

    /**
     * Runs the session once with every input given ({@link Fed}), for graphs with several inputs or inputs that are
     * not float; returns the requested outputs with their shapes.
     */
    public Map<String, Out> runInputs(List<Fed> inputs, List<String> outputs) {
        return runInputs(inputs, outputs, false);
    }

    /**
     * {@link #runInputs(List, List)}; {@code trial}: a run that may fail (a batch tried on a graph that may fix its
     * batch inside), its failure left unlogged by ONNX Runtime, whose caller falls back to one row per run.
     */
    public Map<String, Out> runInputs(List<Fed> inputs, List<String> outputs, boolean trial) {
        try {
            return runFeeds(inputs, outputs, trial);
        } catch (OrtException e) {
            throw runError(e);
        }
    }

    private Map<String, Out> runFeeds(List<Fed> inputs, List<String> outputs, boolean trial) throws OrtException {
        Map<String, OnnxTensor> feed = new java.util.LinkedHashMap<>();
        try (OrtSession.RunOptions options = new OrtSession.RunOptions()) {
            if (trial) {
                options.setLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            }
            for (Fed f : inputs) {
                // Each input in a staging slot of its own: they are all open together.
                feed.put(f.name(), tensor(f, feed.size()));
            }
            try (OrtSession.Result result = session.run(feed, new LinkedHashSet<>(outputs), options)) {
                Map<String, Out> values = new HashMap<>();
                for (String name : outputs) {
                    Optional<OnnxValue> value = result.get(name);
                    if (value.isEmpty() || !(value.get() instanceof OnnxTensor out)) {
                        throw new IllegalStateException("ONNX Runtime returned no tensor '" + name + "'");
                    }
                    values.put(name, new Out(TensorFloats.of(out), out.getInfo().getShape()));
                }
                return values;
            }
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Runs the session once with every input given and returns the requested outputs' shapes alone, whatever their
     * element type (what {@link MultiplyAdds} counts from).
     */
    public Map<String, long[]> runShapes(List<Fed> inputs, List<String> outputs) {
        Map<String, OnnxTensor> feed = new java.util.LinkedHashMap<>();
        try {
            for (Fed f : inputs) {
                feed.put(f.name(), tensor(f, feed.size()));
            }
            try (OrtSession.Result result = session.run(feed, new LinkedHashSet<>(outputs))) {
                Map<String, long[]> shapes = new HashMap<>();
                for (String name : outputs) {
                    Optional<OnnxValue> value = result.get(name);
                    if (value.isEmpty() || !(value.get() instanceof OnnxTensor out)) {
                        throw new IllegalStateException("ONNX Runtime returned no tensor '" + name + "'");
                    }
                    shapes.put(name, out.getInfo().getShape());
                }
                return shapes;
            }
        } catch (OrtException e) {
            throw runError(e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * The input's tensor, built in this thread's staging buffer of {@code slot} ({@link InputStaging}: no copy left
     * for the garbage collector to free) where it fits.
     */
    private static OnnxTensor tensor(Fed f, int slot) throws OrtException {
        int n = f.count();
        float[] v = f.values();
        int o = f.offset();
        switch (f.elementType()) {
            case OnnxTensors.FLOAT:
                return InputStaging.floats(slot, v, o, n, f.shape());
            case OnnxTensors.DOUBLE:
                return InputStaging.widened(slot, v, o, n, f.shape());
            case org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.INT64_VALUE:
                return InputStaging.cast(slot, v, o, n, f.shape(), OnnxJavaType.INT64);
            case org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.INT32_VALUE:
                return InputStaging.cast(slot, v, o, n, f.shape(), OnnxJavaType.INT32);
            case org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType.BOOL_VALUE:
                return InputStaging.cast(slot, v, o, n, f.shape(), OnnxJavaType.BOOL);
            default:
                throw new IllegalArgumentException("input '" + f.name() + "' of element type " + f.elementType()
                        + " cannot be fed");
        }
    }

    private Map<String, float[]> runOnce(float[] data, int firstRow, int rows, int valuesPerRow, List<String> outputs,
            boolean quiet) throws OrtException {
        long[] shape = input.batchShape(rows, valuesPerRow);
        // Float rows, or token ids (int64, int32) and masks as float rows too, as runInputs feeds them.
        OnnxTensor tensor = tensor(new Fed(input.name(), input.elementType(), shape, data, firstRow * valuesPerRow,
                rows * valuesPerRow), 0);
        try (tensor; OrtSession.RunOptions options = new OrtSession.RunOptions()) {
            if (quiet) {
                options.setLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            }
            return TensorFloats.byName(session.run(Map.of(input.name(), tensor), new LinkedHashSet<>(outputs),
                    options), outputs);
        }
    }

    private InputException runError(OrtException e) {
        return new InputException(file, "input '" + input.name() + "'", "ONNX Runtime could not run the model on "
                + "these rows: " + firstLine(e.getMessage()), e);
    }

    static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // Closing a session frees native memory; a failure here leaves nothing to clean up for the user.
        }
        org.odf2nna.NativeMemory.trim();
    }
}
