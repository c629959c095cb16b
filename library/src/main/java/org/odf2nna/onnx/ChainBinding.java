package org.odf2nna.onnx;

import java.util.List;

/**
 * How the dense chain of the internal model maps onto the ONNX graph.
 *
 * @param dataInput   the graph input fed with data rows
 * @param chainInput  the tensor the first dense layer reads (the data input itself when there is no prefix)
 * @param output      the graph output
 * @param layers      one binding per dense layer, input to output
 */
record ChainBinding(String dataInput, String chainInput, String output, List<LayerBinding> layers) {

    ChainBinding {
        layers = List.copyOf(layers);
    }

    /** Tensors holding each hidden layer's unit outputs, the ones the scoring graph exposes. */
    List<String> hiddenUnitOutputs() {
        return layers.subList(0, layers.size() - 1).stream().map(LayerBinding::unitOutput).toList();
    }
}
