package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;

/**
 * An ONNX model read as a dense network: the original protobuf, the format-free network, and the
 * binding that says where each layer's tensors live so that a changed network can be written back.
 *
 * @param source  the file the model was read from
 * @param model   the model as read
 * @param network the dense chain as a format-free network
 * @param binding where each layer's tensors live in {@code model} (this package's own: the writer's map)
 * @param input   the graph input's name and shape
 */
public record OnnxDenseModel(Path source, ModelProto model, DenseNetwork network, ChainBinding binding,
        InputSignature input) {

    /** Name of the graph output. */
    public String outputName() {
        return binding.output();
    }

    /** Name of the tensor the first dense layer reads. */
    public String chainInputName() {
        return binding.chainInput();
    }

    /** Tensors holding each hidden layer's unit outputs (after the activation), input to output. */
    public List<String> hiddenUnitOutputs() {
        return binding.hiddenUnitOutputs();
    }

    /** The Gemm or MatMul node of each dense layer, for display. */
    public List<String> layerNodes() {
        return binding.layers().stream().map(b -> b.dense().node()).toList();
    }

    /** The tensor the Gemm or MatMul node of each dense layer writes (its key for {@link GraphQuantizer}). */
    public List<String> layerOutputs() {
        return binding.layers().stream().map(b -> b.dense().output()).toList();
    }

    /** Values per CSV row the model takes: its input shape's row size, or the first layer's inputs. */
    public int featuresPerRow() {
        int fromShape = input.valuesPerRow();
        if (fromShape >= 0) {
            return fromShape;
        }
        return network.prefix().isEmpty() ? network.inputs() : -1;
    }

    /** How many nodes of each operator type the graph holds. */
    public Map<String, Integer> operatorCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        for (NodeProto node : model.getGraph().getNodeList()) {
            String name = node.getDomain().isEmpty() ? node.getOpType() : node.getDomain() + "." + node.getOpType();
            counts.merge(name, 1, Integer::sum);
        }
        return counts;
    }

    public long defaultOpset() {
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                return id.getVersion();
            }
        }
        return 0;
    }
}
