package org.odf2nna.tf;

import java.util.List;
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
}
