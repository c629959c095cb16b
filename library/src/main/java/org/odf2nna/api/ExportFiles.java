package org.odf2nna.api;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.method.CompanionFiles;

/**
 * The other files of an export that hold a swept model's weights (a Hugging Face decoder's
 * {@code decoder_with_past_model.onnx} and optimum's {@code decoder_model_merged.onnx} beside
 * {@code decoder_model.onnx}), checked before the sweep ({@link #check}) and written beside its output after it
 * ({@link #writeBeside}), the written model's weights carried over to each by their original values.
 */
public final class ExportFiles {

    /** The keep-block name that keeps every attention block (its heads), as a cache's shape requires. */
    public static final String KEEP_ATTENTION = org.odf2nna.graph.KeptBlocks.ATTENTION;

    private final CompanionFiles.Checked checked;

    private ExportFiles(CompanionFiles.Checked checked) {
        this.checked = checked;
    }

    /**
     * Checks {@code files} against {@code model} before a sweep that writes {@code output}: each holds every weight
     * of the model and is written under its own name beside the output.
     *
     * @throws org.odf2nna.InputException USAGE, in one line naming the file and the problem
     */
    public static ExportFiles check(Path model, List<Path> files, Path output) {
        return new ExportFiles(CompanionFiles.check(model, files, output));
    }

    /** The files whose key/value cache inputs fix the attention heads ([batch, heads, past, head_dim]). */
    public List<Path> withCache() {
        return checked.withCache();
    }

    /**
     * Writes each file beside {@code written} (the sweep's output) under its own name, with the written weights;
     * all or none.
     *
     * @return the files written
     * @throws org.odf2nna.InputException USAGE when a file cannot take the written weights (none written then)
     */
    public List<Path> writeBeside(Path written) {
        return CompanionFiles.write(checked, written);
    }
}
