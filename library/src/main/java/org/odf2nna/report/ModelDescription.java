package org.odf2nna.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the tool reads a model, as {@code inspect} shows it: the graph's header, the input, the prefix kept as it is,
 * the dense layers, the head and the task inferred from it, and the operator types of the graph.
 *
 * @param model            the model file or SavedModel directory, as given
 * @param format           the format it was read as: {@code onnx}, {@code keras} or {@code savedmodel}
 * @param irVersion        the ONNX IR version of the graph the tool works on (for a Keras file or SavedModel, the one
 *                         it was converted to)
 * @param opset            that graph's default-domain opset
 * @param producer         its producer name and version, or ""
 * @param input            the input tensor's name
 * @param inputShape       its shape, as {@code [batch, 1, 8, 8]}
 * @param prefix           {@code none}, {@code preprocessing} or {@code backbone}: what stands before the dense chain
 * @param prefixOperators  the prefix's operators, in graph order
 * @param head             the output head ({@code Softmax}, ...), or {@code none (logits)} / {@code none (values)}
 * @param task             {@code classification (N classes)} or {@code regression}, inferred from the outputs and
 *                         the head
 * @param outputs          the network's outputs per row
 * @param architecture     the layer widths, as {@code 64-32-10}
 * @param parameters       the dense chain's weights and biases
 * @param layers           the dense layers, input to output
 * @param operators        how many nodes of each operator type the graph holds, by name
 * @param batchNormsFolded for a Keras file, each BatchNormalization layer and the dense layer it was folded into
 *                         ({@code batch_normalization into dense_6 (on its outputs)}); empty otherwise
 * @param kerasFile        for a Keras file, what it is ({@code Keras 3.5.0 .keras}, {@code Keras 2.1.1 HDF5 (.h5)});
 *                         null otherwise (and then left out of the JSON)
 * @param cleaned          what the cleaning pass did to the graph before anything else read it, one phrase per pass
 *                         that changed something ({@code 2 Casts to the same type removed (/Cast_18, /Cast_19)});
 *                         empty when it changed nothing
 */
public record ModelDescription(String model, String format, long irVersion, long opset, String producer,
        String input, String inputShape, String prefix, List<String> prefixOperators, String head, String task,
        int outputs, String architecture, long parameters, List<Layer> layers, Map<String, Integer> operators,
        List<String> batchNormsFolded, String kerasFile, List<String> cleaned) {

    public ModelDescription {
        prefixOperators = List.copyOf(prefixOperators);
        layers = List.copyOf(layers);
        operators = Collections.unmodifiableMap(new LinkedHashMap<>(operators));
        batchNormsFolded = List.copyOf(batchNormsFolded);
        cleaned = List.copyOf(cleaned);
    }

    /**
     * One dense layer.
     *
     * @param layer      its number, 1 for the first
     * @param node       the Gemm or MatMul node of the ONNX graph, or for a Keras file the Keras layer's own name
     *                   ({@code dense_6})
     * @param inputs     its inputs
     * @param units      its units
     * @param activation its activation, {@code none} for the identity
     * @param parameters its weights and biases
     * @param hidden     whether it is a hidden layer (false for the output layer)
     */
    public record Layer(int layer, String node, int inputs, int units, String activation, long parameters,
            boolean hidden) {
    }

    /** Whether the model was read from a Keras file. */
    public boolean fromKeras() {
        return kerasFile != null;
    }

    /** Whether the network has no hidden layer, and so nothing to prune. */
    public boolean nothingToPrune() {
        return layers.stream().noneMatch(Layer::hidden);
    }
}
