package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.Arrays;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.onnx.DenseChainReader.Block;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Reads the constants of one dense layer block of {@link DenseChainReader}'s chain: the Gemm's or MatMul's weight and
 * bias, a BatchNormalization's scale and shift, an activation's parameters; each constant read by its layer alone. Its
 * own room because it reads one node's constants, where {@link DenseChainReader} walks the graph to find the blocks.
 */
final class DenseLayerReader {

    private final GraphIndex graph;
    private final Path file;

    DenseLayerReader(GraphIndex graph, Path file) {
        this.graph = graph;
        this.file = file;
    }

    /** The activation a node computes, or null (with {@code strict}, an error) when it is not supported. */
    Activation activationOf(NodeProto node, boolean strict) {
        switch (node.getOpType()) {
            case "Relu":
                return Activation.RELU;
            case "LeakyRelu":
                return Activation.leakyRelu(NodeAttributes.floatAttribute(node, "alpha", 0.01f));
            case "Elu":
                return Activation.elu(NodeAttributes.floatAttribute(node, "alpha", 1.0f));
            case "Selu":
                return Activation.selu(NodeAttributes.floatAttribute(node, "alpha", Activation.SELU_ALPHA),
                        NodeAttributes.floatAttribute(node, "gamma", Activation.SELU_GAMMA));
            case "Sigmoid":
                return Activation.SIGMOID;
            case "Tanh":
                return Activation.TANH;
            case "Softplus":
                return Activation.SOFTPLUS;
            case "HardSigmoid":
                return Activation.hardSigmoid(NodeAttributes.floatAttribute(node, "alpha", 0.2f),
                        NodeAttributes.floatAttribute(node, "beta", 0.5f));
            case "Clip":
                return clip(node, strict);
            case "PRelu":
                float[] slope = node.getInputCount() == 2 ? graph.constantFloats(node.getInput(1), "PRelu's slope") : null;
                if (slope != null && slope.length == 1) {
                    return Activation.leakyRelu(slope[0]);
                }
                if (strict) {
                    throw new InputException(file, GraphIndex.describe(node),
                            "has a per-unit slope; only PRelu with one shared slope is supported");
                }
                return null;
            default:
                return null;
        }
    }

    private Activation clip(NodeProto node, boolean strict) {
        float min = Float.NEGATIVE_INFINITY;
        float max = Float.POSITIVE_INFINITY;
        if (graph.opset < 11) {
            min = NodeAttributes.floatAttribute(node, "min", min);
            max = NodeAttributes.floatAttribute(node, "max", max);
        } else {
            for (int i = 1; i <= 2 && i < node.getInputCount(); i++) {
                if (node.getInput(i).isEmpty()) {
                    continue;
                }
                float[] bound = graph.isConstant(node.getInput(i))
                        ? graph.constantFloats(node.getInput(i), "Clip's bound") : null;
                if (bound == null || bound.length != 1) {
                    if (strict) {
                        throw new InputException(file, GraphIndex.describe(node), "has a bound that is not a constant scalar");
                    }
                    return null;
                }
                if (i == 1) {
                    min = bound[0];
                } else {
                    max = bound[0];
                }
            }
        }
        return Activation.clip(min, max);
    }

    /** Reads the Gemm or MatMul node of a block (and its bias) into {@code b.layer}, without activation. */
    void readDense(Block b, NodeProto biasAdd, String biasTensor) {
        NodeProto dense = b.dense;
        String where = GraphIndex.describe(dense);
        String weightName = dense.getInput(1);
        TensorProto weight = graph.constant(weightName, "a weight");
        if (weight == null) {
            throw new InputException(file, where, "has a weight '" + weightName + "' that is not a constant");
        }
        checkOnlyUser(weightName, dense, where);
        long[] dims = OnnxTensors.dims(weight);
        if (dims.length != 2) {
            throw new InputException(file, where, "has a weight '" + weightName + "' of shape " + Arrays.toString(dims)
                    + "; a dense layer's weight is a matrix");
        }
        float[] stored = OnnxTensors.floats(weight, file, "weight '" + weightName + "' of " + where);
        boolean gemm = dense.getOpType().equals("Gemm");
        b.transposed = gemm && NodeAttributes.intAttribute(dense, "transB", 0) != 0;
        if (gemm && NodeAttributes.intAttribute(dense, "transA", 0) != 0) {
            throw new InputException(file, where, "has transA=1; only transA=0 (rows are examples) is supported");
        }
        b.alpha = gemm ? NodeAttributes.floatAttribute(dense, "alpha", 1f) : 1f;
        if (b.alpha == 0) {
            throw new InputException(file, where, "has alpha=0, which ignores its weights");
        }
        int inputs = (int) (b.transposed ? dims[1] : dims[0]);
        int units = (int) (b.transposed ? dims[0] : dims[1]);
        if (inputs <= 0 || units <= 0) {
            throw new InputException(file, where, "has an empty weight of shape " + Arrays.toString(dims));
        }
        float[] w = new float[inputs * units];
        for (int i = 0; i < inputs; i++) {
            for (int j = 0; j < units; j++) {
                float v = b.transposed ? stored[j * inputs + i] : stored[i * units + j];
                w[i * units + j] = v * b.alpha;
            }
        }
        b.weight = graph.slot(weightName);
        b.weightType = weight.getDataType();
        b.dataInput = dense.getInput(0);

        float[] bias = new float[units];
        if (gemm && dense.getInputCount() >= 3 && !dense.getInput(2).isEmpty()) {
            if (biasAdd != null) {
                throw new InputException(file, GraphIndex.describe(biasAdd), "adds a second bias to " + where
                        + ", which has one already");
            }
            float beta = NodeAttributes.floatAttribute(dense, "beta", 1f);
            b.bias = readBias(dense.getInput(2), dense, null, beta, units, bias);
        } else if (biasAdd != null) {
            b.bias = readBias(biasTensor, biasAdd, GraphIndex.key(biasAdd), 1f, units, bias);
        }
        b.layer = new DenseLayer(inputs, units, w, bias, Activation.IDENTITY);
    }

