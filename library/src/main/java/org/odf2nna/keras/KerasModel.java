package org.odf2nna.keras;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * A Keras model file read as a dense network, with what is needed to write a changed network back in the
 * file's own layout: the model config, the file's other parts, and where each layer's weights live.
 *
 * @param sourceFile  the file read: its path, container, Keras version and other parts
 * @param modelConfig {@code {"class_name": ..., "config": ...}} as the file stores it (never changed here)
 * @param network     the dense chain; BatchNormalization layers folded into the dense weights
 * @param layout      where each layer's weights live, and the BatchNormalization layers folded
 * @param inputName   the InputLayer's name (or "input")
 * @param backbone    the layers before the dense head as an ONNX graph, or null for a dense chain
 */
public record KerasModel(SourceFile sourceFile, JsonObject modelConfig, DenseNetwork network, Layout layout, String inputName,
        Backbone backbone) {

    /**
     * The file a model was read from.
     *
     * @param source       the file read
     * @param container    .keras zip or legacy HDF5
     * @param kerasVersion the version the file records ("" when it records none)
     * @param zip          the .keras archive's entries (null for a legacy HDF5 file)
     */
    public record SourceFile(Path source, KerasFiles.Container container, String kerasVersion, List<ZipPart> zip) {

        public SourceFile {
            zip = zip == null ? null : List.copyOf(zip);
        }
    }

    /**
     * Where the dense chain's weights live in the file.
     *
     * @param dense      per network layer, the Keras layer it came from
     * @param batchNorms the BatchNormalization layers folded into the network
     * @param folds      where each of them was folded, in the file's order
     */
    public record Layout(List<DenseBinding> dense, List<BatchNormBinding> batchNorms, List<Fold> folds) {

        /** No dense layer read: a backbone without a head. */
        public static final Layout NONE = new Layout(List.of(), List.of(), List.of());

        public Layout {
            dense = List.copyOf(dense);
            batchNorms = List.copyOf(batchNorms);
            folds = List.copyOf(folds);
        }
    }

    /**
     * The layers before the dense head, translated into an ONNX graph that ends in the head's Gemm nodes: the whole
     * model as every command reads it. Null for a dense chain, read as a {@link DenseNetwork} alone.
     *
     * @param graph     the translated model (the backbone's nodes named after its layers, then the head)
     * @param headStart the config index of the dense head's first layer (the list's size when no head was read)
     * @param kept      the Keras layers of the backbone, in config order, kept as they are
     */
    public record Backbone(ModelProto graph, int headStart, List<String> kept) {

        public Backbone {
            kept = List.copyOf(kept);
        }
    }

    /** A dense chain without a backbone. */
    public KerasModel(SourceFile sourceFile, JsonObject modelConfig, DenseNetwork network, Layout layout, String inputName) {
        this(sourceFile, modelConfig, network, layout, inputName, null);
    }

    /** Where one Dense layer's weights live. {@code biasPath} is null for {@code use_bias=False}. */
    public record DenseBinding(int configIndex, String name, String varsGroup, String kernelPath, String biasPath,
            boolean float64) {
    }

    /**
     * A BatchNormalization layer and its weight datasets in the file's order ({@code roles}: gamma, beta,
     * moving_mean, moving_variance, those present).
     */
    public record BatchNormBinding(int configIndex, String name, List<String> paths, List<String> roles,
            double epsilon, boolean float64) {
    }

    /**
     * A BatchNormalization layer folded into a Dense layer: into its weights and bias, on its outputs (the
     * normalisation came right after the Dense layer, before any activation), or into its kernel rows and bias, on its
     * inputs (the normalisation came before it).
     */
    public record Fold(String batchNorm, String dense, boolean onInputs) {

        /** "batch_normalization into dense_6 (on its outputs)". */
        public String describe() {
            return batchNorm + " into " + dense + (onInputs ? " (on its inputs)" : " (on its outputs)");
        }
    }

    /** One entry of a .keras archive, in archive order. */
    public record ZipPart(String name, byte[] bytes) {
    }

    /** The Keras layer names of the network's dense layers, input to output. */
    public List<String> layerNames() {
        return layout.dense().stream().map(DenseBinding::name).toList();
    }

    /** "Keras 3.5.0 .keras" or "Keras 2.1.1 HDF5", for display. */
    public String describe() {
        String version = sourceFile.kerasVersion().isEmpty() ? "Keras" : "Keras " + sourceFile.kerasVersion();
        return version + (sourceFile.container() == KerasFiles.Container.KERAS_ZIP ? " .keras" : " HDF5 (.h5)");
    }
}
