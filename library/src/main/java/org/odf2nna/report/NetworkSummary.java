package org.odf2nna.report;

import java.util.List;
import org.odf2nna.network.DenseNetwork;

/**
 * A network's size as the paper's tables give it.
 *
 * @param architecture widths from input to output, e.g. {@code 4-10-3}
 * @param parameters   weights and biases of the dense chain
 * @param hiddenUnits  units per hidden layer
 */
public record NetworkSummary(String architecture, long parameters, List<Integer> hiddenUnits) {

    public NetworkSummary {
        hiddenUnits = List.copyOf(hiddenUnits);
    }

    public static NetworkSummary of(DenseNetwork network) {
        return new NetworkSummary(network.architecture(), network.parameterCount(),
                java.util.Arrays.stream(network.hiddenUnits()).boxed().toList());
    }
}
