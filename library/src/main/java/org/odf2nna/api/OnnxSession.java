package org.odf2nna.api;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * An ONNX model open in ONNX Runtime, fed rows of its data input's values and read at one output: to run a model, or
 * to time it, as the tool's own passes run it (same session options, same input staging). Opened from any ONNX file
 * ONNX Runtime runs ({@link #open(Path, Device)}) or from ONNX bytes, or from an {@link OnnxModel} (its graph, a
 * quantized form of it, or one of the subgraphs its unit scoring uses). Close it to free the native session.
 *
 * <p>Why public: running and timing a model in ONNX Runtime is what a Java user of the tool does after pruning (the
 * research harness's {@code bench} times original, shrunk and int8 models so); without it they would need the
 * internal runner.
 */
public final class OnnxSession implements AutoCloseable {

    private final OnnxRunner runner;
    private final String input;
    private final String output;
    private final int width;
    private final long parameters;

    /**
     * The nanoseconds of one run, in two parts.
     *
     * @param runNanos    the session's run alone
     * @param aroundNanos what the call adds around it: building the input tensor, reading the output
     */
    public record Timing(long runNanos, long aroundNanos) {
    }

    OnnxSession(OnnxRunner runner, ModelProto model, String output, int width) {
        this.runner = runner;
        this.input = runner.input().name();
        this.output = output;
        this.width = width;
        this.parameters = model.getGraph().getInitializerList().stream()
                .mapToLong(t -> t.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b)).sum();
    }

    /**
     * Any ONNX model ONNX Runtime runs, fed at its one float data input of a fixed row shape, read at its first output.
     *
     * @param model  the ONNX file; never modified
     * @param device where ONNX Runtime computes
     * @throws InputException when the file cannot be read, or has several inputs or a row shape left open
     */
    public static OnnxSession open(Path model, Device device) {
        return open(OnnxModelFile.read(model), model, device, 0);
    }

    /**
     * {@link #open(Path, Device)} of a model in memory, with ONNX Runtime's intra-op thread count.
     *
     * @param onnx    a serialised ONNX model (as {@link Odf2nna#onnx} gives)
     * @param threads ONNX Runtime's intra-op threads; 0 its default (one per core)
     * @throws InputException when the bytes are no ONNX model, or it has several inputs or a row shape left open
     */
    public static OnnxSession open(byte[] onnx, Device device, int threads) {
        Path source = Path.of("(ONNX bytes)");
        ModelProto model;
        try {
            model = ModelProto.parseFrom(onnx);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw InputException.usage(source, "is no ONNX model: " + e.getMessage());
        }
        return open(model, source, device, threads);
    }

    private static OnnxSession open(ModelProto model, Path source, Device device, int threads) {
        InputSignature input = GraphRows.dataInput(model, source);
        OnnxRunner runner = OnnxRunner.open(GraphRows.runnable(model, input), input, device, source, threads);
        return new OnnxSession(runner, model, model.getGraph().getOutput(0).getName(), input.valuesPerRow());
    }

    /**
     * Up to {@code maxRows} rows of a data file as this session's input takes them: {@link #valuesPerRow()} values per
     * row, from a CSV file (optionally gzip-compressed) with a header, Parquet, .npz or .npy, read as the tool's graph
     * commands read them (the target column, where there is one, as the targets).
     *
     * @throws InputException when the file cannot be read, or its rows do not fit
     */
    public Rows readRows(Path data, int maxRows) {
        GraphRows rows = GraphRows.read(data, width, null, maxRows);
        float[] targets = rows.targets();
        if (targets == null && rows.labels() != null) {
            targets = new float[rows.count()];
            for (int r = 0; r < targets.length; r++) {
                targets[r] = rows.labels()[r];
            }
        }
        return new Rows(rows.features(), rows.width(), targets);
    }

    /** Values per row of the data input (the product of its dimensions after the batch). */
    public int valuesPerRow() {
        return width;
    }

    /** The values the model stores: the elements of all its initializers (weights of any type, constants). */
    public long parameters() {
        return parameters;
    }

    /** The data input fed. */
    public String input() {
        return input;
    }

    /** The output read. */
    public String output() {
        return output;
    }

    /**
     * Runs {@code count} rows through the model.
     *
     * @param rows row-major, {@link #valuesPerRow()} values per row
     * @return the output's values, row after row
     * @throws IllegalArgumentException when {@code rows} does not hold {@code count} rows
     */
    public float[] run(float[] rows, int count) {
        if (count <= 0 || (long) count * width != rows.length) {
            throw new IllegalArgumentException(rows.length + " values are not " + count + " rows of " + width);
        }
        return runner.run(rows, count, width, List.of(output)).get(output);
    }

    /**
     * Runs {@code count} rows of {@code rows} (row-major, {@link #valuesPerRow()} values each) from row
     * {@code firstRow}, and says how long the session's run took apart from what surrounds it.
     */
    public Timing timedRun(float[] rows, int firstRow, int count) {
        if (firstRow < 0 || count <= 0 || (long) (firstRow + count) * width > rows.length) {
            throw new IllegalArgumentException("rows " + firstRow + " to " + (firstRow + count) + " of "
                    + rows.length / width);
        }
        long[] t = runner.timedRun(rows, firstRow, count, width, output);
        return new Timing(t[0], t[1]);
    }

    /** Frees the native session. */
    @Override
    public void close() {
        runner.close();
    }
}
