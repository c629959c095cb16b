package org.odf2nna.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the tool reads a model, as {@code inspect} shows it: the graph's header, the input, the prefix kept as it is,
 * the dense layers, the head and the task inferred from it, and the operator types of the graph. The JSON report
 * writes the parts' fields among its own ({@link JsonInline}), as it did before they were grouped.
 *
 * @param model     the model file or SavedModel directory, as given
 * @param format    the format it was read as: {@code onnx}, {@code keras} or {@code savedmodel}
 * @param graph     the header of the ONNX graph the tool works on
 * @param front     the input tensor and what stands before the dense chain
 * @param chain     the dense chain: its head, the task inferred from it, its widths and layers
 * @param operators how many nodes of each operator type the graph holds, by name
 * @param keras     for a Keras file, what it is and the BatchNormalization layers folded
 * @param cleaned   what the cleaning pass did to the graph before anything else read it, one phrase per pass that
 *                  changed something ({@code 2 Casts to the same type removed (/Cast_18, /Cast_19)}); empty when it
 *                  changed nothing
 */
public record ModelDescription(String model, String format, Graph graph, Front front, Chain chain,
        Map<String, Integer> operators, Keras keras, List<String> cleaned) {

    public ModelDescription {
        operators = Collections.unmodifiableMap(new LinkedHashMap<>(operators));
        cleaned = List.copyOf(cleaned);
    }

    /**
     * The header of the graph the tool works on (for a Keras file or SavedModel, the one it was converted to).
     *
     * @param irVersion its ONNX IR version
     * @param opset     its default-domain opset
     * @param producer  its producer name and version, or ""
     */
    @JsonInline
    public record Graph(long irVersion, long opset, String producer) {
    }

    /**
     * What the network reads.
     *
     * @param input           the input tensor's name
     * @param inputShape      its shape, as {@code [batch, 1, 8, 8]}
     * @param prefix          {@code none}, {@code preprocessing} or {@code backbone}: what stands before the dense
     *                        chain
     * @param prefixOperators the prefix's operators, in graph order
     */
    @JsonInline
    public record Front(String input, String inputShape, String prefix, List<String> prefixOperators) {

        public Front {
            prefixOperators = List.copyOf(prefixOperators);
        }
    }

    /**
     * The dense chain.
     *
     * @param head         the output head ({@code Softmax}, ...), or {@code none (logits)} / {@code none (values)}
     * @param task         {@code classification (N classes)} or {@code regression}, inferred from the outputs and
     *                     the head
     * @param outputs      the network's outputs per row
     * @param architecture the layer widths, as {@code 64-32-10}
     * @param parameters   the dense chain's weights and biases
     * @param layers       the dense layers, input to output
     */
    @JsonInline
    public record Chain(String head, String task, int outputs, String architecture, long parameters,
            List<Layer> layers) {

        public Chain {
            layers = List.copyOf(layers);
        }
    }

    /**
     * What a Keras file is.
     *
     * @param batchNormsFolded each BatchNormalization layer and the dense layer it was folded into
     *                         ({@code batch_normalization into dense_6 (on its outputs)}); empty otherwise
     * @param kerasFile        what the file is ({@code Keras 3.5.0 .keras}, {@code Keras 2.1.1 HDF5 (.h5)}); null for
     *                         another format (and then left out of the JSON)
     */
    @JsonInline
    public record Keras(List<String> batchNormsFolded, String kerasFile) {

        public Keras {
            batchNormsFolded = List.copyOf(batchNormsFolded);
        }
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
        return keras.kerasFile() != null;
    }

    /** Whether the network has no hidden layer, and so nothing to prune. */
    public boolean nothingToPrune() {
        return chain.layers().stream().noneMatch(Layer::hidden);
    }
}
