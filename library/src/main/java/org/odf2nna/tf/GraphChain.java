package org.odf2nna.tf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.RowMajor;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;

/**
 * Reads the dense chain of a plain (TF1-style) SavedModel graph by walking the serving signature's
 * output back to its input: this is how SavedModels written by {@link SavedModelWriter} are read, and
 * also TF1 exports ({@code simple_save}, Estimators) of dense networks.
 *
 * <p>The walk: an optional head (Softmax, LogSoftmax, Sigmoid), then per layer an optional activation,
 * a BiasAdd or Add, and a MatMul whose second input does not depend on any placeholder (a variable, its
 * read, or a constant: its value is fetched from the session, whatever produces it). Identity ops are
 * passed through. Activations are single ops (Relu, LeakyRelu with its alpha, Elu, Selu, Sigmoid, Tanh,
 * Softplus, Relu6) or the small patterns {@link SavedModelWriter} emits for the parametrised ones:
 * {@code ClipByValue(x, lo, hi)} for Clip, {@code ClipByValue(x * a + b, 0, 1)} for HardSigmoid,
 * {@code SelectV2(x > 0, x, Elu(x) * alpha)} for Elu with alpha other than 1, and that times gamma for
 * Selu with other constants. Any other op on the path stops the reading with an error naming it.
 * Reading the graph itself, rather than a side description, means what is read is what TensorFlow
 * computes.
 */
final class GraphChain {

    private static final String SUPPORTED = "only dense chains are supported (MatMul, BiasAdd or Add, and the "
            + "element-wise activations Relu, LeakyRelu, Elu, Selu, Sigmoid, Tanh, Softplus, Relu6, ClipByValue, "
            + "with a Softmax, LogSoftmax or Sigmoid head)";

    private static final Set<String> PASS_THROUGH = Set.of("Identity", "StopGradient", "Snapshot");

    private final Path dir;
    private final Session session;
    private final Map<String, NodeDef> nodes = new HashMap<>();
    private final Map<String, Boolean> constant = new HashMap<>();
    private final String inputNode;

    private GraphChain(Path dir, MetaGraphDef graph, Session session, ServingSignature signature) {
        this.dir = dir;
        this.session = session;
        for (NodeDef node : graph.getGraphDef().getNodeList()) {
            nodes.put(node.getName(), node);
        }
        this.inputNode = nodeName(signature.inputName());
    }

    static ReadChain read(Path dir, MetaGraphDef graph, Session session, ServingSignature signature) {
        return new GraphChain(dir, graph, session, signature).walk(signature);
    }

    private ReadChain walk(ServingSignature signature) {
        if (!nodes.containsKey(inputNode)) {
            throw new InputException(dir, "signature " + SavedModelFiles.SERVING_KEY, "feeds '" + signature.inputName()
                    + "', which is not in the graph");
        }
        String outputRef = signature.outputName();
        NodeDef n = skip(node(outputRef, "the serving output"));
        OutputHead head = headOf(n);
        if (head != OutputHead.NONE) {
            n = skip(node(input(n, 0), n));
        }
        List<String> names = new ArrayList<>();
        List<DenseLayer> layers = new ArrayList<>();
        while (!n.getName().equals(inputNode)) {
            ReadLayer read = readLayer(n);
            layers.add(read.layer());
            names.add(layerName(read.matMul().getName()));
            n = skip(node(input(read.matMul(), 0), read.matMul()));
        }
        if (layers.isEmpty()) {
            throw new InputException(dir, "signature " + SavedModelFiles.SERVING_KEY, "its output is its input; "
                    + "there is no dense layer");
        }
        Collections.reverse(layers);
        Collections.reverse(names);
        return ReadChain.checked(dir, names, layers, head, signature.inputWidth());
    }

    private static OutputHead headOf(NodeDef output) {
        return switch (output.getOp()) {
            case "Softmax" -> OutputHead.SOFTMAX;
            case "LogSoftmax" -> OutputHead.LOG_SOFTMAX;
            case "Sigmoid" -> OutputHead.SIGMOID;
            default -> OutputHead.NONE;
        };
    }