    private LayerBinding.BiasBinding readBias(String tensor, NodeProto user, String addNode, float beta, int units,
            float[] into) {
        String where = GraphIndex.describe(user);
        TensorProto c = graph.constant(tensor, "a bias");
        if (c == null) {
            throw new InputException(file, where, "has a bias '" + tensor + "' that is not a constant");
        }
        checkOnlyUser(tensor, user, where);
        long[] dims = OnnxTensors.dims(c);
        long count = OnnxTensors.elementCount(c);
        boolean vector = (dims.length == 1 && dims[0] == units) || (dims.length == 2 && dims[0] == 1 && dims[1] == units);
        if (!vector && count != 1) {
            String message = "has a bias '" + tensor + "' of shape " + Arrays.toString(dims) + "; expected [" + units
                    + "], [1, " + units + "] or a scalar";
            // A last axis other than the layer's units or 1 broadcasts to no layer output: the model is broken.
            boolean broken = dims.length > 0 && dims[dims.length - 1] != units && dims[dims.length - 1] != 1;
            throw broken ? InputException.malformed(file, where, message) : new InputException(file, where, message);
        }
        float[] values = OnnxTensors.floats(c, file, "bias '" + tensor + "' of " + where);
        for (int j = 0; j < units; j++) {
            into[j] = beta * (vector ? values[j] : values[0]);
        }
        return new LayerBinding.BiasBinding(graph.slot(tensor), addNode, c.getDataType(), dims, beta);
    }

    private void checkOnlyUser(String constant, NodeProto user, String where) {
        for (NodeProto other : graph.consumers(constant)) {
            if (other != user) {
                throw new InputException(file, where, "shares its constant '" + constant + "' with "
                        + GraphIndex.describe(other) + "; shared weights cannot be pruned in place");
            }
        }
    }

    /** BatchNormalization in inference form, as per-unit {@code scale} and {@code shift}: y = scale·x + shift. */
    float[][] normalisation(NodeProto node, int units) {
        String where = GraphIndex.describe(node);
        if (NodeAttributes.intAttribute(node, "training_mode", 0) != 0) {
            throw new InputException(file, where, "is in training mode; export the model in inference mode");
        }
        if (node.getInputCount() != 5) {
            throw new InputException(file, where, "has " + node.getInputCount() + " inputs, expected 5");
        }
        for (int o = 1; o < node.getOutputCount(); o++) {
            String extra = node.getOutput(o);
            if (!extra.isEmpty() && (!graph.consumers(extra).isEmpty() || graph.isGraphOutput(extra))) {
                throw new InputException(file, where, "has its training output '" + extra + "' in use");
            }
        }
        String[] names = {"scale", "B", "mean", "var"};
        float[][] p = new float[4][];
        for (int i = 0; i < 4; i++) {
            String tensor = node.getInput(i + 1);
            p[i] = graph.constantFloats(tensor, "BatchNormalization " + names[i]);
            if (p[i] == null) {
                throw new InputException(file, where, "has a " + names[i] + " '" + tensor + "' that is not a constant");
            }
            if (p[i].length != units) {
                throw new InputException(file, where, "has " + p[i].length + " values in its " + names[i]
                        + ", but the layer has " + units + " units");
            }
            checkOnlyUser(tensor, node, where);
        }
        float epsilon = NodeAttributes.floatAttribute(node, "epsilon", 1e-5f);
        float[] scale = new float[units];
        float[] shift = new float[units];
        for (int j = 0; j < units; j++) {
            double s = p[0][j] / Math.sqrt((double) p[3][j] + epsilon);
            scale[j] = (float) s;
            shift[j] = (float) (p[1][j] - p[2][j] * s);
        }
        return new float[][] {scale, shift};
    }
}
