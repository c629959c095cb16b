package org.odf2nna.tf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.odf2nna.BuildInfo;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.tf.graphdef.FunctionTranslator;
import org.odf2nna.tf.graphdef.TfTranslationException;
import org.odf2nna.tf.graphdef.TfValue;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Reads the SavedModels Keras 3 writes ({@code model.export(dir)}, {@code tf.saved_model.save(model, dir)}): no Keras
 * layer metadata, a serving signature that calls TF2 functions, the variables in the checkpoint. The serving
 * function's graph is translated into ONNX by {@link FunctionTranslator} with the variables frozen in as initializers
 * (their values read from the loaded bundle), and the ONNX graph is then checked against the SavedModel's own
 * {@code serving_default} signature on generated rows in ONNX Runtime: a mismatch is an error, not a model that
 * computes something else.
 */
public final class SavedModelGraph {

    private SavedModelGraph() {
    }

    /**
     * Whether {@code dir} is read this way: a SavedModel without Keras layer metadata whose serving signature's output
     * comes from a call of a TF2 function (the route of the dense chain walk cannot follow it).
     */
    public static boolean appliesTo(Path dir) {
        MetaGraphDef serve = SavedModelFiles.serveGraph(dir);
        if (KerasChain.isKeras(serve)) {
            return false;
        }
        SignatureDef def = serve.getSignatureDefMap().get(SavedModelFiles.SERVING_KEY);
        if (def == null || def.getOutputsCount() != 1) {
            return false;
        }
        NodeDef call = node(serve, def.getOutputsMap().values().iterator().next().getName());
        return call != null && isCall(call);
    }

    /** The SavedModel's serving function as an ONNX graph, its input named after the signature's, output "output". */
    public static ModelProto read(Path dir) {
        MetaGraphDef serve = SavedModelFiles.serveGraph(dir);
        SignatureDef def = serve.getSignatureDefMap().get(SavedModelFiles.SERVING_KEY);
        String place = "signature " + SavedModelFiles.SERVING_KEY;
        if (def == null || def.getInputsCount() != 1 || def.getOutputsCount() != 1) {
            // The one wording of these refusals.
            SavedModelFiles.servingSignature(dir, serve);
        }
        Map.Entry<String, TensorInfo> in = def.getInputsMap().entrySet().iterator().next();
        TensorInfo out = def.getOutputsMap().values().iterator().next();
        long[] inputShape = shape(dir, place, "input '" + in.getKey() + "'", in.getValue());
        shape(dir, place, "output", out);
        NodeDef call = node(serve, out.getName());
        if (call == null || !isCall(call)) {
            throw new InputException(dir, place, "its output " + out.getName() + " is not computed by a TF2 function");
        }
        String feed = in.getValue().getName();
        List<String> arguments = call.getInputList().stream().filter(s -> !s.startsWith("^")).toList();
        if (arguments.isEmpty() || !tensorName(arguments.get(0)).equals(tensorName(feed))) {
            throw new InputException(dir, place, "the serving call's first argument is " + (arguments.isEmpty()
                    ? "missing" : arguments.get(0)) + ", not the signature's input " + feed);
        }
        try (SavedModelBundle bundle = SavedModelFiles.load(dir)) {
            List<TfValue> captured = new ArrayList<>();
            bindRestoredVariables(serve, bundle, arguments.subList(1, arguments.size()));
            for (String argument : arguments.subList(1, arguments.size())) {
                captured.add(fetch(dir, bundle, argument));
            }
            ModelProto model;
            try {
                model = FunctionTranslator.translate(serve.getGraphDef().getLibrary().getFunctionList(),
                        call.getAttrOrThrow("f").getFunc().getName(), outputIndex(out.getName()), in.getKey(),
                        inputShape, captured, "output", BuildInfo.NAME);
            } catch (TfTranslationException e) {
                throw new InputException(dir, null, "the serving function cannot be translated into ONNX: "
                        + e.getMessage(), e);
            }
            check(dir, bundle, feed, out.getName(), model, inputShape);
            return model;
        }
    }

