package org.odf2nna.keras;

import io.jhdf.HdfFile;
import org.odf2nna.InputException;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;

/**
 * Writes a {@link DenseNetwork} as a {@code .keras} archive (config.json, metadata.json, model.weights.h5).
 *
 * <p>When the network came from a {@code .keras} file, the archive keeps that file's config (layer names,
 * activations, dtypes, initializers, everything but the widths: {@code units}, {@code build_config} input shapes)
 * and writes each weight to the dataset it was read from, with the new shape; the other entries and HDF5 groups
 * are copied, except the optimizer's state, whose slots had the old shapes (Keras warns that it skips loading it
 * and starts a fresh optimizer). BatchNormalization layers stay in the config with their new width and identity
 * parameters (their old statistics are folded into the dense weights). A {@code Dense(use_bias=False)} whose
 * folding gave it a bias gets {@code use_bias: true} and a bias dataset.
 *
 * <p>Otherwise (a legacy {@code .h5}, an ONNX model, a SavedModel) a new Keras 3 Sequential config is built:
 * an InputLayer and one Dense per layer (names kept when they came from Keras), the activation as the Dense's,
 * or as a separate layer when it has a parameter Keras' names cannot carry (LeakyReLU, ELU, ReLU with a maximum),
 * and the head as the last layer's activation ({@link SequentialConfig}).
 *
 * <p>Writing back into the user's layout is the walk it shares with {@link KerasGraphWriter} (a pruned graph written
 * back into the user's file), {@link KerasLayoutWalk}, with the pruned chain's values ({@link KerasChainSource}).
 */
public final class KerasWriter {

    private KerasWriter() {
    }

    /**
     * The .keras archive of {@code network}: in {@code original}'s layout when that is a .keras model with the
     * same layers and activations, else as a new Sequential config ({@code original} may be null).
     */
    public static byte[] write(KerasModel original, DenseNetwork network) {
        if (original != null && original.backbone() != null) {
            checkExpressible(original, network);
            return sameLayout(original, network);
        }
        if (!network.prefix().isEmpty()) {
            throw new IllegalArgumentException("a network with an input prefix cannot be written as Keras");
        }
        if (original != null && original.sourceFile().container() == KerasFiles.Container.KERAS_ZIP) {
            return sameLayout(original, network);
        }
        return SequentialConfig.fresh(network, original);
    }

    /**
     * Refuses, before any work is done, a network that cannot be written as Keras: an input prefix, or (for a new
     * config) an activation Keras has no name or layer for.
     */
    public static void checkExpressible(KerasModel original, DenseNetwork network) {
        if (original != null && original.backbone() != null) {
            checkBackbone(original, network);
            return;
        }
        if (!network.prefix().isEmpty()) {
            throw InputException.usage("the model has an input prefix (" + String.join(", ", network.prefix().operations())
                    + ") that a Keras file written by this tool cannot express; write ONNX instead");
        }
        if (original == null || original.sourceFile().container() != KerasFiles.Container.KERAS_ZIP) {
            for (DenseLayer layer : network.layers()) {
                SequentialConfig.kerasName(layer.activation());
            }
        }
    }

    /**
     * A model with a backbone is written in its own layout alone, the backbone's layers as they are: a .keras file
     * with a dense head read, whose first Dense layer keeps its inputs (the backbone's output).
     */
    private static void checkBackbone(KerasModel original, DenseNetwork network) {
        String source = original.sourceFile().source().toString();
        if (original.sourceFile().container() != KerasFiles.Container.KERAS_ZIP) {
            throw InputException.usage(source + " is a legacy .h5 with layers before its dense head; a Keras file is "
                    + "written back from a .keras only (model.save(\"model.keras\") in Keras 3), else write ONNX");
        }
        if (original.layout().dense().isEmpty()) {
            throw InputException.usage(source + " has no dense head at its end that this tool reads as a chain; its "
                    + "pruned model is written as ONNX only");
        }
        if (network.inputs() != original.network().inputs()
                || !network.prefix().operations().equals(original.network().prefix().operations())) {
            throw InputException.usage("the pruned model of " + source + " no longer reads the backbone's "
                    + original.network().inputs() + " outputs as they are (" + network.inputs() + " inputs, prefix "
                    + String.join(", ", network.prefix().operations()) + "); a Keras file keeps the backbone and the "
                    + "first Dense layer's inputs: sweep with every input kept, or write ONNX");
        }
    }

    /** Back into the original's own layout: the one walk ({@link KerasLayoutWalk}) with the pruned chain's values. */
    private static byte[] sameLayout(KerasModel original, DenseNetwork network) {
        KerasChainSource values = new KerasChainSource(original, network);
        KerasLayoutWalk.Written written = KerasLayoutWalk.walk(original, values.from(), values);
        try (HdfFile in = KerasSameLayout.weights(original)) {
            return KerasSameLayout.archive(original, in, written.root(), written.replaced());
        }
    }

}
