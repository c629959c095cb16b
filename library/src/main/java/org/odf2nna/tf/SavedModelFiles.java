package org.odf2nna.tf;

import org.odf2nna.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.odf2nna.InputException;
import org.odf2nna.io.ProtobufFiles;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The checks every SavedModel goes through before TensorFlow sees it, each turning one way a directory
 * can be wrong into a clear {@link InputException}: not a directory, no {@code saved_model.pb}, a file
 * that does not parse, no {@code serve} graph, variables missing, no {@code serving_default} signature,
 * a signature that is not one float matrix in and one out. Loading is done here too, so that
 * TensorFlow's own errors become one line that names the directory.
 */
final class SavedModelFiles {

    static final String SERVE_TAG = SavedModelBundle.DEFAULT_TAG;
    static final String SERVING_KEY = "serving_default";
    static final String SAVED_MODEL_PB = "saved_model.pb";

    private static final Set<String> VARIABLE_OPS = Set.of("VarHandleOp", "VariableV2", "Variable");

    private SavedModelFiles() {
    }

    /** Parses and checks {@code dir}; returns the {@code serve} MetaGraph. Never starts TensorFlow's runtime. */
    static MetaGraphDef serveGraph(Path dir) {
        SavedModel model = parse(dir);
        MetaGraphDef serve = null;
        Set<String> tagsFound = new TreeSet<>();
        for (MetaGraphDef graph : model.getMetaGraphsList()) {
            List<String> tags = graph.getMetaInfoDef().getTagsList();
            tagsFound.addAll(tags);
            if (tags.contains(SERVE_TAG)) {
                serve = graph;
                break;
            }
        }
        if (serve == null) {
            throw new InputException(dir, null, "the SavedModel has no graph tagged '" + SERVE_TAG
                    + "' (tags found: " + tagsFound + "); only serving graphs can be read");
        }
        checkVariables(dir, serve);
        return serve;
    }

    private static SavedModel parse(Path dir) {
        if (!Files.exists(dir)) {
            throw new InputException(dir, null, "no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new InputException(dir, null, "is not a directory; a SavedModel is a directory holding "
                    + SAVED_MODEL_PB + " and variables/");
        }
        Path pb = dir.resolve(SAVED_MODEL_PB);
        if (!Files.isRegularFile(pb)) {
            String hint = Files.exists(dir.resolve("saved_model.pbtxt"))
                    ? " (saved_model.pbtxt, the text form, is not supported)" : "";
            throw new InputException(dir, null, "not a SavedModel: no " + SAVED_MODEL_PB + " in the directory" + hint);
        }
        SavedModel model = ProtobufFiles.parse(pb, SavedModel.parser(), dir, SAVED_MODEL_PB,
                e -> SAVED_MODEL_PB + " is not a valid SavedModel: it does not parse (" + firstLine(e.getMessage())
                        + ")");
        if (model.getMetaGraphsCount() == 0 || !model.getMetaGraphs(0).hasGraphDef()) {
            throw new InputException(dir, null, SAVED_MODEL_PB + " is not a valid SavedModel: it holds no graph");
        }
        return model;
    }

    /**
     * A graph with variables needs {@code variables/variables.index} and its data shards; without them
     * TensorFlow would load the graph and leave every weight uninitialised.
     */
    private static void checkVariables(Path dir, MetaGraphDef serve) {
        boolean hasVariables = false;
        for (NodeDef node : serve.getGraphDef().getNodeList()) {
            if (VARIABLE_OPS.contains(node.getOp())) {
                hasVariables = true;
                break;
            }
        }
        if (!hasVariables) {
            return;
        }
        Path variables = dir.resolve("variables");
        if (!Files.isDirectory(variables)) {
            throw new InputException(dir, null, "SavedModel without variables: the graph has variables but the "
                    + "variables/ folder is missing");
        }
        if (!Files.isRegularFile(variables.resolve("variables.index"))) {
            throw new InputException(dir, null, "SavedModel without variables: variables/variables.index is missing");
        }
        boolean hasData;
        try (Stream<Path> files = Files.list(variables)) {
            hasData = files.anyMatch(p -> p.getFileName().toString().startsWith("variables.data-"));
        } catch (IOException e) {
            throw new InputException(dir, null, "cannot list variables/: " + e.getMessage(), e);
        }
        if (!hasData) {
            throw new InputException(dir, null, "SavedModel without variables: variables/ holds no "
                    + "variables.data-* shard");
        }
    }

