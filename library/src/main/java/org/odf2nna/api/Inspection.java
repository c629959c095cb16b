package org.odf2nna.api;

import java.nio.file.Path;
import org.odf2nna.InputException;
import org.odf2nna.method.GraphSweeper;
import org.odf2nna.method.ModelDescriber;
import org.odf2nna.method.ModelFiles;
import org.odf2nna.report.GraphBlocks;
import org.odf2nna.report.ModelDescription;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.ModelInputs;

/**
 * What the tool reads of a model file, without working on it or writing anything: its format, its description as
 * {@code inspect} shows it, the dense blocks a graph's sweep would prune, and whether {@code shrink} and {@code sweep}
 * take the graph's blocks rather than a dense chain.
 */
public final class Inspection {

    private Inspection() {
    }

    /**
     * How the tool reads a model, as the command line's {@code inspect} shows it: input, prefix, dense layers, head,
     * the task inferred from them, and the graph's operators.
     *
     * @param model an ONNX file, a Keras file (.keras, .h5) or a SavedModel directory; never modified
     * @return its description
     * @throws InputException when the file cannot be read or holds no dense chain the tool understands
     */
    public static ModelDescription describe(Path model) {
        return ModelDescriber.describe(model);
    }

    /**
     * The format {@code model} is in, from its content (a Keras file is recognised as such whatever its name).
     *
     * @throws InputException when it is a directory but not a SavedModel
     */
    public static ModelFormat formatOf(Path model) {
        return ModelFiles.formatOf(model);
    }

    /**
     * The dense blocks found anywhere in an ONNX graph (transformer FFNs, MLP-Mixer MLPs, pointwise-convolution and
     * squeeze-excite blocks), as {@code inspect} lists them; null for a Keras file or SavedModel.
     */
    public static GraphBlocks describeBlocks(Path model) {
        return GraphSweeper.describe(model);
    }

    /**
     * {@link #describeBlocks(Path)} for a graph fed as {@code inputs} says: exactly the blocks {@code sweep}'s first
     * round prunes (the same search, its attentions traced on made-up rows), their parameters and share, and a note for
     * each layer in no block saying why.
     */
    public static GraphBlocks describeBlocks(Path model, ModelInputs inputs) {
        return GraphSweeper.describe(model, inputs);
    }

    /**
     * Whether {@code sweep} and {@code shrink} prune {@code model} through its dense blocks: an ONNX file whose dense
     * chain at the end has no hidden layer (or that has no dense chain at the end).
     */
    public static boolean prunesGraphBlocks(Path model) {
        return GraphSweeper.appliesTo(model);
    }

    /**
     * {@link #prunesGraphBlocks(Path)} for a graph fed as {@code inputs} says (its row shape, its other inputs): a graph
     * that holds blocks beyond the hidden layers of a dense chain at its end.
     */
    public static boolean prunesGraphBlocks(Path model, ModelInputs inputs) {
        return GraphSweeper.appliesTo(model, inputs);
    }
}
