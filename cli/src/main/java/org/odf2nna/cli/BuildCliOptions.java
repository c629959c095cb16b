package org.odf2nna.cli;

import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.method.GeneralModel;
import org.odf2nna.network.Activation;
import picocli.CommandLine.Option;

/** The shape and training length of the general model. */
final class BuildCliOptions {

    @Option(names = "--layers", paramLabel = "NL", defaultValue = "" + GeneralModel.DEFAULT_LAYERS,
            description = "Hidden layers of equal width (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--params", paramLabel = "NP",
            description = "Parameter budget NP of eq. 2 (default: the number of training rows).")
    Long params;

    @Option(names = "--units", paramLabel = "NU", description = "Use this width instead of eq. 2's.")
    Integer units;

    @Option(names = "--activation", paramLabel = "NAME", defaultValue = "relu",
            description = "Hidden activation: relu, tanh, sigmoid, elu, selu, leaky_relu, softplus "
                    + "(default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "300",
            description = "Epochs at most; early stopping on the validation rows may end sooner "
                    + "(default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--build-patience", paramLabel = "N",
            description = "Stop building after N epochs without a better validation figure (default: a tenth of "
                    + "--epochs, at least 10).")
    Integer patience;

    void check() {
        if (layers < 1) {
            throw InputException.usage("--layers must be at least 1, got " + layers);
        }
        if (params != null && params < 1) {
            throw InputException.usage("--params must be positive, got " + params);
        }
        if (units != null && units < 1) {
            throw InputException.usage("--units must be positive, got " + units);
        }
        if (epochs < 1) {
            throw InputException.usage("--epochs must be at least 1, got " + epochs);
        }
        if (patience != null && patience < 0) {
            throw InputException.usage("--build-patience must be 0 or more, got " + patience);
        }
    }

    /** Patience of the general model's training: long enough for small, noisy validation sets. */
    int patience() {
        return patience != null ? patience : Math.max(10, epochs / 10);
    }

    Activation activation() {
        switch (activation.toLowerCase(Locale.ROOT)) {
            case "relu":
                return Activation.RELU;
            case "tanh":
                return Activation.TANH;
            case "sigmoid":
                return Activation.SIGMOID;
            case "elu":
                return Activation.elu(1f);
            case "selu":
                return Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA);
            case "leaky_relu":
            case "leakyrelu":
                return Activation.leakyRelu(0.01f);
            case "softplus":
                return Activation.SOFTPLUS;
            default:
                throw InputException.usage("unknown activation '" + activation
                        + "': use relu, tanh, sigmoid, elu, selu, leaky_relu or softplus");
        }
    }
}
