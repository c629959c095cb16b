package org.odf2nna.tf;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.OutputHead;

/** What a reading route found: the dense layers in order, their names, and the head. */
record ReadChain(List<String> names, List<DenseLayer> layers, OutputHead head) {

    ReadChain {
        names = List.copyOf(names);
        layers = List.copyOf(layers);
        if (names.size() != layers.size()) {
            throw new IllegalArgumentException(names.size() + " names for " + layers.size() + " layers");
        }
    }

    /**
     * The chain, once each layer's inputs are the layer before's units and the first layer's the signature's width
     * (both reading routes check the same way).
     *
     * @param signatureWidth values per row the serving signature feeds, or ≤ 0 when it does not say
     */
    static ReadChain checked(Path dir, List<String> names, List<DenseLayer> layers, OutputHead head,
            long signatureWidth) {
        for (int i = 1; i < layers.size(); i++) {
            if (layers.get(i).inputs() != layers.get(i - 1).units()) {
                throw new InputException(dir, "layer '" + names.get(i) + "'", "takes " + layers.get(i).inputs()
                        + " inputs but layer '" + names.get(i - 1) + "' has " + layers.get(i - 1).units() + " units");
            }
        }
        if (signatureWidth > 0 && layers.get(0).inputs() != signatureWidth) {
            throw new InputException(dir, "layer '" + names.get(0) + "'", "takes " + layers.get(0).inputs()
                    + " inputs but the serving signature feeds " + signatureWidth + " values per row");
        }
        return new ReadChain(names, layers, head);
    }
}
