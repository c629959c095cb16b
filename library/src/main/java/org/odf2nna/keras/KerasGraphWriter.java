package org.odf2nna.keras;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.jhdf.HdfFile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.keras.KerasWeights.Weight;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Writes a pruned (and retrained) graph of a Keras model back as a {@code .keras} archive in the original's layout:
 * every layer's config as it was but the widths ({@code filters} of a Conv2D, {@code units} of a Dense, a Reshape's
 * target, the input shapes each layer records), every weight read from the graph's initializers of the layer's nodes
 * (their names are the Keras layers', {@link KerasGraph}) and put back in Keras' layout. The walk over the layers is
 * the one the dense chain's writer takes too, {@link KerasLayoutWalk}; what is here is where each layer's values come
 * from in the graph.
 *
 * <p>The graph every command reads is cleaned: a BatchNormalization after a Conv or Dense is folded into its weights and
 * bias, as is an operation on a constant right after it ({@code x + 3.0} of MobileNetV3's hard-sigmoid). Written back,
 * the layer gets the folded weights with the constants' own scales taken out again, and the BatchNormalization the
 * identity on its channels (gamma 1, moving mean 0, moving variance 1 − ε) with the folded bias as its beta, as the
 * dense chain's writer writes a folded one (both through {@link KerasSameLayout}): the file computes what the graph
 * computes.
 *
 * <p>A {@code .keras} file is written back as {@code .keras}, a legacy {@code .h5} as {@code .h5}. What cannot be written
 * back is refused before any work ({@link #check}): a fold into a layer's inputs, a per-channel constant folded into a layer, a
 * layer with weights that has no node in the graph.
 */
public final class KerasGraphWriter {

    /**
     * The folds the cleaning made into a node: the nodes folded (by name, in the order they were folded, the nearest
     * first) and whether they went into the layer's inputs.
     */
    public record Fold(List<String> nodes, String into, boolean onInputs) {

        public Fold {
            nodes = List.copyOf(nodes);
        }
    }

    private final KerasModel original;
    private final Map<String, TensorProto> inits = new HashMap<>();
    private final Map<String, NodeProto> nodes = new LinkedHashMap<>();
    private final Map<String, NodeProto> originalNodes = new HashMap<>();
    private final Map<String, TensorProto> originalInits = new HashMap<>();
    /** Per node, the Keras layers folded into it in order. */
    private final Map<String, List<String>> foldedInto = new HashMap<>();
    /** Per folded Keras layer, the node it went into. */
    private final Map<String, String> foldedLayer = new HashMap<>();

    private KerasGraphWriter(KerasModel original, ModelProto graph, List<Fold> folds) {
        this.original = original;
        index(graph.getGraph(), nodes, inits);
        index(original.backbone().graph().getGraph(), originalNodes, originalInits);
        for (Fold f : folds) {
            if (f.onInputs()) {
                continue;
            }
            for (String n : f.nodes()) {
                String layer = layerOf(n);
                foldedInto.computeIfAbsent(f.into(), k -> new ArrayList<>()).add(layer);
                foldedLayer.put(layer, f.into());
            }
        }
    }

    private static void index(GraphProto g, Map<String, NodeProto> nodes, Map<String, TensorProto> inits) {
        g.getNodeList().forEach(n -> nodes.put(n.getName(), n));
        g.getInitializerList().forEach(t -> inits.put(t.getName(), t));
    }

    /** The Keras layer a node of the translated graph belongs to: its name before the last '/'. */
    static String layerOf(String node) {
        int slash = node.lastIndexOf('/');
        return slash < 0 ? node : node.substring(0, slash);
    }

    /**
     * {@link #check(KerasModel, List)}, and with {@code legacyOut} for a .keras archive, that every layer's variables
     * have the names a legacy .h5 gives them ({@link KerasLegacyH5#variableNames}).
     */
    public static void check(KerasModel original, List<Fold> folds, boolean legacyOut) {
        check(original, folds);
        if (!legacyOut || original.sourceFile().container() != KerasFiles.Container.KERAS_ZIP) {
            return;
        }
        try (HdfFile in = KerasSameLayout.weights(original)) {
            KerasModel.SourceFile file = original.sourceFile();
            KerasWeights weights = new KerasWeights(file.source(), file.container(), in);
            Map<String, Integer> counts = new HashMap<>();
            JsonArray layers = original.modelConfig().getAsJsonObject("config").getAsJsonArray("layers");
            for (int i = 0; i < layers.size(); i++) {
                KerasConfig.Layer layer = KerasConfig.layer(layers.get(i).getAsJsonObject(), i);
                int count = weights.ofAny(layer.name(), KerasReader.groupName(layer.kind(), counts), layer.place())
                        .size();
                if (KerasLegacyH5.variableNames(layer, count) == null) {
                    throw InputException.usage(file.source() + ": layer '" + layer.name() + "' (" + layer.kind()
                            + ") has " + count + " variables this tool cannot name in a legacy .h5; write .keras or "
                            + ".onnx");
                }
            }
        }
    }

    /**
     * Refuses, before any pruning, a Keras model whose pruned graph this writer cannot write back, in one line naming
     * the first reason and what works instead.
     */
    public static void check(KerasModel original, List<Fold> folds) {
        String source = original.sourceFile().source().toString();
        if (original.backbone() == null) {
            throw new IllegalArgumentException("a dense chain is written by KerasWriter");
        }
        KerasGraphWriter w = new KerasGraphWriter(original, original.backbone().graph(), folds);
        for (Fold f : folds) {
            if (f.onInputs()) {
                throw InputException.usage(source + ": " + String.join(", ", f.nodes()) + " folded into the inputs of "
                        + f.into() + " cannot be written back as Keras layers; write ONNX (-o NAME.onnx)");
            }
        }
        w.layers((layer, kind) -> w.checkLayer(layer, kind));
    }

    /**
     * The Keras file of {@code graph}, a pruned form of {@code original}'s graph, in {@code original}'s container: a
     * .keras archive, or a legacy .h5 file ({@link KerasLegacyH5}); {@link #check} passed.
     */
    public static byte[] write(KerasModel original, ModelProto graph, List<Fold> folds) {
        return write(original, graph, folds, original.sourceFile().container() == KerasFiles.Container.LEGACY_H5);
    }

    /**
     * {@link #write(KerasModel, ModelProto, List)} as a legacy .h5 file when {@code legacyOut} (from a .keras archive
     * too: {@link #check} with the same flag passed), else as a .keras archive from a .keras archive.
     */
    public static byte[] write(KerasModel original, ModelProto graph, List<Fold> folds, boolean legacyOut) {
        KerasGraphWriter w = new KerasGraphWriter(original, graph, folds);
        KerasModel.SourceFile file = original.sourceFile();
        boolean legacyIn = file.container() == KerasFiles.Container.LEGACY_H5;
        try (HdfFile in = legacyIn ? new HdfFile(file.source()) : KerasSameLayout.weights(original)) {
            GraphValues values = w.new GraphValues(new KerasWeights(file.source(), file.container(), in),
                    legacyOut && !legacyIn);
            KerasLayoutWalk.Written written = KerasLayoutWalk.walk(original, 0, values);
            JsonObject root = written.root();
            Map<String, Object> replaced = written.replaced();
            if (legacyOut) {
                // A legacy file's model_config holds the model's class and config alone.
                JsonObject config = new JsonObject();
                config.add("class_name", root.get("class_name"));
                config.add("config", root.get("config"));
                List<KerasLegacyH5.LayerVariables> variables = values.variables(replaced);
                byte[] h5 = KerasFileParts.writeH5(out -> legacyIn ? KerasLegacyH5.copy(in, out, replaced)
                        : KerasLegacyH5.fromKeras(in, out, variables, replaced, file.kerasVersion()));
                KerasFileParts.checkAllWritten(replaced);
                return KerasLegacyH5.withConfig(h5, KerasFileParts.GSON.toJson(config));
            }
            return KerasSameLayout.archive(original, in, root, replaced);
        }
    }

    /**
     * The pruned graph's values for {@link KerasLayoutWalk}, layer by layer: each layer's variables found in the file
     * as it is entered; with {@code listVariables}, every layer's variables listed for a legacy file made from the
     * archive.
     */
    private final class GraphValues implements KerasLayoutWalk.Source {

        private final KerasWeights weights;
        private final boolean listVariables;
        private final Map<String, Integer> counts = new HashMap<>();
        private final List<KerasConfig.Layer> listed = new ArrayList<>();
        private final List<List<Weight>> listedVariables = new ArrayList<>();
        /** The variables of the layer entered last. */
        private List<Weight> vars = List.of();

        GraphValues(KerasWeights weights, boolean listVariables) {
            this.weights = weights;
            this.listVariables = listVariables;
        }

        @Override
        public void enter(KerasConfig.Layer layer) {
            String group = KerasReader.groupName(layer.kind(), counts);
            vars = WEIGHTED.contains(layer.kind()) ? weights.of(layer.name(), group, layer.place())
                    : listVariables ? weights.ofAny(layer.name(), group, layer.place()) : List.of();
            if (listVariables) {
                listed.add(layer);
                listedVariables.add(vars);
            }
        }

        @Override
        public KerasLayoutWalk.Weighted weighted(KerasConfig.Layer layer) {
            return KerasGraphWriter.this.weighted(layer, vars);
        }

        @Override
        public KerasLayoutWalk.BatchNorm batchNorm(KerasConfig.Layer layer) {
            return KerasGraphWriter.this.batchNorm(layer, vars);
        }

        @Override
        public Map<String, Object> normalization(KerasConfig.Layer layer) {
            return KerasGraphWriter.this.normalization(layer, vars);
        }

        @Override
        public KerasLayoutWalk.Rescaling rescaling(KerasConfig.Layer layer) {
            TensorProto scale = inits.get(layer.name() + ".scale");
            TensorProto offset = inits.get(layer.name() + ".offset");
            return new KerasLayoutWalk.Rescaling(scale == null ? null : values(scale),
                    offset == null ? null : values(offset));
        }

        /** Each layer's variables' paths in the archive, a bias the walk added (use_bias turned on) after them. */
        List<KerasLegacyH5.LayerVariables> variables(Map<String, Object> replaced) {
            List<KerasLegacyH5.LayerVariables> out = new ArrayList<>();
            for (int i = 0; i < listed.size(); i++) {
                List<String> paths = new ArrayList<>(listedVariables.get(i).stream().map(Weight::path).toList());
                if (!paths.isEmpty()) {
                    String added = KerasWeights.varsGroupOf(paths.get(0)) + "/" + paths.size();
                    if (replaced.containsKey(added)) {
                        paths.add(added);
                    }
                }
                out.add(new KerasLegacyH5.LayerVariables(listed.get(i), paths));
            }
            return out;
        }
    }

    /** The layer classes whose weights are written from the graph (every other layer's datasets are copied). */
    private static final java.util.Set<String> WEIGHTED = java.util.Set.of("Conv1D", "Conv2D", "DepthwiseConv2D",
            "Dense", "BatchNormalization", "Normalization");

    private interface LayerVisit {
        void visit(KerasConfig.Layer layer, String kind);
    }

    private void layers(LayerVisit visit) {
        JsonArray layers = original.modelConfig().getAsJsonObject("config").getAsJsonArray("layers");
        for (int i = 0; i < layers.size(); i++) {
            KerasConfig.Layer layer = KerasConfig.layer(layers.get(i).getAsJsonObject(), i);
            visit.visit(layer, layer.kind());
        }
    }

    /** Whether a layer can be written back from the graph (its nodes found, its folds invertible). */
    private void checkLayer(KerasConfig.Layer layer, String kind) {
        String source = original.sourceFile().source().toString();
        switch (kind) {
            case "Conv2D", "Conv1D", "DepthwiseConv2D", "Dense" -> {
                NodeProto n = layerNode(layer.name());
                if (n == null) {
                    throw InputException.usage(source + ": layer '" + layer.name() + "' (" + kind + ") has no node in "
                            + "the graph to write it back from; write ONNX (-o NAME.onnx)");
                }
                affines(layer.name(), n.getName());
            }
            case "SeparableConv2D", "Conv3D", "Conv2DTranspose", "Conv1DTranspose", "LayerNormalization",
                    "Embedding", "PReLU" -> throw InputException.usage(source + ": layer '" + layer.name() + "' is a "
                    + kind + ", which is not written back as Keras after pruning; write ONNX (-o NAME.onnx)");
            default -> {
            }
        }
    }

    /** The node of a weighted layer: its Conv, Gemm or MatMul. */
    private NodeProto layerNode(String layer) {
        for (String op : List.of("Conv", "Gemm", "MatMul")) {
            NodeProto n = nodes.get(layer + "/" + op);
            if (n != null) {
                return n;
            }
        }
        return null;
    }

    // ---- per layer: the values the walk asks for ---------------------------------------------------------------

    /**
     * An adapted Normalization's mean and variance from its graph's scale s and offset t (x·s + t, s = 1/σ,
     * t = −μ/σ), where retraining may have changed them; its other datasets (the count) as they were.
     */
    private Map<String, Object> normalization(KerasConfig.Layer layer, List<Weight> vars) {
        TensorProto scale = inits.get(layer.name() + ".scale");
        TensorProto offset = inits.get(layer.name() + ".offset");
        JsonObject config = layer.config();
        boolean invert = config.has("invert") && config.get("invert").getAsBoolean();
        boolean given = config.has("mean") && !config.get("mean").isJsonNull();
        if (scale == null || offset == null || invert || given || vars.size() < 2) {
            return Map.of();
        }
        float[] s = values(scale);
        float[] t = values(offset);
        int n = vars.get(0).values().length;
        float[] mean = new float[n];
        float[] variance = new float[n];
        for (int j = 0; j < n; j++) {
            double sj = s.length == 1 ? s[0] : s[j];
            double tj = t.length == 1 ? t[0] : t[j];
            double sd = 1 / sj;
            variance[j] = (float) (sd * sd);
            mean[j] = (float) (-tj * sd);
        }
        Map<String, Object> datasets = new LinkedHashMap<>();
        datasets.put(vars.get(0).path(), KerasArrays.nested(mean, vars.get(0).shape()));
        datasets.put(vars.get(1).path(), KerasArrays.nested(variance, vars.get(1).shape()));
        return datasets;
    }

    /** A Conv2D, DepthwiseConv2D or Dense: its weights from the graph, the constants folded into them taken out. */
    private KerasLayoutWalk.Weighted weighted(KerasConfig.Layer layer, List<Weight> vars) {
        NodeProto n = layerNode(layer.name());
        TensorProto k = inits.get(n.getInput(1));
        long[] dims = OnnxValues.dims(k);
        float[] w = values(k);
        boolean gemm = !n.getOpType().equals("Conv");
        boolean transB = gemm && n.getAttributeList().stream().anyMatch(a -> a.getName().equals("transB")
                && a.getI() == 1);
        int units = (int) (gemm && !transB ? dims[1] : dims[0]);
        float[] b = new float[units];
        String biasName = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? n.getInput(2) : null;
        if (biasName == null && n.getOpType().equals("MatMul")) {
            biasName = addedBias(n);
        }
        if (biasName != null) {
            float[] given = values(inits.get(biasName));
            for (int j = 0; j < units; j++) {
                b[j] = given.length == 1 ? given[0] : given[j];
            }
        }
        Unfolded u = unfold(layer.name(), n.getName(), units, b);
        scaleUnits(w, dims, gemm, transB, u.inverseScale());
        JsonObject config = layer.config();
        String kernelPath = vars.get(0).path();
        Object kernel = switch (layer.kind()) {
            case "Dense" -> KerasArrays.nested(gemm && transB ? KerasArrays.transpose(w, dims) : w,
                    new int[] {(int) (transB ? dims[1] : dims[0]), units});
            case "DepthwiseConv2D" -> KerasArrays.depthwiseToKeras(w, dims,
                    (int) KerasConfig.number(config, "depth_multiplier", 1));
            default -> KerasArrays.convToKeras(w, dims);
        };
        boolean useBias = !config.has("use_bias") || config.get("use_bias").getAsBoolean();
        String addedPath = KerasWeights.varsGroupOf(kernelPath)
                + (original.sourceFile().container() == KerasFiles.Container.LEGACY_H5 ? "/bias" : "/1");
        String biasPath = !useBias ? null : vars.size() > 1 ? vars.get(1).path() : addedPath;
        return new KerasLayoutWalk.Weighted(units, kernelPath, kernel, biasPath, addedPath, u.bias(), false);
    }

    /** A MatMul's bias: the constant of the Add that reads it alone (Keras' Dense over a higher-rank tensor). */
    private String addedBias(NodeProto matmul) {
        for (NodeProto m : nodes.values()) {
            if (m.getOpType().equals("Add") && m.getInputCount() == 2 && m.getInput(0).equals(matmul.getOutput(0))
                    && inits.containsKey(m.getInput(1))) {
                return m.getInput(1);
            }
        }
        return null;
    }

    /** The layer's own bias and the per-unit divisor of its weights, once the folded constants are taken out. */
    private record Unfolded(float[] bias, float[] inverseScale) {
    }

    /**
     * Takes the folded operations out of a layer's bias {@code b} (its weights' scale comes back as the divisor): the
     * folds after a BatchNormalization are undone with their own constants; the BatchNormalization takes what is left
     * of the bias as its beta (its gamma 1, mean 0, variance 1 − ε, recorded in {@link #batchNormBeta}).
     */
    private Unfolded unfold(String layer, String node, int units, float[] b) {
        double[] scale = filled(units, 1);
        double[] bias = new double[units];
        for (int j = 0; j < units; j++) {
            bias[j] = b[j];
        }
        List<Affine> chain = affines(layer, node);
        // Outermost first: y = s·z + t undone as z = (y − t) / s, down to the BatchNormalization or the layer.
        for (int i = chain.size() - 1; i >= 0; i--) {
            Affine a = chain.get(i);
            if (a.batchNorm() != null) {
                // The operations between the layer and the BatchNormalization (none in Keras' applications) stay:
                // their composite S·z + T, the layer's weights divided by S, T taken from the beta.
                double inner = 1;
                double shift = 0;
                for (int k = 0; k < i; k++) {
                    inner *= chain.get(k).scale();
                    shift = shift * chain.get(k).scale() + chain.get(k).shift();
                }
                float[] beta = new float[units];
                for (int j = 0; j < units; j++) {
                    beta[j] = (float) (bias[j] - shift);
                    bias[j] = 0;
                    scale[j] *= inner;
                }
                batchNormBeta.put(a.batchNorm(), beta);
                break;
            }
            for (int j = 0; j < units; j++) {
                bias[j] = (bias[j] - a.shift()) / a.scale();
                scale[j] *= a.scale();
            }
        }
        float[] out = new float[units];
        float[] inverse = new float[units];
        for (int j = 0; j < units; j++) {
            out[j] = (float) bias[j];
            inverse[j] = (float) (1 / scale[j]);
        }
        return new Unfolded(out, inverse);
    }

    /** The beta a folded BatchNormalization is written with, by its layer name. */
    private final Map<String, float[]> batchNormBeta = new HashMap<>();

    /** A folded operation: {@code y = scale·x + shift} (one number each), or a BatchNormalization (by name). */
    private record Affine(double scale, double shift, String batchNorm) {
    }

    /** The Keras layers folded into {@code node}, innermost first, as affines; refuses what cannot be undone. */
    private List<Affine> affines(String layer, String node) {
        List<Affine> out = new ArrayList<>();
        int batchNorms = 0;
        for (String folded : foldedInto.getOrDefault(node, List.of())) {
            if (isBatchNorm(folded)) {
                out.add(new Affine(1, 0, folded));
                batchNorms++;
                continue;
            }
            out.add(constantAffine(layer, folded));
        }
        if (batchNorms > 1) {
            throw InputException.usage(original.sourceFile().source() + ": layer '" + layer + "' has " + batchNorms
                    + " BatchNormalizations folded into it; write ONNX (-o NAME.onnx)");
        }
        return out;
    }

    private boolean isBatchNorm(String layer) {
        return originalNodes.containsKey(layer + "/BatchNormalization");
    }

    /** A folded constant operation (Add, Sub, Mul, Div by one number) as an affine, from the original graph. */
    private Affine constantAffine(String layer, String folded) {
        for (String op : List.of("Add", "Sub", "Mul", "Div")) {
            NodeProto n = originalNodes.get(folded + "/" + op);
            if (n == null || n.getInputCount() != 2) {
                continue;
            }
            boolean first = originalInits.containsKey(n.getInput(0));
            TensorProto c = originalInits.get(n.getInput(first ? 0 : 1));
            float[] v = c == null ? null : values(c);
            if (v == null || v.length != 1) {
                break;
            }
            double k = v[0];
            Affine a = switch (op) {
                case "Add" -> new Affine(1, k, null);
                case "Sub" -> first ? new Affine(-1, k, null) : new Affine(1, -k, null);
                case "Mul" -> k == 0 ? null : new Affine(k, 0, null);
                default -> first || k == 0 ? null : new Affine(1 / k, 0, null);
            };
            if (a != null) {
                return a;
            }
            break;
        }
        throw InputException.usage(original.sourceFile().source() + ": layer '" + folded + "', folded into '" + layer
                + "' when the graph was cleaned, is not an operation by one number; it cannot be written back as "
                + "Keras; write ONNX (-o NAME.onnx)");
    }

    /** A BatchNormalization: its node's parameters where it is still one, the identity with its beta where folded. */
    private KerasLayoutWalk.BatchNorm batchNorm(KerasConfig.Layer layer, List<Weight> vars) {
        NodeProto n = nodes.get(layer.name() + "/BatchNormalization");
        JsonObject config = layer.config();
        boolean scale = !config.has("scale") || config.get("scale").getAsBoolean();
        boolean center = !config.has("center") || config.get("center").getAsBoolean();
        List<String> roles = KerasConfig.batchNormRoles(scale, center);
        if (n == null) {
            return foldedBatchNorm(layer, roles, vars.stream().map(Weight::path).toList(), center);
        }
        float[][] p = new float[4][];
        for (int k = 0; k < 4; k++) {
            p[k] = values(inits.get(n.getInput(k + 1)));
        }
        Map<String, Object> datasets = new LinkedHashMap<>();
        for (int r = 0; r < roles.size(); r++) {
            int k = switch (roles.get(r)) {
                case "gamma" -> 0;
                case "beta" -> 1;
                case "moving_mean" -> 2;
                default -> 3;
            };
            datasets.put(vars.get(r).path(), p[k]);
        }
        return new KerasLayoutWalk.Parameters(datasets);
    }

    /** A BatchNormalization folded into the layer before it: the identity, with the beta {@link #unfold} left it. */
    private KerasLayoutWalk.Identity foldedBatchNorm(KerasConfig.Layer layer, List<String> roles, List<String> paths,
            boolean center) {
        float[] beta = batchNormBeta.get(layer.name());
        if (beta == null) {
            throw new IllegalStateException("BatchNormalization " + layer.name() + " is neither in the graph nor "
                    + "folded into a layer written back");
        }
        return new KerasLayoutWalk.Identity(layer.name(), KerasConfig.number(layer.config(), "epsilon", 1e-3), roles,
                paths, beta, false, center);
    }

    // ---- values ----------------------------------------------------------------------------------------------

    private float[] values(TensorProto t) {
        return OnnxValues.floats(t, original.sourceFile().source(), t.getName());
    }

    private static void scaleUnits(float[] w, long[] dims, boolean gemm, boolean transB, float[] inverse) {
        if (gemm && !transB) {
            int units = (int) dims[1];
            for (int i = 0; i < w.length; i++) {
                w[i] *= inverse[i % units];
            }
            return;
        }
        int per = (int) (w.length / dims[0]);
        for (int i = 0; i < w.length; i++) {
            w[i] *= inverse[i / per];
        }
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
