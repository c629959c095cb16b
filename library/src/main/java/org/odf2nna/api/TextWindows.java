package org.odf2nna.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.data.InputArrays;
import org.odf2nna.data.TokenWindows;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * A language model's data given as plain text: the file cut into windows of token ids for the model's inputs
 * ({@link TokenWindows}), an {@code .npz} archive in the run's temporary folder that every command then reads as it
 * reads the user's own windows. Which input takes the ids, the attention mask (ones) and the positions is read from the
 * model's inputs by their names; a decoder's key/value cache inputs are fed empty as with any data. The window is the
 * ids input's fixed length, or the one given where the export left it open.
 */
public final class TextWindows {

    /**
     * How text is read: the window's length (null: the ids input's fixed length) and a Hugging Face
     * {@code tokenizer.json} (null: the text's bytes are its tokens, a byte-level model's vocabulary of 256).
     */
    public record Reading(Integer window, Path tokenizer) {
    }

    /** What was cut: the archive the run reads, and the text's figures for a line of the command's output. */
    public record Cut(Path windows, Path text, long count, int window, long tokens, String tokenizer) {

        /** "12,345 windows of 128 tokens (bytes) from TEXT". */
        public String describe() {
            return String.format(Locale.ROOT, "%,d windows of %d tokens (%s) from %s", count, window, tokenizer,
                    text);
        }
    }

    private TextWindows() {
    }

    /** Whether {@code file} is read as text: a name ending in {@code .txt}. */
    public static boolean isText(Path file) {
        return file != null && file.getFileName() != null
                && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".txt");
    }

    /**
     * Cuts {@code text} into the windows {@code model} reads, into the temporary folder (which the launcher deletes
     * with the run).
     *
     * @throws InputException where the model is not an ONNX language model the text can feed, the window is open and
     *                        not given, or a token falls outside the model's vocabulary
     */
    public static Cut cut(Path model, Path text, Reading reading) {
        String name = model.getFileName() == null ? "" : model.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".onnx")) {
            throw InputException.usage(text, "is text, cut into token windows for an ONNX language model, and "
                    + model + " is not an .onnx file; give the windows as an .npz archive");
        }
        ModelProto m = OnnxModelFile.read(model);
        List<TokenWindows.Feed> feeds = feeds(m, model);
        ValueInfoProto ids = input(m, feeds.get(0).input());
        int window = window(ids, model, reading.window());
        Path npz;
        try {
            npz = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "odf2nna-text-", ".npz");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a file in the temporary folder: " + e.getMessage(), e);
        }
        npz.toFile().deleteOnExit();
        TokenWindows.Written w = TokenWindows.write(text, reading.tokenizer(), window, feeds, npz);
        long vocabulary = vocabulary(m);
        if (vocabulary > 0 && w.largestId() >= vocabulary) {
            npz.toFile().delete();
            throw InputException.usage(text, (reading.tokenizer() == null ? "byte-level tokens go up to "
                    : "its tokenizer gives ids up to ") + w.largestId() + ", and the model's vocabulary holds "
                    + vocabulary + " (the last axis of output '" + m.getGraph().getOutput(0).getName() + "'); "
                    + (reading.tokenizer() == null ? "give the model's tokenizer with " + Setting.TOKENIZER.ref() + " tokenizer.json"
                            : "give the tokenizer the model was trained with"));
        }
        String by = reading.tokenizer() == null ? "bytes" : reading.tokenizer().getFileName().toString();
        return new Cut(npz, text, w.windows(), window, w.tokens(), by);
    }

    /** The model's inputs the windows feed, the ids first. */
    private static List<TokenWindows.Feed> feeds(ModelProto m, Path model) {
        Set<String> weights = new HashSet<>();
        m.getGraph().getInitializerList().forEach(t -> weights.add(t.getName()));
        List<TokenWindows.Feed> feeds = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (ValueInfoProto v : m.getGraph().getInputList()) {
            String name = v.getName();
            String lower = name.toLowerCase(Locale.ROOT);
            if (weights.contains(name) || InputArrays.isPastCache(name) || InputArrays.isCacheSwitch(name)) {
                continue;
            }
            if (lower.contains("mask")) {
                feeds.add(new TokenWindows.Feed(name, TokenWindows.Role.ONES));
            } else if (lower.contains("position")) {
                feeds.add(new TokenWindows.Feed(name, TokenWindows.Role.POSITIONS));
            } else {
                ids.add(name);
            }
        }
        if (ids.size() != 1 || !isInteger(input(m, ids.get(0)))) {
            String found = ids.size() == 1 ? "its input '" + ids.get(0) + "' holds "
                    + TensorProto.DataType.forNumber(input(m, ids.get(0)).getType().getTensorType().getElemType())
                    + " values" : "its inputs beside a mask and positions are " + (ids.isEmpty() ? "none"
                    : String.join(", ", ids));
            throw InputException.usage(model, "graph inputs: a text file is read as the token ids of a language "
                    + "model's one int input (beside its mask and positions), and " + found + "; give the rows as "
                    + "an .npz archive with an array per input");
        }
        feeds.add(0, new TokenWindows.Feed(ids.get(0), TokenWindows.Role.IDS));
        return feeds;
    }

    private static int window(ValueInfoProto ids, Path model, Integer given) {
        List<TensorShapeProto.Dimension> dims = ids.getType().getTensorType().getShape().getDimList();
        long fixed = dims.size() == 2 && dims.get(1).hasDimValue() ? dims.get(1).getDimValue() : -1;
        if (dims.size() != 2) {
            throw InputException.usage(model, "input '" + ids.getName() + "' has rank " + dims.size() + "; text is "
                    + "cut into windows for an input of token ids [batch, positions]");
        }
        if (fixed > 0 && given != null && given != fixed) {
            throw InputException.usage(model, "input '" + ids.getName() + "' takes windows of " + fixed
                    + " tokens, and " + Setting.WINDOW.ref() + " gives " + given);
        }
        if (fixed > 0) {
            return (int) fixed;
        }
        if (given == null) {
            throw InputException.usage(model, "input '" + ids.getName() + "' takes windows of any length; give "
                    + "the context the model was trained on with " + Setting.WINDOW.ref() + " N");
        }
        return given;
    }

    private static long vocabulary(ModelProto m) {
        if (m.getGraph().getOutputCount() == 0) {
            return -1;
        }
        List<TensorShapeProto.Dimension> dims = m.getGraph().getOutput(0).getType().getTensorType().getShape()
                .getDimList();
        return dims.isEmpty() || !dims.get(dims.size() - 1).hasDimValue() ? -1
                : dims.get(dims.size() - 1).getDimValue();
    }

    private static boolean isInteger(ValueInfoProto v) {
        int t = v.getType().getTensorType().getElemType();
        return t == TensorProto.DataType.INT64_VALUE || t == TensorProto.DataType.INT32_VALUE;
    }

    private static ValueInfoProto input(ModelProto m, String name) {
        return m.getGraph().getInputList().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }
}
