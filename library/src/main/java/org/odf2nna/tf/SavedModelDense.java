package org.odf2nna.tf;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.odf2nna.network.DenseNetwork;

/**
 * A TensorFlow SavedModel read as a dense network.
 *
 * @param source              the SavedModel directory
 * @param network             the dense chain, prefix {@code NONE}, in canonical form (a sigmoid, softmax or
 *                            log-softmax at the very end is the {@link org.odf2nna.network.OutputHead})
 * @param servingInput        the graph tensor the {@code serving_default} signature feeds, e.g.
 *                            {@code serving_default_dense_input:0}
 * @param servingOutput       the graph tensor it fetches, e.g. {@code StatefulPartitionedCall:0}
 * @param layerNames          a name per dense layer, input to output (Keras layer names, or the name scopes
 *                            of a plain graph)
 * @param featureNamesOrEmpty the input features by name, in input order, when the SavedModel records them
 *                            (only those written by {@link SavedModelWriter} with feature names); else empty
 */
public record SavedModelDense(Path source, DenseNetwork network, String servingInput, String servingOutput,
                              List<String> layerNames, List<String> featureNamesOrEmpty) {

    public SavedModelDense {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(servingInput, "servingInput");
        Objects.requireNonNull(servingOutput, "servingOutput");
        layerNames = List.copyOf(layerNames);
        featureNamesOrEmpty = List.copyOf(featureNamesOrEmpty);
        if (layerNames.size() != network.layers().size()) {
            throw new IllegalArgumentException(layerNames.size() + " layer names for " + network.layers().size()
                    + " layers");
        }
        if (!featureNamesOrEmpty.isEmpty() && featureNamesOrEmpty.size() != network.inputs()) {
            throw new IllegalArgumentException(featureNamesOrEmpty.size() + " feature names for "
                    + network.inputs() + " inputs");
        }
    }
}