    /** A dense layer read backwards from its output, and its MatMul, whose data input leads to the layer before. */
    private record ReadLayer(DenseLayer layer, NodeDef matMul) {
    }

    /** The layer whose output is {@code n}: its activation, bias add and MatMul with a constant weight matrix. */
    private ReadLayer readLayer(NodeDef n) {
        Parsed activation = activation(n);
        NodeDef pre = activation.pre();
        String dataRef;
        float[] bias = null;
        NodeDef matMul;
        switch (pre.getOp()) {
            case "BiasAdd", "Add", "AddV2" -> {
                String a = input(pre, 0);
                String b = input(pre, 1);
                if (isConstant(b)) {
                    bias = fetch(b, pre, "bias");
                    dataRef = a;
                } else if (isConstant(a) && !pre.getOp().equals("BiasAdd")) {
                    bias = fetch(a, pre, "bias");
                    dataRef = b;
                } else {
                    throw unsupported(pre, "adds two computed tensors; ");
                }
                matMul = skip(node(dataRef, pre));
            }
            case "MatMul" -> matMul = pre;
            default -> throw unsupported(pre, "");
        }
        if (!matMul.getOp().equals("MatMul")) {
            throw unsupported(matMul, "");
        }
        if (attrBool(matMul, "transpose_a")) {
            throw unsupported(matMul, "transposes its input; ");
        }
        String weightRef = input(matMul, 1);
        if (!isConstant(weightRef)) {
            throw unsupported(matMul, "multiplies two computed tensors; ");
        }
        Values w = fetchValues(weightRef, matMul, "weight");
        if (w.shape().length != 2) {
            throw new InputException(dir, "operation '" + matMul.getName() + "' (MatMul)", "multiplies by a "
                    + "weight tensor of rank " + w.shape().length + "; a dense layer's weights are a matrix");
        }
        float[] weights = w.values();
        int inputs = (int) w.shape()[0];
        int units = (int) w.shape()[1];
        if (attrBool(matMul, "transpose_b")) {
            weights = RowMajor.transposed(weights, inputs, units);
            int t = inputs;
            inputs = units;
            units = t;
        }
        if (bias == null) {
            bias = new float[units];
        } else if (bias.length != units) {
            throw new InputException(dir, "operation '" + pre.getName() + "' (" + pre.getOp() + ")", "adds "
                    + bias.length + " values to " + units + " units; only a per-unit bias is supported");
        }
        return new ReadLayer(new DenseLayer(inputs, units, weights, bias, activation.activation()), matMul);
    }

    /** An activation and the op that computes its argument (the layer's pre-activation). */
    private record Parsed(Activation activation, NodeDef pre) {
    }

