package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.onnx.cleaning.Cleaned;
import org.odf2nna.onnx.cleaning.CleaningStep;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.ModelFormat;

/**
 * A model as every command sees it, whatever format it came in: the cleaned ONNX graph, and where it came from.
 *
 * @param source      the file or SavedModel folder it was read from
 * @param format      the format it was read as
 * @param description what the source is, in one line ({@code ONNX IR 8, opset 17, producer pytorch 2.1},
 *                    {@code Keras 3.5.0 .keras digits.keras})
 * @param graph       the cleaned ONNX model every command works on (the written models are made from it)
 * @param cleaning    what the cleaning pass did, each rewrite in order; empty when it changed nothing
 * @param cleaningNotes a cleaning pass that stopped on this graph, named with what stopped it
 */
public record InputModel(Path source, ModelFormat format, String description, ModelProto graph,
        List<CleaningStep> cleaning, List<String> cleaningNotes) {

    public InputModel {
        cleaning = List.copyOf(cleaning);
        cleaningNotes = List.copyOf(cleaningNotes);
    }

    /** A model whose cleaning no pass stopped. */
    public InputModel(Path source, ModelFormat format, String description, ModelProto graph,
            List<CleaningStep> cleaning) {
        this(source, format, description, graph, cleaning, List.of());
    }

    /** One phrase per cleaning pass that changed something, then its notes, as {@code inspect} prints them. */
    public List<String> cleaningSummary() {
        return new Cleaned(graph, cleaning, cleaningNotes).summary();
    }
}