    /** The {@code serving_default} signature, checked to be one float matrix in and one out. */
    static ServingSignature servingSignature(Path dir, MetaGraphDef serve) {
        Map<String, SignatureDef> signatures = serve.getSignatureDefMap();
        SignatureDef def = signatures.get(SERVING_KEY);
        if (def == null) {
            Set<String> keys = new TreeSet<>(signatures.keySet());
            keys.remove("__saved_model_init_op");
            throw new InputException(dir, null, "the SavedModel has no " + SERVING_KEY + " signature (signatures: "
                    + (keys.isEmpty() ? "none" : String.join(", ", keys)) + ")");
        }
        String place = "signature " + SERVING_KEY;
        if (def.getInputsCount() != 1) {
            throw new InputException(dir, place, "takes " + def.getInputsCount() + " inputs "
                    + new TreeSet<>(def.getInputsMap().keySet()) + "; only models with one input matrix are supported");
        }
        if (def.getOutputsCount() != 1) {
            throw new InputException(dir, place, "has " + def.getOutputsCount() + " outputs "
                    + new TreeSet<>(def.getOutputsMap().keySet()) + "; only models with one output are supported");
        }
        Map.Entry<String, TensorInfo> in = def.getInputsMap().entrySet().iterator().next();
        Map.Entry<String, TensorInfo> out = def.getOutputsMap().entrySet().iterator().next();
        int inputWidth = matrixWidth(dir, place, "input '" + in.getKey() + "'", in.getValue());
        int outputWidth = matrixWidth(dir, place, "output '" + out.getKey() + "'", out.getValue());
        return new ServingSignature(in.getKey(), in.getValue().getName(), inputWidth,
                out.getKey(), out.getValue().getName(), outputWidth);
    }

    /** Width of a {@code [batch, n]} float tensor: n, or -1 when the signature does not say. */
    private static int matrixWidth(Path dir, String place, String what, TensorInfo info) {
        if (info.getName().isEmpty()) {
            throw new InputException(dir, place, what + " is not a plain tensor (composite and sparse tensors "
                    + "are not supported)");
        }
        if (info.getDtype() != DataType.DT_FLOAT) {
            throw new InputException(dir, place, what + " is " + typeName(info.getDtype())
                    + "; only float32 inputs and outputs are supported");
        }
        TensorShapeProto shape = info.getTensorShape();
        if (shape.getUnknownRank()) {
            return -1;
        }
        if (shape.getDimCount() != 2) {
            List<Long> dims = new ArrayList<>();
            shape.getDimList().forEach(d -> dims.add(d.getSize()));
            throw new InputException(dir, place, what + " has shape " + dims + "; only [batch, n] matrices are "
                    + "supported (an input prefix such as Flatten or normalisation cannot be read from a SavedModel)");
        }
        long n = shape.getDim(1).getSize();
        return n > 0 && n <= Integer.MAX_VALUE ? (int) n : -1;
    }

    /** Loads the checked SavedModel into TensorFlow; the caller closes the bundle. */
    static SavedModelBundle load(Path dir) {
        try {
            return TfSessions.load(dir.toAbsolutePath().toString(), SERVE_TAG, Device.CPU);
        } catch (TensorFlowException | IllegalArgumentException e) {
            throw new InputException(dir, null, "TensorFlow cannot load the SavedModel: " + firstLine(e.getMessage()), e);
        }
    }

    static String typeName(DataType type) {
        String name = type.name();
        if (name.startsWith("DT_")) {
            name = name.substring(3);
        }
        return switch (type) {
            case DT_FLOAT -> "float32";
            case DT_DOUBLE -> "float64";
            case DT_HALF -> "float16";
            default -> name.toLowerCase(java.util.Locale.ROOT);
        };
    }

    static String firstLine(String message) {
        if (message == null || message.isBlank()) {
            return "no details";
        }
        String line = message.strip();
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl).strip();
    }
}