    private Parsed activation(NodeDef n) {
        switch (n.getOp()) {
            case "BiasAdd", "Add", "AddV2", "MatMul":
                return new Parsed(Activation.IDENTITY, n);
            case "Relu":
                return new Parsed(Activation.RELU, arg(n));
            case "Relu6":
                return new Parsed(Activation.clip(0, 6), arg(n));
            case "LeakyRelu":
                return new Parsed(Activation.leakyRelu(attrFloat(n, "alpha", 0.2f)), arg(n));
            case "Elu":
                return new Parsed(Activation.elu(1.0f), arg(n));
            case "Selu":
                return new Parsed(Activation.selu(Activation.SELU_ALPHA, Activation.SELU_GAMMA), arg(n));
            case "Sigmoid":
                return new Parsed(Activation.SIGMOID, arg(n));
            case "Tanh":
                return new Parsed(Activation.TANH, arg(n));
            case "Softplus":
                return new Parsed(Activation.SOFTPLUS, arg(n));
            case "ClipByValue": {
                float lo = scalar(input(n, 1), n, "clip minimum");
                float hi = scalar(input(n, 2), n, "clip maximum");
                NodeDef x = skip(node(input(n, 0), n));
                if (lo == 0 && hi == 1 && (x.getOp().equals("Add") || x.getOp().equals("AddV2"))) {
                    Parsed hard = hardSigmoid(x);
                    if (hard != null) {
                        return hard;
                    }
                }
                return new Parsed(Activation.clip(lo, hi), x);
            }
            case "SelectV2", "Select": {
                Parsed elu = scaledElu(n);
                if (elu != null) {
                    return new Parsed(Activation.elu(elu.activation().alpha()), elu.pre());
                }
                throw unsupported(n, "");
            }
            case "Mul": {
                for (int i = 0; i < 2; i++) {
                    NodeDef select = skip(node(input(n, i), n));
                    String gamma = input(n, 1 - i);
                    if ((select.getOp().equals("SelectV2") || select.getOp().equals("Select")) && isConstant(gamma)) {
                        Parsed elu = scaledElu(select);
                        if (elu != null) {
                            return new Parsed(Activation.selu(elu.activation().alpha(), scalar(gamma, n, "selu gamma")),
                                    elu.pre());
                        }
                    }
                }
                throw unsupported(n, "");
            }
            case "StatefulPartitionedCall", "PartitionedCall":
                throw new InputException(dir, "operation '" + n.getName() + "' (" + n.getOp() + ")", "the serving "
                        + "signature calls a TensorFlow 2 function and the SavedModel has no Keras layer metadata; only "
                        + "Keras models and plain graphs (TF1 exports, odf2nna's own) can be read");
            default:
                throw unsupported(n, "");
        }
    }

    /** {@code x * alpha + beta} (either operand order), with alpha and beta constants; null otherwise. */
    private Parsed hardSigmoid(NodeDef add) {
        for (int i = 0; i < 2; i++) {
            String beta = input(add, 1 - i);
            NodeDef mul = skip(node(input(add, i), add));
            if (!mul.getOp().equals("Mul") || !isConstant(beta)) {
                continue;
            }
            for (int j = 0; j < 2; j++) {
                String alpha = input(mul, 1 - j);
                if (isConstant(alpha) && !isConstant(input(mul, j))) {
                    return new Parsed(Activation.hardSigmoid(scalar(alpha, mul, "hard sigmoid alpha"),
                            scalar(beta, add, "hard sigmoid beta")), skip(node(input(mul, j), mul)));
                }
            }
        }
        return null;
    }

    /** {@code Select(x > 0, x, Elu(x) * alpha)}: returns Elu(alpha) and x's op; null otherwise. */
    private Parsed scaledElu(NodeDef select) {
        NodeDef cond = skip(node(input(select, 0), select));
        NodeDef then = skip(node(input(select, 1), select));
        NodeDef otherwise = skip(node(input(select, 2), select));
        if (!cond.getOp().equals("Greater") || !otherwise.getOp().equals("Mul")) {
            return null;
        }
        NodeDef x = skip(node(input(cond, 0), cond));
        if (!isConstant(input(cond, 1)) || scalar(input(cond, 1), cond, "comparison") != 0 || !then.equals(x)) {
            return null;
        }
        for (int i = 0; i < 2; i++) {
            NodeDef elu = skip(node(input(otherwise, i), otherwise));
            String alpha = input(otherwise, 1 - i);
            if (elu.getOp().equals("Elu") && isConstant(alpha) && skip(node(input(elu, 0), elu)).equals(x)) {
                return new Parsed(Activation.elu(scalar(alpha, otherwise, "elu alpha")), x);
            }
        }
        return null;
    }

    // ---- graph access --------------------------------------------------------------------------------

    private NodeDef arg(NodeDef n) {
        return skip(node(input(n, 0), n));
    }

    private NodeDef skip(NodeDef n) {
        NodeDef current = n;
        for (int guard = 0; PASS_THROUGH.contains(current.getOp()) && guard < 10_000; guard++) {
            current = node(input(current, 0), current);
        }
        return current;
    }

    /** The i-th data input of a node (control inputs, {@code ^name}, come last and are not counted). */
    private String input(NodeDef n, int i) {
        int seen = 0;
        for (String in : n.getInputList()) {
            if (in.startsWith("^")) {
                continue;
            }
            if (seen++ == i) {
                return in;
            }
        }
        throw new InputException(dir, "operation '" + n.getName() + "' (" + n.getOp() + ")", "has no input " + i);
    }

