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
import org.odf2nna.keras.KerasWrittenCheck;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.cleaning.CleaningStep;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.ModelInputs;

/**
 * A pruned graph of a Keras model written back as a {@code .keras} file ({@link KerasGraphWriter}): refused before
 * any work where it cannot be, and checked before it replaces anything: its config's shapes must agree layer by layer
 * with each other and with its weights, as Keras needs to load it ({@link KerasWrittenCheck}), and the file read back as
 * every command reads a Keras file must compute, on made-up rows, the pruned graph's outputs in ONNX Runtime.
 */
public final class KerasGraphOutput {

    /** Metadata of a Keras file's graph: the file's absolute path, and its SHA-256. */
    public static final String FILE_METADATA = "odf2nna.keras.file";
    public static final String HASH_METADATA = "odf2nna.keras.sha256";

    /** Rows the written file and the graph are compared on. */
    static final int CHECK_ROWS = 8;
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
        boolean h5 = h5Name(output);
        if (keras.sourceFile().container() == org.odf2nna.keras.KerasFiles.Container.LEGACY_H5 && !h5) {
            // A .keras archive's weights are laid out by layer class, not by name: not made from a legacy file here.
            throw InputException.usage("-o " + output + ": the pruned graph of " + model + " is written back as .h5, "
                    + "its own format: name it .h5, or .onnx");
        }
        KerasGraphWriter.check(keras, folds(model), h5);
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
        byte[] bytes = KerasGraphWriter.write(keras, graph, folds(model), h5Name(output));
        AtomicFiles.writeBytes(output, bytes, written -> {
            KerasWrittenCheck.verify(written);
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

    private static boolean h5Name(Path output) {
        return output.getFileName() != null && output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".h5");
    }

    /** A file's SHA-256 in hex. */
    static String sha256(Path file) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                d.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(d.digest());
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new InputException(file, null, "cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * {@code convert} to .keras of a graph made from a Keras file: a Keras file with a backbone as it is, or an ONNX
     * file this tool wrote from one (its metadata names the Keras file and its hash), written in that file's layout;
     * null where neither applies (a dense chain's conversion goes on as before). A Keras file that moved or changed
     * since is refused in one line.
     */
    public static org.odf2nna.report.Conversion convert(Path model, Path output) {
        if (!kerasName(output)) {
            return null;
        }
        Path keras = model;
        if (ModelFiles.formatOf(model) == org.odf2nna.settings.ModelFormat.ONNX) {
            keras = source(model, output);
            if (keras == null) {
                return null;
            }
        }
        KerasModel original = ModelFiles.readKeras(keras);
        if (original == null || original.backbone() == null) {
            return null;
        }
        writes(keras, output);
        org.odf2nna.io.OutputPaths.checkWritable(output, model);
        ModelProto graph = ModelReader.read(model).graph();
        write(keras, graph, output);
        double difference = difference(graph, model, ModelReader.graphOf(output,
                org.odf2nna.settings.ModelFormat.KERAS).graph(), output);
        long parameters = org.odf2nna.graph.GraphSweep.describe(graph, model).modelParameters();
        return new org.odf2nna.report.Conversion(model.toString(), ModelFiles.formatOf(model).id(), output.toString(),
                "keras", "graph", parameters, new org.odf2nna.report.Conversion.Check(CHECK_ROWS, difference),
                new org.odf2nna.report.Conversion.Storage(false, Converter.bytes(model), Converter.bytes(output), 0,
                        "none", null));
    }

    /** The Keras file an ONNX file's metadata names, checked by its hash; null when it names none. */
    private static Path source(Path onnx, Path output) {
        String file = null;
        String hash = null;
        for (var p : org.odf2nna.onnx.OnnxModelFile.read(onnx).getMetadataPropsList()) {
            if (p.getKey().equals(FILE_METADATA)) {
                file = p.getValue();
            } else if (p.getKey().equals(HASH_METADATA)) {
                hash = p.getValue();
            }
        }
        if (file == null) {
            return null;
        }
        Path keras = Path.of(file);
        if (!java.nio.file.Files.isRegularFile(keras) || !sha256(keras).equals(hash)) {
            throw InputException.usage(onnx, "came from the Keras file " + file + ", which "
                    + (java.nio.file.Files.isRegularFile(keras) ? "has changed since" : "is no longer there")
                    + "; -o " + output + " writes back into that file's layout: put it back, or prune the Keras file "
                    + "itself with -o NAME.keras");
        }
        return keras;
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
