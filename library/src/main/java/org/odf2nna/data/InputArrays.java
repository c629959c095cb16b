package org.odf2nna.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Setting;

/**
 * Which array of the data files feeds which input of a model, for every command (issue 72): the one rule. A file of
 * named arrays (an {@code .npz} archive's arrays, a Parquet file's list columns, {@link RowReader#arrayNames}) feeds
 * each input from the array named after it, the labels from the array or column named {@code y}, {@code labels} or
 * {@code label} (or as the label setting names it); array {@code x} feeds the one input that no array is named after and
 * no input setting gives (a single-input model's rows, whatever the input is called); a CSV file or an {@code .npy}
 * array is that one input's rows. Where every input is named by an array, the rows are the first input's in the
 * graph's order (an {@code x} beside them is not read); an input neither named nor left alone for {@code x} is refused
 * in one line naming the inputs and the arrays.
 */
public final class InputArrays {

    /**
     * The input the data files' rows feed and the array they are read from.
     *
     * @param input the graph input
     * @param array its array in the data files: its own name, or {@link RowReader#ROWS}
     */
    public record Choice(String input, String array) {
    }

    private InputArrays() {
    }

    /**
     * The input the rows feed.
     *
     * @param file       the model, for messages
     * @param inputs     the graph's inputs that rows feed, in the graph's order
     * @param given      the inputs the input setting gives (a constant or files of their own)
     * @param pruneInput the input the prune-input setting names, or null
     * @param dataFiles  the run's data files
     * @throws InputException (usage) where no input or several are left for the rows
     */
    public static Choice choose(Path file, List<String> inputs, Collection<String> given, String pruneInput,
            List<Path> dataFiles) {
        if (pruneInput != null) {
            return new Choice(pruneInput, namedInAll(pruneInput, dataFiles) ? pruneInput : RowReader.ROWS);
        }
        List<String> open = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (String name : inputs) {
            boolean inFiles = namedInAll(name, dataFiles);
            // A decoder's key/value cache that no file holds is fed empty, and a merged decoder's switch false
            // (graph.SideInputs), not from the rows.
            if (!given.contains(name) && (inFiles || !(isPastCache(name) || isCacheSwitch(name)))) {
                (inFiles ? named : open).add(name);
            }
        }
        if (open.size() == 1) {
            return new Choice(open.get(0), RowReader.ROWS);
        }
        if (open.isEmpty() && !named.isEmpty()) {
            return new Choice(named.get(0), named.get(0));
        }
        if (inputs.isEmpty()) {
            throw InputException.usage(file, "graph: has no inputs to feed rows to");
        }
        String all = String.join(", ", inputs);
        List<String> arrays = dataFiles.isEmpty() ? List.of() : RowReader.arrayNames(dataFiles.get(0));
        throw InputException.usage(file, "graph inputs: the graph has " + inputs.size() + " inputs (" + all + ")"
                + (open.isEmpty() ? " and each is given by " + Setting.INPUT.ref() + ", so none is left for the rows"
                        : ", " + open.size() + " of them not given and named by no array of the data files ("
                        + String.join(", ", open) + ")") + (arrays.isEmpty() ? "" : "; " + dataFiles.get(0)
                        + " holds arrays " + CsvReader.abbreviate(String.join(", ", arrays))) + "; name each input's "
                + "array after it (an .npz array, a Parquet list column), or give each other input with "
                + Setting.INPUT.ref() + " NAME=FILE (rows) or NAME=0 (a constant), and the one the data files feed "
                + "with " + Setting.PRUNE_INPUT.ref() + " NAME");
    }

    /**
     * Whether an input is a decoder's key/value cache by the names exporters give it: Hugging Face's
     * {@code past_key_values.0.key} (optimum, {@code torch.onnx.export} of a model called with its cache), and
     * {@code past_0} or {@code past.0} (ONNX Runtime's transformers tools).
     */
    public static boolean isPastCache(String input) {
        String n = input.toLowerCase(java.util.Locale.ROOT);
        return n.startsWith("past_key_values") || n.matches("past[._]?\\d+.*");
    }

    /**
     * Whether an input is the switch of optimum's merged decoder ({@code use_cache_branch}, a bool [1] that picks the
     * branch with the cache): fed false, the decoder without its cache, where no file holds it.
     */
    public static boolean isCacheSwitch(String input) {
        return input.equals("use_cache_branch");
    }

    /**
     * Whether every data file holds an array named {@code input} ({@link RowReader#arrayNames}). Arrays {@code x} and
     * {@code y} are the rows and their labels whatever the inputs are called, so they name no input.
     */
    public static boolean namedInAll(String input, List<Path> dataFiles) {
        if (dataFiles.isEmpty() || input.equals(RowReader.ROWS) || input.equals("y")) {
            return false;
        }
        for (Path f : dataFiles) {
            if (!RowReader.arrayNames(f).contains(input)) {
                return false;
            }
        }
        return true;
    }
}