    private NodeDef node(String ref, NodeDef consumer) {
        return node(ref, "operation '" + consumer.getName() + "'");
    }

    private NodeDef node(String ref, String what) {
        NodeDef n = nodes.get(nodeName(ref));
        if (n == null) {
            throw new InputException(dir, null, what + " reads '" + ref + "', which is not in the graph");
        }
        return n;
    }

    static String nodeName(String ref) {
        String r = ref.startsWith("^") ? ref.substring(1) : ref;
        int colon = r.lastIndexOf(':');
        if (colon > 0 && r.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            return r.substring(0, colon);
        }
        return r;
    }

    /** Whether a tensor can be computed without feeding anything (weights, biases, constants). */
    private boolean isConstant(String ref) {
        String name = nodeName(ref);
        Boolean known = constant.get(name);
        if (known != null) {
            return known;
        }
        // Iterative depth-first search, so that a long chain cannot overflow the stack.
        List<String> stack = new ArrayList<>(List.of(name));
        Map<String, Boolean> visiting = new HashMap<>();
        boolean result = true;
        while (!stack.isEmpty() && result) {
            String current = stack.remove(stack.size() - 1);
            if (visiting.put(current, Boolean.TRUE) != null) {
                continue;
            }
            Boolean c = constant.get(current);
            if (c != null) {
                result = c;
                continue;
            }
            NodeDef n = nodes.get(current);
            if (n == null || n.getOp().startsWith("Placeholder") || current.equals(inputNode)) {
                result = false;
                continue;
            }
            for (String in : n.getInputList()) {
                stack.add(nodeName(in));
            }
        }
        constant.put(name, result);
        return result;
    }

    private static boolean attrBool(NodeDef n, String name) {
        AttrValue v = n.getAttrOrDefault(name, null);
        return v != null && v.getB();
    }

    private static float attrFloat(NodeDef n, String name, float fallback) {
        AttrValue v = n.getAttrOrDefault(name, null);
        return v == null ? fallback : v.getF();
    }

    private Values fetchValues(String ref, NodeDef consumer, String what) {
        String place = "operation '" + consumer.getName() + "' (" + consumer.getOp() + ")";
        try (Result result = TfRuns.run(session.runner().fetch(ref))) {
            Tensor t = result.get(0);
            if (!(t instanceof TFloat32 f)) {
                throw new InputException(dir, place, "has " + SavedModelFiles.typeName(t.dataType()) + " " + what
                        + " values; only float32 weights are supported");
            }
            long[] shape = f.shape().asArray();
            return new Values(shape, TfTensors.floats(f));
        } catch (TensorFlowException e) {
            throw new InputException(dir, place, "cannot read its " + what + " '" + ref + "' ("
                    + SavedModelFiles.firstLine(e.getMessage()) + ")", e);
        }
    }

    private record Values(long[] shape, float[] values) {
    }

    private float[] fetch(String ref, NodeDef consumer, String what) {
        return fetchValues(ref, consumer, what).values();
    }

    private float scalar(String ref, NodeDef consumer, String what) {
        if (!isConstant(ref)) {
            throw unsupported(consumer, "uses a computed " + what + "; ");
        }
        float[] v = fetch(ref, consumer, what);
        if (v.length != 1) {
            throw unsupported(consumer, "uses " + v.length + " values as its " + what + " (a scalar is expected); ");
        }
        return v[0];
    }

    /** {@code dense_1/MatMul} → {@code dense_1}; {@code model/dense/MatMul} → {@code model/dense}. */
    private static String layerName(String matMul) {
        int slash = matMul.lastIndexOf('/');
        return slash > 0 ? matMul.substring(0, slash) : matMul;
    }

    private InputException unsupported(NodeDef n, String detail) {
        return new InputException(dir, "operation '" + n.getName() + "' (" + n.getOp() + ")", detail
                + "it is not part of a dense chain; " + SUPPORTED);
    }
}