    /** The translation's outputs against the serving signature's on generated rows, in ONNX Runtime. */
    private static void check(Path dir, SavedModelBundle bundle, String feed, String fetch, ModelProto model,
                              long[] inputShape) {
        long[] rowShape = Arrays.copyOfRange(inputShape, 1, inputShape.length);
        if (Arrays.stream(rowShape).anyMatch(d -> d < 0)) {
            throw new InputException(dir, "signature " + SavedModelFiles.SERVING_KEY, "its input has shape "
                    + Arrays.toString(inputShape) + "; only inputs with every size but the batch fixed are read");
        }
        int features = (int) Arrays.stream(rowShape).reduce(1, (a, b) -> a * b);
        float[] rows = ServingCheck.rows(features);
        float[] served = TfTensors.run(dir, bundle.session(), feed, fetch, rows, ServingCheck.ROWS, rowShape);
        String input = model.getGraph().getInput(0).getName();
        float[] ours;
        try (OnnxRunner runner = OnnxRunner.open(model, new InputSignature(input, TensorProto.DataType.FLOAT_VALUE,
                inputShape), Device.CPU, dir)) {
            ours = runner.run(rows, ServingCheck.ROWS, features, List.of("output")).get("output");
        } catch (RuntimeException e) {
            if (e instanceof InputException) {
                throw e;
            }
            throw new InputException(dir, null, "ONNX Runtime cannot run the serving function translated into ONNX ("
                    + SavedModelFiles.firstLine(e.getMessage()) + ")", e);
        }
        String what = ServingCheck.mismatch(served, ours, ours.length / ServingCheck.ROWS);
        if (what != null) {
            throw new InputException(dir, null, "the serving signature does not compute what its function's graph "
                    + "translated into ONNX computes: it " + what);
        }
    }

    /**
     * {@code tf.saved_model.save} of a Keras 3 model captures one set of variable handles in the serving function
     * and restores the checkpoint into another ({@code Variable_N}, initialised from the first by
     * {@code Variable_N/Assign}); TensorFlow's Python loader binds both to one variable, the C API's loader does not.
     * The captured handles are given the restored values here, in the loaded session only, so that the serving
     * signature and the translation read the same weights.
     */
    private static void bindRestoredVariables(MetaGraphDef serve, SavedModelBundle bundle, List<String> captured) {
        java.util.Map<String, String> readerOf = new java.util.HashMap<>();
        java.util.Map<String, NodeDef> byName = new java.util.HashMap<>();
        for (NodeDef n : serve.getGraphDef().getNodeList()) {
            byName.put(n.getName(), n);
        }
        for (NodeDef n : serve.getGraphDef().getNodeList()) {
            if (n.getOp().equals("AssignVariableOp") && n.getInputCount() >= 2) {
                NodeDef read = byName.get(tensorName(n.getInput(1)));
                if (read != null && read.getOp().equals("ReadVariableOp") && read.getInputCount() > 0) {
                    readerOf.put(tensorName(read.getInput(0)), tensorName(n.getInput(0)));
                }
            }
        }
        org.tensorflow.Graph graph = bundle.graph();
        List<String> handles = new java.util.ArrayList<>();
        for (String argument : captured) {
            String handle = tensorName(argument);
            String restored = readerOf.get(handle);
            NodeDef node = byName.get(handle);
            if (restored != null && node != null && node.getOp().equals("VarHandleOp")
                    && graph.operation(handle) != null && graph.operation(restored) != null) {
                handles.add(handle);
            }
        }
        // All in two session runs: every op added to the graph after the session started makes the next run extend
        // the session's graph, so one run per variable took minutes on a MobileNetV2 export (260 variables).
        List<String> assign = uninitialized(bundle, handles);
        org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(graph);
        org.tensorflow.Session.Runner runner = bundle.session().runner();
        for (String handle : assign) {
            org.tensorflow.Operand<org.tensorflow.types.family.TType> target = graph.operation(handle).output(0);
            org.tensorflow.Operand<TFloat32> value = tf.readVariableOp(graph.operation(readerOf.get(handle))
                    .output(0), TFloat32.class);
            runner.addTarget(tf.assignVariableOp(target, value));
        }
        if (assign.isEmpty()) {
            return;
        }
        try {
            TfRuns.run(runner);
        } catch (TensorFlowException e) {
            // Left as they are: reading the handles then says what is wrong.
        }
    }

