package org.odf2nna.tf.graphdef;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Translates a function of a GraphDef's library into ONNX, as tf2onnx reads a TF2 SavedModel: the function's nodes
 * are walked back from its outputs, calls ({@code StatefulPartitionedCall}, {@code PartitionedCall}) are followed into
 * the callee with its arguments bound, resource arguments are the variables' values (so {@code ReadVariableOp} is the
 * value itself, frozen in as an initializer), and each other node is translated by its op's {@link TfOpTranslator}.
 * Only what the outputs depend on is translated; the training copies of the layers in the library are never visited.
 */
public final class FunctionTranslator {

    /** The ONNX opset the translators write. */
    public static final long OPSET = 13;

    private static final int MAX_CALL_DEPTH = 64;

    private final Map<String, FunctionDef> library = new HashMap<>();
    private final OnnxGraph graph = new OnnxGraph();

    private FunctionTranslator(List<FunctionDef> functions) {
        functions.forEach(f -> library.put(f.getSignature().getName(), f));
    }

    /**
     * The ONNX model computing output {@code output} of {@code function} when its first argument is the data input
     * (float32, {@code inputShape} with -1 for the batch) and the others are {@code arguments} in order (the
     * variables' values, or further constants).
     *
     * @throws TfTranslationException for a node that cannot be translated, naming the function, node and op
     */
    public static ModelProto translate(List<FunctionDef> functions, String function, int output, String inputName,
                                       long[] inputShape, List<TfValue> arguments, String outputName,
                                       String producer) {
        FunctionTranslator t = new FunctionTranslator(functions);
        TfValue input = TfValue.symbolic(inputName, inputShape);
        List<TfValue> bound = new ArrayList<>();
        bound.add(input);
        bound.addAll(arguments);
        TfValue result = t.call(function, bound, output, "serving signature", 0);
        if (result.isConstant()) {
            throw new TfTranslationException(function, "output " + output, "Constant", "the output does not "
                    + "depend on the input");
        }
        GraphProto g = t.graph.build(function, input, result, outputName);
        return ModelProto.newBuilder().setIrVersion(7).setProducerName(producer)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(g).build();
    }

    /** Output {@code output} of {@code name} called with {@code arguments}. */
    private TfValue call(String name, List<TfValue> arguments, int output, String caller, int depth) {
        return enter(name, arguments, caller, depth).output(output, caller);
    }

    /** The scope of {@code name} called with {@code arguments}; its outputs are translated when read. */
    private Scope enter(String name, List<TfValue> arguments, String caller, int depth) {
        FunctionDef f = library.get(name);
        if (f == null) {
            throw new TfTranslationException(caller, name, "call", "calls a function that is not in the library");
        }
        if (depth > MAX_CALL_DEPTH) {
            throw new TfTranslationException(name, name, "call", "calls nest deeper than " + MAX_CALL_DEPTH);
        }
        OpDef signature = f.getSignature();
        if (signature.getInputArgCount() != arguments.size()) {
            throw new TfTranslationException(caller, name, "call", "passes " + arguments.size() + " arguments to a "
                    + "function of " + signature.getInputArgCount());
        }
        Scope scope = new Scope(f, depth);
        for (int i = 0; i < arguments.size(); i++) {
            scope.values.put(signature.getInputArg(i).getName(), arguments.get(i));
        }
        return scope;
    }

    /** One function being walked: its nodes by name and the values found so far. */
    private final class Scope {
        final FunctionDef function;
        final int depth;
        final Map<String, NodeDef> nodes = new HashMap<>();
        final Map<String, TfValue> values = new HashMap<>();
        final Map<String, List<TfValue>> outputs = new HashMap<>();
        final Map<String, Scope> callees = new HashMap<>();

        Scope(FunctionDef function, int depth) {
            this.function = function;
            this.depth = depth;
            function.getNodeDefList().forEach(n -> nodes.put(n.getName(), n));
        }

        String name() {
            return function.getSignature().getName();
        }

        TfValue output(int output, String caller) {
            OpDef signature = function.getSignature();
            if (output >= signature.getOutputArgCount()) {
                throw new TfTranslationException(caller, name(), "call", "reads output " + output
                        + " of a function with " + signature.getOutputArgCount());
            }
            return value(function.getRetOrThrow(signature.getOutputArg(output).getName()));
        }

        /** A tensor reference of the function body: an argument, {@code node:arg:i}, or {@code node}. */
        TfValue value(String ref) {
            TfValue arg = values.get(ref);
            if (arg != null) {
                return arg;
            }
            String[] parts = ref.split(":");
            NodeDef node = nodes.get(parts[0]);
            if (node == null) {
                throw new TfTranslationException(name(), parts[0], "?", "is read but not defined in the function");
            }
            int index = parts.length == 3 ? Integer.parseInt(parts[2]) : parts.length == 2
                    ? Integer.parseInt(parts[1]) : 0;
            String op = node.getOp();
            if (op.equals("StatefulPartitionedCall") || op.equals("PartitionedCall")) {
                Scope callee = callees.get(node.getName());
                if (callee == null) {
                    callee = enter(node.getAttrOrThrow("f").getFunc().getName(), dataInputs(node),
                            name() + "', node '" + node.getName(), depth + 1);
                    callees.put(node.getName(), callee);
                }
                return callee.output(index, name() + "', node '" + node.getName());
            }
            List<TfValue> out = outputs.get(node.getName());
            if (out == null) {
                out = translate(node);
                outputs.put(node.getName(), out);
            }
            if (index >= out.size()) {
                throw new TfTranslationException(name(), node.getName(), node.getOp(), "output " + index
                        + " is read but only " + out.size() + " is translated");
            }
            return out.get(index);
        }

        private List<TfValue> dataInputs(NodeDef node) {
            List<TfValue> inputs = new ArrayList<>();
            for (String in : node.getInputList()) {
                if (!in.startsWith("^")) {
                    inputs.add(value(in));
                }
            }
            return inputs;
        }

        private List<TfValue> translate(NodeDef node) {
            List<TfValue> inputs = dataInputs(node);
            String op = node.getOp();
            TfOpTranslator translator = TfTranslators.get(op);
            if (translator == null) {
                throw new TfTranslationException(name(), node.getName(), op, "op " + op + " is not translated; "
                        + "supported: " + String.join(", ", TfTranslators.supported()));
            }
            graph.enter(node.getName());
            return translator.translate(new TfNode(node, name(), inputs), graph);
        }
    }
}
