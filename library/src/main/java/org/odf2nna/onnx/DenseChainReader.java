package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Finds the dense chain at the end of an ONNX graph and reads it into a {@link DenseNetwork}.
 *
 * <p>The walk starts at the graph output and goes backwards: an optional head (Softmax, LogSoftmax,
 * Sigmoid), then layer blocks of the form
 * {@code Gemm | MatMul [+ Add bias]  [BatchNormalization]  [activation]  [BatchNormalization]}, with
 * Identity and inference Dropout allowed anywhere between. It stops at the first tensor that no such
 * block produces: that tensor is the chain input, and everything computing it (Flatten, normalisation,
 * or a whole backbone) is the prefix, kept as it is.
 */
public final class DenseChainReader {

    private static final Set<String> ACTIVATIONS = Set.of(
            "Relu", "LeakyRelu", "Elu", "Selu", "Sigmoid", "Tanh", "Softplus", "HardSigmoid", "Clip", "PRelu");
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "Dropout");
    private static final String BETWEEN_LAYERS = "Relu, LeakyRelu, Elu, Selu, Sigmoid, Tanh, Softplus, HardSigmoid, "
            + "Clip, BatchNormalization, Dropout and Identity";

    private final GraphIndex graph;
    private final Path file;
    private final DenseLayerReader layers;
    private String graphOutput;

    private DenseChainReader(ModelProto model, Path file) {
        this.graph = new GraphIndex(model, file);
        this.file = file;
        this.layers = new DenseLayerReader(graph, file);
    }

    public static OnnxDenseModel read(Path file) {
        return read(OnnxModelFile.read(file), file);
    }

    public static OnnxDenseModel read(ModelProto model, Path file) {
        ModelProto view = Int8Weights.readable(model);
        if (view == model) {
            return new DenseChainReader(model, file).read(model);
        }
        // Layers on integer kernels: read as their int8 weights, marked as quantizing their inputs; ONNX Runtime
        // runs the file itself.
        OnnxDenseModel read = new DenseChainReader(view, file).read(view);
        // The weights the view's own DequantizeLinear nodes write: those of the integer chains.
        java.util.Set<String> before = new java.util.HashSet<>();
        model.getGraph().getNodeList().forEach(n -> before.addAll(n.getOutputList()));
        java.util.Set<String> integer = new java.util.HashSet<>();
        view.getGraph().getNodeList().forEach(n -> n.getOutputList().stream().filter(o -> !before.contains(o))
                .forEach(integer::add));
        List<org.odf2nna.network.DenseLayer> layers = new ArrayList<>(read.network().layers());
        for (int l = 0; l < layers.size(); l++) {
            org.odf2nna.network.DenseLayer layer = layers.get(l);
            if (integer.contains(read.binding().layers().get(l).dense().weight().tensor())) {
                layers.set(l, new org.odf2nna.network.DenseLayer(layer.inputs(), layer.units(), layer.weights(),
                        layer.bias(), layer.activation(), true));
            }
        }
        return new OnnxDenseModel(read.source(), model, read.network().withLayers(layers), read.binding(),
                read.input());
    }

    private OnnxDenseModel read(ModelProto model) {
        InputSignature input = dataInput();
        String output = graphOutput();
        this.graphOutput = output;

        String t = skipPassThrough(output);
        OutputHead head = OutputHead.NONE;
        NodeProto last = graph.producer(t);
        if (last != null && isDefaultDomain(last)) {
            checkInputs(last);
            switch (last.getOpType()) {
                case "Softmax":
                case "LogSoftmax":
                    checkLastAxis(last);
                    head = last.getOpType().equals("Softmax") ? OutputHead.SOFTMAX : OutputHead.LOG_SOFTMAX;
                    t = skipPassThrough(last.getInput(0));
                    break;
                case "Sigmoid":
                    head = OutputHead.SIGMOID;
                    t = skipPassThrough(last.getInput(0));
                    break;
                default:
                    break;
            }
        }

        Deque<Block> blocks = new ArrayDeque<>();
        Block block = parseBlock(t, true);
        while (block != null) {
            blocks.addFirst(block);
            block = parseBlock(block.dataInput, false);
        }
        String chainInput = blocks.getFirst().dataInput;
        checkNoOutsideUse(new ArrayList<>(blocks), output);

        List<DenseLayer> layers = new ArrayList<>();
        List<LayerBinding> bindings = new ArrayList<>();
        Block previous = null;
        for (Block b : blocks) {
            DenseLayer layer = b.layer;
            if (previous != null) {
                if (layer.inputs() != previous.layer.units()) {
                    throw InputException.malformed(file, GraphIndex.describe(b.dense), "takes " + layer.inputs()
                            + " inputs, but the layer before it (" + GraphIndex.describe(previous.dense) + ") has "
                            + previous.layer.units() + " units");
                }
                if (previous.postNorm != null) {
                    layer = NormalisationFold.intoInputs(layer, previous.postNormScale, previous.postNormShift);
                }
            }
            checkFinite(layer, b);
            layers.add(layer);
            bindings.add(b.binding());
            previous = b;
        }
        if (previous.postNorm != null) {
            throw new InputException(file, GraphIndex.describe(graph.producer(previous.postNorm.output())),
                    "follows the output layer; a BatchNormalization there is not supported");
        }
        int valuesPerRow = input.valuesPerRow();
        if (chainInput.equals(input.name()) && valuesPerRow >= 0 && valuesPerRow != layers.get(0).inputs()) {
            // Flat rows ([batch, n]) that the first layer cannot take make a broken model; a MatMul on a wider
            // tensor ([batch, 4, 6]) reads its last axis, a graph the chain reader leaves to the blocks.
            String message = "takes " + layers.get(0).inputs() + " inputs, but the graph input '" + input.name()
                    + "' has shape " + input.describeShape();
            String where = GraphIndex.describe(blocks.getFirst().dense);
            throw input.shape().length == 2 ? InputException.malformed(file, where, message)
                    : new InputException(file, where, message);
        }
        DenseNetwork network = new DenseNetwork(new PrefixReader(graph, file).read(chainInput, input.name(), valuesPerRow),
                layers, head);
        ChainBinding binding = new ChainBinding(input.name(), chainInput, output, bindings);
        return new OnnxDenseModel(file, model, network, binding, input);
    }

    /** NaN or infinite weights (stored so, or from folding alpha, beta and BatchNormalization) are refused. */
    private void checkFinite(DenseLayer layer, Block b) {
        String what = firstNonFinite(layer.weights(), "weight");
        if (what == null) {
            what = firstNonFinite(layer.bias(), "bias");
        }
        if (what != null) {
            // Malformed: refused as it is by every command, never pruned as a graph's block instead.
            throw InputException.malformed(file, GraphIndex.describe(b.dense), "has a " + what + " that is not a finite "
                    + "number (NaN or infinity), as stored or after folding alpha, beta and BatchNormalization; "
                    + "such a layer cannot be scored or pruned");
        }
    }

    private static String firstNonFinite(float[] values, String kind) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return kind + " (value " + i + ": " + values[i] + ")";
            }
        }
        return null;
    }

    // ---- graph input and output ----

    private InputSignature dataInput() {
        List<ValueInfoProto> data = new ArrayList<>();
        for (ValueInfoProto in : graph.graph.getInputList()) {
            if (!graph.isInitializer(in.getName())) {
                data.add(in);
            }
        }
        if (data.isEmpty()) {
            throw new InputException(file, "graph", "has no data input (every input is an initializer)");
        }
        if (data.size() > 1) {
            for (ValueInfoProto extra : data) {
                for (NodeProto user : graph.consumers(extra.getName())) {
                    int slot = user.getInputList().indexOf(extra.getName());
                    if (isDefaultDomain(user) && (user.getOpType().equals("Gemm") || user.getOpType().equals("MatMul"))
                            && slot >= 1) {
                        throw InputException.weightInput(file, extra.getName(), "feeds "
                                + GraphIndex.describe(user) + " as its " + (slot == 1 ? "weight" : "bias")
                                + " but is a graph input, not an initializer: the dense chain needs constant "
                                + "weights (export the model with its weights as initializers)");
                    }
                }
            }
            throw new InputException(file, "graph", "has " + data.size() + " data inputs ("
                    + String.join(", ", data.stream().map(ValueInfoProto::getName).toList())
                    + "); a dense network takes one");
        }
        ValueInfoProto in = data.get(0);
        TypeProto.Tensor type = in.getType().getTensorType();
        int elementType = type.getElemType();
        if (elementType != OnnxTensors.FLOAT && elementType != OnnxTensors.DOUBLE) {
            throw new InputException(file, "input '" + in.getName() + "'", "has element type "
                    + OnnxTensors.typeName(elementType) + "; only FLOAT and DOUBLE inputs are supported");
        }
        long[] shape = new long[0];
        if (type.hasShape()) {
            shape = new long[type.getShape().getDimCount()];
            for (int d = 0; d < shape.length; d++) {
                TensorShapeProto.Dimension dim = type.getShape().getDim(d);
                shape[d] = dim.hasDimValue() ? dim.getDimValue() : -1;
            }
        }
        return new InputSignature(in.getName(), elementType, shape);
    }

    private String graphOutput() {
        int n = graph.graph.getOutputCount();
        if (n == 0) {
            throw new InputException(file, "graph", "has no outputs");
        }
        if (n > 1) {
            throw new InputException(file, "graph", "has " + n + " outputs ("
                    + String.join(", ", graph.graph.getOutputList().stream().map(ValueInfoProto::getName).toList())
                    + "); a dense network has one");
        }
        return graph.graph.getOutput(0).getName();
    }

    private void checkLastAxis(NodeProto node) {
        long defaultAxis = graph.opset >= 13 ? -1 : 1;
        long axis = NodeAttributes.intAttribute(node, "axis", defaultAxis);
        if (axis != -1 && axis != 1) {
            throw new InputException(file, GraphIndex.describe(node), "normalises over axis " + axis
                    + "; only the class axis (1 or -1) of a [batch, classes] output is supported");
        }
    }

    // ---- layer blocks ----

    /** One dense layer as found in the graph, before its binding is final. */
    final class Block {
        NodeProto dense;
        String dataInput;
        DenseLayer layer;
        TensorSlot weight;
        int weightType;
        boolean transposed;
        float alpha = 1;
        LayerBinding.BiasBinding bias;
        LayerBinding.NormBinding preNorm;
        LayerBinding.NormBinding postNorm;
        float[] postNormScale;
        float[] postNormShift;
        NodeProto activationNode;
        String unitOutput;
        final List<String> tensors = new ArrayList<>();

        LayerBinding binding() {
            List<String> ordered = new ArrayList<>(tensors);
            java.util.Collections.reverse(ordered);
            return new LayerBinding(new LayerBinding.DenseOp(GraphIndex.displayName(dense), dense.getOutput(0),
                    dense.getOpType(), weight, weightType, transposed, alpha), bias, preNorm, postNorm,
                    activationNode == null ? null : GraphIndex.key(activationNode), unitOutput, ordered);
        }
    }

    /**
     * Parses the layer block whose output is {@code tensor}, walking backwards. Returns null when no
     * dense block produces it (the walk reached the prefix).
     *
     * @param isOutputLayer true for the block right before the head: there an unsupported operator is an
     *                      error rather than the start of a prefix
     */
    private Block parseBlock(String tensor, boolean isOutputLayer) {
        Block b = new Block();
        NodeProto activation = null;
        NodeProto normAfterActivation = null;
        NodeProto normBeforeActivation = null;
        NodeProto biasAdd = null;
        String biasTensor = null;
        String t = tensor;
        String unitOutput = tensor;
        while (true) {
            NodeProto p = graph.producer(t);
            if (p == null || !isDefaultDomain(p)) {
                return endOfChain(p, t, isOutputLayer, b.tensors.isEmpty() ? null : b);
            }
            String op = p.getOpType();
            checkInputs(p);
            if (PASS_THROUGH.contains(op)) {
                checkPassThrough(p);
                b.tensors.add(t);
                t = p.getInput(0);
                if (activation == null && normAfterActivation == null && biasAdd == null) {
                    unitOutput = t;
                }
                continue;
            }
            if (op.equals("BatchNormalization") && biasAdd == null) {
                if (activation == null && normAfterActivation == null) {
                    normAfterActivation = p;
                } else if (activation != null && normBeforeActivation == null) {
                    normBeforeActivation = p;
                } else {
                    return endOfChain(p, t, isOutputLayer, b);
                }
                b.tensors.add(t);
                t = p.getInput(0);
                if (activation == null) {
                    unitOutput = t;
                }
                continue;
            }
            if (ACTIVATIONS.contains(op) && activation == null && biasAdd == null && normBeforeActivation == null
                    && layers.activationOf(p, false) != null) {
                activation = p;
                b.tensors.add(t);
                unitOutput = t;
                t = p.getInput(0);
                continue;
            }
            if (op.equals("Add") && biasAdd == null && p.getInputCount() == 2) {
                int constantSide = graph.isConstant(p.getInput(1)) ? 1 : graph.isConstant(p.getInput(0)) ? 0 : -1;
                if (constantSide >= 0 && isDenseOp(graph.producer(skipPassThrough(p.getInput(1 - constantSide))))) {
                    biasAdd = p;
                    biasTensor = p.getInput(constantSide);
                    b.tensors.add(t);
                    t = p.getInput(1 - constantSide);
                    continue;
                }
            }
            if (isDenseOp(p)) {
                b.tensors.add(t);
                b.dense = p;
                break;
            }
            return endOfChain(p, t, isOutputLayer, b.tensors.isEmpty() ? null : b);
        }
        // Without an activation, a normalisation right after the dense op belongs to this layer.
        if (activation == null && normAfterActivation != null) {
            normBeforeActivation = normAfterActivation;
            normAfterActivation = null;
            unitOutput = normBeforeActivation.getOutput(0);
        }
        b.activationNode = activation;
        b.unitOutput = unitOutput;
        layers.readDense(b, biasAdd, biasTensor);
        applyActivationAndNorms(b, normBeforeActivation, normAfterActivation);
        return b;
    }

    /**
     * Gives the layer read its activation, folds a normalisation before the activation into its weights, and keeps
     * one after the activation aside (scale and shift) for the next layer.
     */
    private void applyActivationAndNorms(Block b, NodeProto normBeforeActivation, NodeProto normAfterActivation) {
        Activation act = b.activationNode == null ? Activation.IDENTITY : layers.activationOf(b.activationNode, true);
        DenseLayer layer = new DenseLayer(b.layer.inputs(), b.layer.units(), b.layer.weights(), b.layer.bias(), act);
        if (normBeforeActivation != null) {
            float[][] norm = layers.normalisation(normBeforeActivation, layer.units());
            b.preNorm = new LayerBinding.NormBinding(GraphIndex.key(normBeforeActivation),
                    normBeforeActivation.getInput(0), normBeforeActivation.getOutput(0));
            layer = NormalisationFold.intoOutputs(layer, norm[0], norm[1]);
        }
        if (normAfterActivation != null) {
            float[][] norm = layers.normalisation(normAfterActivation, layer.units());
            b.postNorm = new LayerBinding.NormBinding(GraphIndex.key(normAfterActivation),
                    normAfterActivation.getInput(0), normAfterActivation.getOutput(0));
            b.postNormScale = norm[0];
            b.postNormShift = norm[1];
        }
        b.layer = layer;
    }

    /**
     * The walk met {@code node}, which is not part of a dense block. Usually that is the prefix; it is an
     * error when the node sits right after the last dense layer or between two dense layers.
     */
    private Block endOfChain(NodeProto node, String tensor, boolean isOutputLayer, Block partial) {
        checkNotComputedWeight(node);
        if (isOutputLayer) {
            if (node == null) {
                throw new InputException(file, "graph", "output '" + graphOutput
                        + "' is not computed by a dense layer (Gemm, or MatMul with a constant weight)"
                        + (tensor.equals(graphOutput) ? "" : ": going back from it reaches '" + tensor
                                + "', which no node computes"));
            }
            String where = partial == null ? "before the output" : "inside the last layer";
            throw new InputException(file, GraphIndex.describe(node), "sits " + where + "; the last layer must be a "
                    + "Gemm or MatMul(+Add) with constant weights, followed only by " + BETWEEN_LAYERS
                    + " and a Softmax, LogSoftmax or Sigmoid head");
        }
        if (node != null && reachesDenseOp(node)) {
            throw new InputException(file, GraphIndex.describe(node), "sits between two dense layers; only "
                    + BETWEEN_LAYERS + " can sit there"
                    + (node.getOpType().equals("PRelu") ? " (PRelu only with a single shared slope)" : ""));
        }
        return null;
    }

    /**
     * A Gemm or MatMul whose weight is computed from constants (a Transpose, a Cast, weight normalisation
     * left unfolded) is a dense layer the tool cannot rewrite: say so rather than treating it as the prefix.
     */
    private void checkNotComputedWeight(NodeProto node) {
        if (node == null || !isDefaultDomain(node) || node.getInputCount() < 2
                || !(node.getOpType().equals("Gemm") || node.getOpType().equals("MatMul"))) {
            return;
        }
        String weight = node.getInput(1);
        NodeProto producer = graph.producer(weight);
        if (weight.isEmpty() || graph.isConstant(weight) || producer == null || !computedFromConstants(weight)) {
            return;
        }
        throw new InputException(file, GraphIndex.describe(node), "has a weight '" + weight + "' computed by "
                + GraphIndex.describe(producer) + ", not an initializer or Constant node; the dense chain needs "
                + "constant weights (fold the computation first, e.g. with onnxsim)");
    }

    /** Whether {@code tensor} is computed from constants only (no graph input upstream). */
    private boolean computedFromConstants(String tensor) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(tensor));
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (!seen.add(t) || graph.isConstant(t)) {
                continue;
            }
            NodeProto p = graph.producer(t);
            if (p == null || seen.size() > 10_000) {
                return false;
            }
            for (String in : p.getInputList()) {
                if (!in.isEmpty()) {
                    todo.push(in);
                }
            }
        }
        return true;
    }

    /** Whether a chain of single-data-input nodes upstream of {@code node} reaches a dense op. */
    private boolean reachesDenseOp(NodeProto node) {
        NodeProto p = node;
        for (int steps = 0; steps < 16 && p != null; steps++) {
            if (isDenseOp(p)) {
                return true;
            }
            String dataInput = null;
            for (String in : p.getInputList()) {
                if (!in.isEmpty() && !graph.isConstant(in)) {
                    if (dataInput != null) {
                        return false;
                    }
                    dataInput = in;
                }
            }
            if (dataInput == null) {
                return false;
            }
            p = graph.producer(dataInput);
        }
        return false;
    }

    private boolean isDenseOp(NodeProto node) {
        if (node == null || !isDefaultDomain(node)) {
            return false;
        }
        if (node.getOpType().equals("Gemm")) {
            return node.getInputCount() >= 2 && graph.isConstant(node.getInput(1));
        }
        if (node.getOpType().equals("MatMul")) {
            return node.getInputCount() == 2 && graph.isConstant(node.getInput(1)) && !graph.isConstant(node.getInput(0));
        }
        return false;
    }

    static boolean isDefaultDomain(NodeProto node) {
        return node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
    }

    private String skipPassThrough(String tensor) {
        String t = tensor;
        NodeProto p = graph.producer(t);
        while (p != null && isDefaultDomain(p) && PASS_THROUGH.contains(p.getOpType())) {
            checkInputs(p);
            checkPassThrough(p);
            t = p.getInput(0);
            p = graph.producer(t);
        }
        return t;
    }

    /** Inputs the operators this reader interprets need at least; 1 for the others it knows. */
    private static final java.util.Map<String, Integer> MIN_INPUTS = java.util.Map.of(
            "Gemm", 2, "MatMul", 2, "Add", 2, "BatchNormalization", 5, "PRelu", 2);
    private static final Set<String> KNOWN = Set.of("Softmax", "LogSoftmax", "Sigmoid", "Gemm", "MatMul", "Add",
            "BatchNormalization", "Relu", "LeakyRelu", "Elu", "Selu", "Tanh", "Softplus", "HardSigmoid", "Clip",
            "PRelu", "Identity", "Dropout");

    /** A node of a kind the walk interprets must have the inputs that kind takes. */
    private void checkInputs(NodeProto node) {
        if (!KNOWN.contains(node.getOpType())) {
            return;
        }
        int need = MIN_INPUTS.getOrDefault(node.getOpType(), 1);
        if (node.getInputCount() < need) {
            throw new InputException(file, GraphIndex.describe(node), "has " + node.getInputCount() + " input"
                    + (node.getInputCount() == 1 ? "" : "s") + "; " + node.getOpType() + " takes at least " + need
                    + " (not a valid ONNX node)");
        }
    }

    private void checkPassThrough(NodeProto node) {
        if (!node.getOpType().equals("Dropout")) {
            return;
        }
        if (NodeAttributes.intAttribute(node, "is_test", 1) == 0 && graph.opset < 7) {
            throw new InputException(file, GraphIndex.describe(node), "is in training mode (is_test=0)");
        }
        if (node.getInputCount() >= 3 && !node.getInput(2).isEmpty()) {
            TensorProto mode = graph.constant(node.getInput(2), "Dropout's training_mode");
            if (mode == null) {
                throw new InputException(file, GraphIndex.describe(node),
                        "has a training_mode input that is not a constant; export the model in inference mode");
            }
            boolean training = mode.hasRawData()
                    ? mode.getRawData().size() > 0 && mode.getRawData().byteAt(0) != 0
                    : mode.getInt32DataCount() > 0 && mode.getInt32Data(0) != 0;
            if (training) {
                throw new InputException(file, GraphIndex.describe(node), "is in training mode (training_mode=true)");
            }
        }
        for (int o = 1; o < node.getOutputCount(); o++) {
            String mask = node.getOutput(o);
            if (!mask.isEmpty() && (!graph.consumers(mask).isEmpty() || graph.isGraphOutput(mask))) {
                throw new InputException(file, GraphIndex.describe(node), "has its mask output '" + mask
                        + "' in use; only inference-mode Dropout is supported");
            }
        }
    }

    /** Tensors inside the chain must feed only the chain: a second reader would see the pruning. */
    private void checkNoOutsideUse(List<Block> blocks, String output) {
        Set<String> chainNodes = new HashSet<>();
        for (Block b : blocks) {
            for (String t : b.tensors) {
                chainNodes.add(t);
            }
        }
        for (Block b : blocks) {
            for (String t : b.tensors) {
                boolean lastTensor = b == blocks.get(blocks.size() - 1) && t.equals(b.tensors.get(0));
                if (graph.isGraphOutput(t) && !t.equals(output) && !lastTensor) {
                    throw new InputException(file, "tensor '" + t + "'", "is a graph output inside the dense chain; "
                            + "pruning would change it");
                }
                for (NodeProto consumer : graph.consumers(t)) {
                    boolean inChain = consumer.getOutputCount() > 0 && chainNodes.contains(consumer.getOutput(0));
                    boolean nextDense = blocks.stream().anyMatch(x -> x.dense == consumer);
                    boolean tail = lastTensor;
                    if (!inChain && !nextDense && !tail) {
                        throw new InputException(file, "tensor '" + t + "'", "is also read by "
                                + GraphIndex.describe(consumer) + " outside the dense chain (a skip connection?); "
                                + "pruning would change what that node sees");
                    }
                }
            }
        }
    }
}