    /** The handles among {@code handles} whose variables are not initialized, asked in one run (else one by one). */
    private static List<String> uninitialized(SavedModelBundle bundle, List<String> handles) {
        if (handles.isEmpty()) {
            return handles;
        }
        org.tensorflow.Graph graph = bundle.graph();
        org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(graph);
        org.tensorflow.Session.Runner runner = bundle.session().runner();
        for (String handle : handles) {
            runner.fetch(tf.varIsInitializedOp(graph.operation(handle).output(0)));
        }
        List<String> out = new java.util.ArrayList<>();
        try (Result r = TfRuns.run(runner)) {
            for (int i = 0; i < handles.size(); i++) {
                if (!((org.tensorflow.types.TBool) r.get(i)).getBoolean()) {
                    out.add(handles.get(i));
                }
            }
            return out;
        } catch (TensorFlowException e) {
            for (String handle : handles) {
                if (!initialized(bundle, handle)) {
                    out.add(handle);
                }
            }
            return out;
        }
    }

    private static boolean initialized(SavedModelBundle bundle, String handle) {
        org.tensorflow.Graph graph = bundle.graph();
        org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(graph);
        try (Result r = TfRuns.run(bundle.session().runner()
                .fetch(tf.varIsInitializedOp(graph.operation(handle).output(0))))) {
            return ((org.tensorflow.types.TBool) r.get(0)).getBoolean();
        } catch (TensorFlowException e) {
            return false;
        }
    }

    /** A captured argument of the serving call (a variable, or a constant) as its value. */
    private static TfValue fetch(Path dir, SavedModelBundle bundle, String argument) {
        String name = tensorName(argument);
        List<String> tries = List.of(name + "/Read/ReadVariableOp", name);
        TensorFlowException failure = null;
        for (String tensor : tries) {
            if (bundle.session().graph().operation(tensor) == null) {
                continue;
            }
            try (Result result = TfRuns.run(bundle.session().runner().fetch(tensor))) {
                Tensor t = result.get(0);
                long[] shape = t.shape().asArray();
                if (t instanceof TFloat32 f) {
                    return TfValue.floats(shape, TfTensors.floats(f));
                }
                if (t instanceof TInt32 i) {
                    long[] v = new long[(int) t.shape().size()];
                    for (int k = 0; k < v.length; k++) {
                        v[k] = i.getInt(unravel(shape, k));
                    }
                    return TfValue.ints(shape, v);
                }
                if (t instanceof TInt64 i) {
                    long[] v = new long[(int) t.shape().size()];
                    for (int k = 0; k < v.length; k++) {
                        v[k] = i.getLong(unravel(shape, k));
                    }
                    return TfValue.ints(shape, v);
                }
                throw new InputException(dir, "variable '" + name + "'", "is " + SavedModelFiles.typeName(
                        t.dataType()) + "; only float32 variables are read");
            } catch (TensorFlowException e) {
                failure = e;
            }
        }
        throw new InputException(dir, "variable '" + name + "'", "cannot be read" + (failure == null
                ? ": no such operation in the graph" : " (" + SavedModelFiles.firstLine(failure.getMessage()) + ")"),
                failure);
    }

    private static long[] unravel(long[] shape, long flat) {
        long[] index = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }

    private static long[] shape(Path dir, String place, String what, TensorInfo info) {
        if (info.getName().isEmpty()) {
            throw new InputException(dir, place, what + " is not a plain tensor (composite and sparse tensors are "
                    + "not supported)");
        }
        if (info.getDtype() != DataType.DT_FLOAT) {
            throw new InputException(dir, place, what + " is " + SavedModelFiles.typeName(info.getDtype())
                    + "; only float32 inputs and outputs are supported");
        }
        if (info.getTensorShape().getUnknownRank() || info.getTensorShape().getDimCount() < 2) {
            throw new InputException(dir, place, what + " has no [batch, ...] shape");
        }
        return info.getTensorShape().getDimList().stream().mapToLong(d -> d.getSize()).toArray();
    }

    private static boolean isCall(NodeDef node) {
        return node.getOp().equals("StatefulPartitionedCall") || node.getOp().equals("PartitionedCall");
    }

    private static NodeDef node(MetaGraphDef serve, String tensor) {
        String name = tensorName(tensor);
        for (NodeDef n : serve.getGraphDef().getNodeList()) {
            if (n.getName().equals(name)) {
                return n;
            }
        }
        return null;
    }

    /** {@code name:0} → {@code name}. */
    private static String tensorName(String tensor) {
        int colon = tensor.indexOf(':');
        return colon < 0 ? tensor : tensor.substring(0, colon);
    }

    private static int outputIndex(String tensor) {
        int colon = tensor.lastIndexOf(':');
        return colon < 0 ? 0 : Integer.parseInt(tensor.substring(colon + 1));
    }
}
