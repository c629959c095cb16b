package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.keras.KerasGraphWriter;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.cleaning.CleaningStep;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.ModelInputs;

/**
 * A pruned graph of a Keras model written back as a {@code .keras} file ({@link KerasGraphWriter}): refused before
 * any work where it cannot be, and checked before it replaces anything: the written file is read back as every
 * command reads a Keras file, and its outputs on made-up rows must agree with the pruned graph's in ONNX Runtime.
 */
public final class KerasGraphOutput {

    /** Rows the written file and the graph are compared on. */
    private static final int CHECK_ROWS = 8;
    /** The largest difference allowed between them, relative to max(1, |output|). */
    static final double TOLERANCE = 1e-3;

    private KerasGraphOutput() {
    }

    /** Whether {@code output} names a Keras file ({@code .keras}, or {@code .h5}). */
    public static boolean kerasName(Path output) {
        String name = output == null || output.getFileName() == null ? ""
                : output.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".keras") || name.endsWith(".h5");
    }

    /**
     * Whether a graph command on {@code model} writes {@code output} as Keras: a Keras file with a backbone, written
     * to a Keras name; refuses (one line, before any work) one it cannot write back, and a Keras name for any other
     * input.
     */
    public static boolean writes(Path model, Path output) {
        if (!kerasName(output)) {
            return false;
        }
        KerasModel keras = ModelFiles.readKeras(model);
        if (keras == null || keras.backbone() == null) {
            throw InputException.usage("-o " + output + ": the pruned graph of " + model + " is written as ONNX; a "
                    + "Keras file is written back from a Keras file only: name the output .onnx");
        }
        if (output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".h5")) {
            throw InputException.usage("-o " + output + ": a pruned graph is written back as .keras (Keras 3's "
                    + "format) only: name it .keras, or .onnx");
        }
        KerasGraphWriter.check(keras, folds(model));
        return true;
    }

    /** The cleaning's folds of {@code model}'s graph, as the writer reads them. */
    static List<KerasGraphWriter.Fold> folds(Path model) {
        List<KerasGraphWriter.Fold> out = new ArrayList<>();
        for (CleaningStep s : ModelReader.read(model).cleaning()) {
            if (s.into() != null) {
                out.add(new KerasGraphWriter.Fold(s.nodes(), s.into(), s.pass().equals("affine-before-layer")));
            }
        }
        return out;
    }

    /**
     * Writes {@code graph}, a pruned form of {@code model}'s, to {@code output} as .keras: read back and compared with
     * the graph in ONNX Runtime on made-up rows before it replaces anything.
     */
    public static void write(Path model, ModelProto graph, Path output) {
        KerasModel keras = ModelFiles.readKeras(model);
        byte[] bytes = KerasGraphWriter.write(keras, graph, folds(model));
        AtomicFiles.writeBytes(output, bytes, written -> {
            double difference;
            try {
                difference = difference(graph, model, ModelReader.graphOf(written,
                        org.odf2nna.settings.ModelFormat.KERAS).graph(), written);
            } catch (InputException | IllegalStateException e) {
                throw new IOException("the written Keras file does not read back: " + e.getMessage(), e);
            }
            if (!(difference <= TOLERANCE)) {
                throw new IOException("the written Keras file computes outputs " + difference + " away from the "
                        + "pruned graph's (relative), above " + TOLERANCE);
            }
        });
    }

    /** The largest relative difference between two graphs' outputs on made-up rows. */
    static double difference(ModelProto a, Path fileA, ModelProto b, Path fileB) {
        GraphFeed feed = GraphFeed.madeUp(a, fileA, ModelInputs.NONE);
        GraphRows rows = feed.madeUpRows(CHECK_ROWS);
        float[] x = run(a, fileA, feed, rows);
        float[] y = run(b, fileB, GraphFeed.madeUp(b, fileB, ModelInputs.NONE), rows);
        if (x.length != y.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i])));
        }
        return worst;
    }

    private static float[] run(ModelProto model, Path file, GraphFeed feed, GraphRows rows) {
        ModelProto runnable = GraphRows.runnable(model, feed.data());
        String output = model.getGraph().getOutput(0).getName();
        try (GraphFeed.Session session = feed.open(runnable, org.odf2nna.Device.CPU, file)) {
            OnnxRunner.Out out = session.runShaped(rows, 0, rows.count(), List.of(output)).get(output);
            return out.values();
        }
    }
}
