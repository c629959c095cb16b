package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;

/**
 * Every MatMul, Gemm and Conv of any ONNX graph whose weight is a constant, stored as int8 with a scale per output
 * channel ({@link Int8Quantization#columns}) and run on ONNX Runtime's integer kernels; the rest of the graph is kept
 * as it is. Two forms:
 * <ul>
 * <li>{@link Form#DYNAMIC}: each layer's input quantized at run time, {@code DynamicQuantizeLinear → MatMulInteger}
 * (or {@code ConvInteger}) {@code → Cast → Mul(·, Mul(x_scale, s)) [→ Add(bias)]}: standard operators (opset 11),
 * fused by ONNX Runtime into DynamicQuantizeMatMul. One range per tensor, so a row's outputs depend on the rows run
 * with it; the tool judges each row run alone.</li>
 * <li>{@link Form#STATIC}: each layer's input quantized with a fixed scale and zero point from calibration rows
 * ({@link Range}). A two-dimensional input: {@code QuantizeLinear → QGemm} (ONNX Runtime's com.microsoft operator,
 * int32 bias, float output, or uint8 output straight into the next QGemm, a ReLU between them being the clamp at
 * zero point 0); any other: QuantizeLinear/DequantizeLinear pairs around the MatMul or Conv (opset 13), which ONNX
 * Runtime fuses into MatMulIntegerToFloat or QLinearConv. A row's outputs do not depend on its batch.</li>
 * </ul>
 * What is judged is the written graph as ONNX Runtime runs it: the tool runs the file itself.
 */
public final class GraphQuantizer {

    /** The opset the dynamic form's operators need (DynamicQuantizeLinear). */
    public static final long DYNAMIC_OPSET = 11;
    /** The opset the static form's per-channel DequantizeLinear needs. */
    public static final long STATIC_OPSET = 13;
    static final String MS_DOMAIN = "com.microsoft";

    /** How layers' inputs are quantized. */
    public enum Form {
        /** At run time, per tensor (DynamicQuantizeLinear). */
        DYNAMIC,
        /** With scales calibrated on training rows. */
        STATIC;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Which operators the static form may write: the standard ones only ({@link QdqWriter}: QuantizeLinear and
     * DequantizeLinear around the float operators, which ONNX Runtime fuses into its integer kernels at load), or
     * ONNX Runtime's own {@code com.microsoft} QGemm for two-dimensional products ({@link Int8Writer}), which minimal
     * and mobile builds and other runtimes may lack. The command line's choice is {@code settings.Int8Operators}
     * (parsed there), which {@code method.Int8FloatLayers} maps to this.
     */
    public enum Operators {
        /** Standard ONNX operators only (the default). */
        STANDARD,
        /** ONNX Runtime's com.microsoft operators where the tool has a form with them (QGemm). */
        CONTRIB;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The values a tensor took on the calibration rows.
     *
     * @param rank the tensor's rank (a QGemm takes two-dimensional inputs only)
     */
    public record Range(float min, float max, int rank) {

        /** The uint8 scale for this range stretched to hold 0, as DynamicQuantizeLinear chooses it. */
        public float scale() {
            float lo = Math.min(0f, min);
            float hi = Math.max(0f, max);
            float s = (hi - lo) / 255f;
            return s > 0 && Float.isFinite(s) ? s : 1f;
        }

        /** The uint8 zero point: {@code rint(-lo / scale)} clamped to [0, 255]. */
        public int zeroPoint() {
            float lo = Math.min(0f, min);
            return (int) Math.max(0, Math.min(255, Math.rint(-lo / scale())));
        }
    }

    /**
     * One MatMul, Gemm or Conv of the graph.
     *
     * @param node      its name (or op type and output)
     * @param op        its op type
     * @param weights   its weight's elements (0 when it has no constant weight)
     * @param keptFloat why it stayed float, or null when it is int8
     */
    public record Layer(String node, String op, long weights, String keptFloat) {

        public boolean int8() {
            return keptFloat == null;
        }
    }

    /** A quantized graph and what became of each layer. */
    public record Result(ModelProto model, Form form, List<Layer> layers) {

        public Result {
            layers = List.copyOf(layers);
        }

        public List<Layer> int8Layers() {
            return layers.stream().filter(Layer::int8).toList();
        }

        public long int8Weights() {
            return int8Layers().stream().mapToLong(Layer::weights).sum();
        }

        public long floatWeights() {
            return layers.stream().filter(l -> !l.int8()).mapToLong(Layer::weights).sum();
        }

        /** One line per reason a layer stayed float, naming up to three of them. */
        public List<String> floatReasons() {
            return reasons(layers);
        }
    }

    private GraphQuantizer() {
    }

    /** One line per reason: {@code 3 MatMul kept float: <why> (a, b, c)}, at most three names and a count of more. */
    public static List<String> reasons(List<Layer> layers) {
        Map<String, List<Layer>> by = new LinkedHashMap<>();
        for (Layer l : layers) {
            if (!l.int8()) {
                by.computeIfAbsent(l.keptFloat(), k -> new ArrayList<>()).add(l);
            }
        }
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, List<Layer>> e : by.entrySet()) {
            List<Layer> of = e.getValue();
            Set<String> ops = new LinkedHashSet<>();
            of.forEach(l -> ops.add(l.op()));
            List<String> names = of.stream().limit(3).map(Layer::node).toList();
            lines.add(of.size() + " " + String.join("/", ops) + " kept float: " + e.getKey() + " (" + String.join(", ",
                    names) + (of.size() > 3 ? ", and " + (of.size() - 3) + " more" : "") + ")");
        }
        return lines;
    }

