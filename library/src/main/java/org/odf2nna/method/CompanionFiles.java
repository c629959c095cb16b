package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.odf2nna.InputException;
import org.odf2nna.data.InputArrays;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * The other files of an export that hold the swept model's weights: a Hugging Face decoder's
 * {@code decoder_with_past_model.onnx} and optimum's {@code decoder_model_merged.onnx} (an {@code If} whose branches
 * are both decoders, the weights they share in the outer graph) beside {@code decoder_model.onnx}. Each is checked
 * before the sweep (it must hold every weight of the model) and, once the chosen model is written, written beside it
 * under its own file name with the chosen model's weights carried over.
 *
 * <p>A weight is found across files by its value (data type, shape and data), not its name: exporters name the same
 * weight differently in each file ({@code onnx::MatMul_123}), and optimum renames the ones it deduplicates. Each file
 * is read cleaned as the model is ({@link ModelReader}; an If's branches cleaned alike), so that a weight is read by
 * the same nodes in every file; only initializers are rewritten, everything else is kept. A file the written weights
 * cannot go into (the sweep changed the model's nodes, a weight read by other nodes there, one weight there standing
 * for several the sweep changed differently) is refused in one line, and none is written: they are written to a
 * temporary folder beside the output and moved into place only when all are complete.
 */
public final class CompanionFiles {

    /**
     * One file checked.
     *
     * @param file  the file as given
     * @param cache whether it takes a key/value cache ({@link InputArrays#isPastCache}), whose shape fixes the heads
     */
    public record Companion(Path file, boolean cache) {
    }

    /**
     * The files checked against a model: their paths alone (each is read again when written, one at a time, so that a
     * large export's files are not all held through the sweep).
     *
     * @param model the swept model's file
     * @param files the other files, in the order given
     */
    public record Checked(Path model, List<Companion> files) {

        /** The files whose key/value cache fixes the attention heads. */
        public List<Path> withCache() {
            return files.stream().filter(Companion::cache).map(Companion::file).toList();
        }
    }

    private CompanionFiles() {
    }

    /**
     * Checks {@code files} against {@code model} before a sweep that writes {@code output}: each must be another file
     * than the model and the output, be written beside the output under a name of its own, and hold every weight of
     * the model.
     *
     * @throws InputException USAGE, in one line naming the file and the problem
     */
    public static Checked check(Path model, List<Path> files, Path output) {
        ModelProto read = ModelReader.read(model).graph();
        Map<ValueKey, List<String>> weights = new LinkedHashMap<>();
        for (TensorProto t : read.getGraph().getInitializerList()) {
            if (weight(t)) {
                weights.computeIfAbsent(ValueKey.of(t), k -> new ArrayList<>()).add(t.getName());
            }
        }
        List<Companion> checked = new ArrayList<>();
        Set<Path> targets = new java.util.HashSet<>();
        for (Path file : files) {
            Path target = target(output, file);
            if (same(file, model) || same(file, output) || same(target, model) || same(target, output)
                    || !targets.add(target.toAbsolutePath().normalize())) {
                throw InputException.usage(file, "would be written as " + target + ", which is the model, the "
                        + "output or another such file: give files of their own names, and an output elsewhere");
            }
            ModelProto cleaned = BranchCleaning.cleaned(ModelReader.read(file).graph(), file);
            Set<ValueKey> held = new java.util.HashSet<>();
            Initializers.forEach(cleaned.getGraph(), (graph, t) -> held.add(ValueKey.of(t)));
            List<String> missing = new ArrayList<>();
            weights.forEach((key, names) -> {
                if (!held.contains(key)) {
                    missing.addAll(names);
                }
            });
            if (!missing.isEmpty()) {
                throw InputException.usage(file, "does not hold " + model.getFileName() + "'s weights (" + missing
                        .size() + " of its " + weights.values().stream().mapToInt(List::size).sum() + " not found, '"
                        + missing.get(0) + "' among them): not an export of the same model");
            }
            boolean cache = cleaned.getGraph().getInputList().stream().anyMatch(v -> InputArrays.isPastCache(
                    v.getName()));
            checked.add(new Companion(file, cache));
        }
        return new Checked(model, checked);
    }

    /**
     * Writes each checked file beside {@code written} (the chosen model, as the sweep wrote it) under its own file
     * name, with the written weights carried over; all or none.
     *
     * @return the files written, in the order given
     * @throws InputException USAGE when a file cannot take the written weights (nothing written then)
     */
    public static List<Path> write(Checked checked, Path written) {
        ModelProto chosen = OnnxModelFile.read(written);
        // The model as the sweep read it: the cleaning is the same each time.
        ModelProto read = ModelReader.read(checked.model()).graph();
        WeightChanges changes = WeightChanges.of(checked, read, chosen);
        Path parent = written.toAbsolutePath().getParent();
        Path folder;
        try {
            folder = AtomicFiles.temporaryFolder(written, () -> Files.createTempDirectory(parent, "."
                    + written.getFileName() + ".also."));
        } catch (IOException e) {
            throw new InputException(written, null, "cannot write beside it: " + e.getMessage(), e);
        }
        try {
            Map<Path, Path> temps = new LinkedHashMap<>();
            for (Companion c : checked.files()) {
                ModelProto cleaned = BranchCleaning.cleaned(ModelReader.read(c.file()).graph(), c.file());
                Path target = target(written, c.file());
                Path temp = folder.resolve(target.getFileName());
                Files.write(temp, changes.applyTo(c.file(), cleaned, checked.model()).toByteArray());
                OnnxModelFile.read(temp); // refuses a file that does not read back, before anything moves
                temps.put(temp, target);
            }
            for (Map.Entry<Path, Path> e : temps.entrySet()) {
                AtomicFiles.move(e.getKey(), e.getValue());
            }
            return List.copyOf(temps.values());
        } catch (IOException e) {
            throw new InputException(written, null, "cannot write beside it: " + e.getMessage(), e);
        } finally {
            AtomicFiles.release(folder);
        }
    }

    /** Where {@code file} is written: beside {@code output}, under its own file name. */
    static Path target(Path output, Path file) {
        return output.toAbsolutePath().resolveSibling(file.getFileName());
    }

    private static boolean same(Path a, Path b) {
        return a != null && b != null && a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** A weight: a float tensor of more than one value (scalars and shapes are not the model's weights). */
    static boolean weight(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        int type = t.getDataType();
        return n > 1 && (type == TensorProto.DataType.FLOAT_VALUE || type == TensorProto.DataType.FLOAT16_VALUE
                || type == TensorProto.DataType.DOUBLE_VALUE || type == TensorProto.DataType.BFLOAT16_VALUE);
    }

    /** A tensor's value: a SHA-256 digest of its data type, shape and data, whatever its name. */
    record ValueKey(String digest) {

        static ValueKey of(TensorProto t) {
            try {
                java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
                return new ValueKey(java.util.HexFormat.of().formatHex(sha.digest(t.toBuilder().clearName()
                        .clearDocString().build().toByteArray())));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The initializers of a graph and of its subgraphs, at any depth. */
    static final class Initializers {

        private Initializers() {
        }

        interface Visitor {
            void visit(GraphProto graph, TensorProto initializer);
        }

        static void forEach(GraphProto graph, Visitor visitor) {
            graph.getInitializerList().forEach(t -> visitor.visit(graph, t));
            graph.getNodeList().forEach(n -> n.getAttributeList().forEach(a -> {
                if (a.hasG()) {
                    forEach(a.getG(), visitor);
                }
                a.getGraphsList().forEach(g -> forEach(g, visitor));
            }));
        }
    }

    /** The op types that read each tensor name in a graph and its subgraphs (a weight's readers). */
    static Map<String, Set<String>> readers(GraphProto graph) {
        Map<String, Set<String>> readers = new HashMap<>();
        collectReaders(graph, readers);
        return readers;
    }

    private static void collectReaders(GraphProto graph, Map<String, Set<String>> readers) {
        graph.getNodeList().forEach(n -> {
            n.getInputList().forEach(i -> readers.computeIfAbsent(i, k -> new TreeSet<>()).add(n.getOpType()));
            n.getAttributeList().forEach(a -> {
                if (a.hasG()) {
                    collectReaders(a.getG(), readers);
                }
                a.getGraphsList().forEach(g -> collectReaders(g, readers));
            });
        });
    }
}