    /**
     * What each layer can become: the layers that can be quantized and those that stay float and why.
     *
     * @param keepFloat nodes (by first output) to keep float, with the reason to give
     */
    public static Plan plan(ModelProto model, Path file, Map<String, String> keepFloat) {
        return plan(model, file, keepFloat, Operators.CONTRIB);
    }

    /**
     * {@link #plan(ModelProto, Path, Map)} for a static form in {@code ops}: the standard form calibrates every
     * activation tensor it quantizes ({@link QdqWriter#plan}).
     */
    public static Plan plan(ModelProto model, Path file, Map<String, String> keepFloat, Operators ops) {
        GraphIndex index = new GraphIndex(model, file);
        Int8Sites.Found found = Int8Sites.find(index, keepFloat);
        List<Layer> int8 = found.sites().stream().map(s -> new Layer(s.name(), s.node().getOpType(),
                s.weightElements(), null)).toList();
        if (ops == Operators.STANDARD) {
            return new Plan(int8, found.kept(), QdqWriter.plan(index, found.sites()).tensors());
        }
        Set<String> t = new LinkedHashSet<>();
        for (Int8Sites.Site s : found.sites()) {
            t.add(s.input());
            if (s.kind() == Int8Sites.Kind.CONV) {
                t.add(s.output());
            }
        }
        return new Plan(int8, found.kept(), List.copyOf(t));
    }

    /** Each layer an int8 form can cover, by its first output (the key {@code keepFloat} takes), with its op type. */
    public static Map<String, String> quantizable(ModelProto model, Path file) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (Int8Sites.Site s : Int8Sites.find(new GraphIndex(model, file), Map.of()).sites()) {
            keys.put(GraphIndex.key(s.node()), s.node().getOpType());
        }
        return keys;
    }

    /**
     * The layers a graph holds.
     *
     * @param int8               those that can be quantized
     * @param kept               those that stay float, each with the reason
     * @param calibrationTensors the tensors a static form needs ranges of: each quantized layer's input, and each
     *                           Conv's output
     */
    public record Plan(List<Layer> int8, List<Layer> kept, List<String> calibrationTensors) {
    }

    /**
     * The model with every layer {@link #plan} finds quantized in {@code form}.
     *
     * @param ranges the calibrated ranges of {@link Plan#calibrationTensors} (static form only; null for dynamic)
     */
    public static Result quantize(ModelProto model, Path file, Form form, Map<String, String> keepFloat,
            Map<String, Range> ranges) {
        return quantize(model, file, form, keepFloat, ranges, Operators.CONTRIB);
    }

    /** {@link #quantize(ModelProto, Path, Form, Map, Map)}, a static form written in {@code ops}. */
    public static Result quantize(ModelProto model, Path file, Form form, Map<String, String> keepFloat,
            Map<String, Range> ranges, Operators ops) {
        GraphIndex index = new GraphIndex(model, file);
        Int8Sites.Found plan = Int8Sites.find(index, keepFloat);
        long needed = form == Form.DYNAMIC ? DYNAMIC_OPSET : STATIC_OPSET;
        long opset = index.opset;
        if (opset < needed) {
            throw new IllegalArgumentException("the " + form.id() + " int8 form needs opset " + needed
                    + " or later; the model imports " + opset + " (raise it first: OpsetRaise)");
        }
        ModelProto.Builder b = model.toBuilder();
        GraphProto.Builder graph = b.getGraphBuilder();
        if (form == Form.STATIC && ops == Operators.STANDARD) {
            QdqWriter.write(graph, Int8Weights.takenNames(graph), plan.sites(), QdqWriter.plan(index, plan.sites()),
                    ranges);
            return result(model, b.build(), form, plan);
        }
        Int8Writer writer = new Int8Writer(graph, Int8Weights.takenNames(graph));
        for (Int8Sites.Site site : plan.sites()) {
            if (form == Form.DYNAMIC) {
                writer.dynamic(site);
            } else {
                Range in = ranges == null ? null : ranges.get(site.input());
                Range out = ranges == null ? null : ranges.get(site.output());
                if (in == null || site.kind() == Int8Sites.Kind.CONV && out == null) {
                    throw new IllegalArgumentException("no calibrated range for the input or output of "
                            + site.name());
                }
                writer.statically(site, in, out);
            }
        }
        writer.finish();
        if (form == Form.STATIC && writer.usesContribOps()) {
            importDomain(b, MS_DOMAIN, 1);
        }
        return result(model, b.build(), form, plan);
    }

    /** What became of each layer, in the graph's order. */
    private static Result result(ModelProto model, ModelProto written, Form form, Int8Sites.Found plan) {
        List<Layer> layers = new ArrayList<>();
        for (Int8Sites.Site site : plan.sites()) {
            layers.add(new Layer(site.name(), site.node().getOpType(), site.weightElements(), null));
        }
        layers.addAll(plan.kept());
        List<Layer> ordered = new ArrayList<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            String name = GraphIndex.displayName(n);
            layers.stream().filter(l -> l.node().equals(name)).findFirst().ifPresent(ordered::add);
        }
        return new Result(written, form, ordered.size() == layers.size() ? ordered : layers);
    }

    private static void importDomain(ModelProto.Builder model, String domain, long version) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().equals(domain)) {
                return;
            }
        }
        model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version));
    }

    /** Whether the model already holds nodes of the integer forms (a file this tool quantized). */
    public static boolean quantized(ModelProto model) {
        Set<String> ops = new HashSet<>(List.of("MatMulInteger", "ConvInteger", "QGemm", "QLinearMatMul",
                "QLinearConv", "DynamicQuantizeLinear", "QuantizeLinear"));
        return model.getGraph().getNodeList().stream().anyMatch(n -> ops.contains(n.getOpType()));
    }
}
