package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.InputException;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

class BlockFinderTest {

    static final Path FILE = Path.of("graph.onnx");

    /** A transformer FFN on [N, 4, 6]: MatMul, bias Add, exact GELU (5 nodes), MatMul, bias Add, residual Add. */
    static ModelProto ffn(Graphs g, float[] w1, float[] b1) {
        g.input("x", 4, 6).output("y", 4, 6);
        String w1n = w1 == null ? g.init("w1", 0.6, 6, 10) : g.init("w1", w1, 6, 10);
        String b1n = b1 == null ? g.init("b1", 0.3, 10) : g.init("b1", b1, 10);
        String h = g.node("Add", "pre", b1n, g.node("MatMul", "mm1", "x", w1n));
        String a = g.erfGelu(h, "act");
        String o = g.node("Add", "ffn", g.node("MatMul", "mm2", a, g.init("w2", 0.5, 10, 6)), g.init("b2", 0.2, 6));
        g.node("Add", "y", "x", o);
        return g.model(14);
    }

    /** An inverted residual on [N, 3, 5, 5]: 1×1 Conv, ReLU6, depthwise 3×3, ReLU6, 1×1 Conv without bias. */
    static ModelProto pointwise(Graphs g, float[] w1, float[] b1, float[] dw, float[] dwb) {
        g.input("x", 3, 5, 5).output("y", 4, 5, 5);
        String lo = g.constant("lo", 0f);
        String hi = g.constant("hi", 6f);
        String c1 = g.node("Conv", "c1", List.of(Graphs.ints("kernel_shape", 1, 1)), "x",
                w1 == null ? g.init("w1", 0.8, 8, 3, 1, 1) : g.init("w1", w1, 8, 3, 1, 1),
                b1 == null ? g.init("b1", 0.3, 8) : g.init("b1", b1, 8));
        String r1 = g.node("Clip", "r1", c1, lo, hi);
        String d = g.node("Conv", "dw", List.of(Graphs.integer("group", 8), Graphs.ints("kernel_shape", 3, 3),
                Graphs.ints("pads", 1, 1, 1, 1)), r1, dw == null ? g.init("dww", 0.5, 8, 1, 3, 3)
                        : g.init("dww", dw, 8, 1, 3, 3), dwb == null ? g.init("dwb", 0.2, 8) : g.init("dwb", dwb, 8));
        String r2 = g.node("Clip", "r2", d, lo, hi);
        g.node("Conv", "y", List.of(Graphs.ints("kernel_shape", 1, 1)), r2, g.init("w2", 0.5, 4, 8, 1, 1));
        return g.model(14);
    }

    /** Squeeze-excite on [N, 4, 3, 3]: mean pool, 1×1 Conv, ReLU, 1×1 Conv, Sigmoid, Mul. */
    static ModelProto squeezeExcite(Graphs g) {
        g.input("x", 4, 3, 3).output("y", 4, 3, 3);
        String pooled = g.node("ReduceMean", "pool", List.of(Graphs.ints("axes", 2, 3), Graphs.integer("keepdims", 1)),
                "x");
        String f1 = g.node("Conv", "fc1", List.of(Graphs.ints("kernel_shape", 1, 1)), pooled,
                g.init("se1", 0.7, 2, 4, 1, 1), g.init("se1b", 0.2, 2));
        String r = g.node("Relu", "se_relu", f1);
        String f2 = g.node("Conv", "fc2", List.of(Graphs.ints("kernel_shape", 1, 1)), r,
                g.init("se2", 0.7, 4, 2, 1, 1), g.init("se2b", 0.2, 4));
        g.node("Mul", "y", "x", g.node("Sigmoid", "gate", f2));
        return g.model(14);
    }

    /** Opset 17: LayerNormalization, then an FFN with GELU's tanh approximation, and the residual. */
    static ModelProto opset17(Graphs g) {
        g.input("x", 4, 6).output("y", 4, 6);
        String n = g.node("LayerNormalization", "ln", List.of(Graphs.integer("axis", -1)), "x",
                g.init("ln_scale", 1.0, 6), g.init("ln_bias", 0.1, 6));
        String h = g.node("Add", "pre", g.node("MatMul", "mm1", n, g.init("w1", 0.6, 6, 10)), g.init("b1", 0.3, 10));
        String a = g.tanhGelu(h, "act");
        String o = g.node("Add", "ffn", g.node("MatMul", "mm2", a, g.init("w2", 0.5, 10, 6)), g.init("b2", 0.2, 6));
        g.node("Add", "y", "x", o);
        return g.model(17);
    }

    /** Opset 14 on [N, 6]: Gemm (transB), SiLU as x·Sigmoid(x), Gemm. */
    static ModelProto siluGemm(Graphs g) {
        g.input("x", 6).output("y", 3);
        String h = g.node("Gemm", "g1", List.of(Graphs.integer("transB", 1)), "x", g.init("w1", 0.6, 10, 6),
                g.init("b1", 0.3, 10));
        String s = g.node("Mul", "silu", h, g.node("Sigmoid", "sig", h));
        g.node("Gemm", "y", s, g.init("w2", 0.5, 10, 3), g.init("b2", 0.1, 3));
        return g.model(14);
    }

    @Test
    void findsTheFfnWithErfGeluAndItsResidual() {
        List<DenseBlock> blocks = BlockFinder.find(ffn(new Graphs(1), null, null), FILE);
        assertEquals(1, blocks.size());
        DenseBlock b = blocks.get(0);
        assertEquals(DenseBlock.Kind.MATMUL, b.kind());
        assertEquals(10, b.sizes().width());
        assertEquals("gelu (erf)", b.activation());
        assertEquals(List.of("bias Add"), b.perUnitOps());
        assertEquals(6 * 10 + 10 + 10 * 6 + 6, b.sizes().parameters());
        assertEquals("act_gelu", b.place().hidden());
        assertEquals("ffn", b.place().output());
        assertEquals("x", b.place().residual());
        assertEquals(6 + 1 + 6, b.parametersPerUnit());
    }

    @Test
    void findsAPointwiseBlockWithADepthwiseConvolutionBetween() {
        List<DenseBlock> blocks = BlockFinder.find(pointwise(new Graphs(2), null, null, null, null), FILE);
        assertEquals(1, blocks.size());
        DenseBlock b = blocks.get(0);
        assertEquals(DenseBlock.Kind.CONV, b.kind());
        assertEquals(8, b.sizes().width());
        assertEquals("relu6", b.activation());
        assertEquals(List.of("depthwise Conv 3x3", "relu6"), b.perUnitOps());
        assertEquals(24 + 8 + 72 + 8 + 32, b.sizes().parameters());
        assertNull(b.rewrites().secondBias());
        assertEquals(1, b.rewrites().groupNodes().size());
    }

    @Test
    void findsASqueezeExciteBlock() {
        List<DenseBlock> blocks = BlockFinder.find(squeezeExcite(new Graphs(3)), FILE);
        assertEquals(1, blocks.size());
        assertEquals("relu", blocks.get(0).activation());
        assertEquals(2, blocks.get(0).sizes().width());
        assertEquals(8 + 2 + 8 + 4, blocks.get(0).sizes().parameters());
    }

    @Test
    void findsTanhGeluAfterLayerNormalizationAtOpset17AndSiluBetweenGemms() {
        List<DenseBlock> a = BlockFinder.find(opset17(new Graphs(4)), FILE);
        assertEquals(1, a.size());
        assertEquals("gelu (tanh)", a.get(0).activation());
        List<DenseBlock> b = BlockFinder.find(siluGemm(new Graphs(5)), FILE);
        assertEquals(1, b.size());
        assertEquals("silu", b.get(0).activation());
        assertEquals(60 + 10 + 30 + 3, b.get(0).sizes().parameters());
    }

    @Test
    void aHiddenTensorReadOutsideTheBlockIsNoBlock() {
        Graphs g = new Graphs(6);
        g.input("x", 6).output("y", 3).output("leak", 10);
        String h = g.node("Relu", "leak", g.node("MatMul", "mm1", "x", g.init("w1", 0.5, 6, 10)));
        g.node("MatMul", "y", h, g.init("w2", 0.5, 10, 3));
        assertTrue(BlockFinder.find(g.model(14), FILE).isEmpty());
    }

    @Test
    void aGraphWithoutBlocksHasNoneAndCannotBePruned() {
        Graphs g = new Graphs(7);
        g.input("x", 6).output("y", 3);
        g.node("Add", "y", g.node("MatMul", "mm", "x", g.init("w", 0.5, 6, 3)), g.init("b", 0.5, 3));
        ModelProto m = g.model(14);
        assertTrue(BlockFinder.find(m, FILE).isEmpty());
        assertTrue(GraphSweep.describe(m, FILE).blocks().isEmpty());
        InputException e = assertThrows(InputException.class, () -> GraphSweep.prune(m, FILE,
                new GraphRows(Graphs.rows(1, 4, 6), 6, null), 0.5, GraphRun.of(org.odf2nna.settings.SweepSettings.defaults(), 0.1)));
        assertEquals(InputException.Kind.UNCERTIFIABLE, e.kind());
    }

    @Test
    void severalInputsAreRefusedNamingThemAndTokenIdsAreRead() {
        Graphs g = new Graphs(8);
        g.input("x", 6).input("mask", 6).output("y", 6);
        g.node("Add", "y", "x", "mask");
        InputException e = assertThrows(InputException.class, () -> GraphRows.dataInput(g.model(14), FILE));
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("2 inputs (x, mask)"), e.getMessage());
        assertTrue(e.getMessage().contains("the input setting NAME=FILE"), e.getMessage());
        ModelProto ids = ModelProto.newBuilder(siluGemm(new Graphs(9))).build();
        ModelProto.Builder b = ids.toBuilder();
        b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setElemType(7);
        assertEquals(7, GraphRows.dataInput(b.build(), FILE).elementType());
        b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setElemType(8);
        InputException f = assertThrows(InputException.class, () -> GraphRows.dataInput(b.build(), FILE));
        assertTrue(f.getMessage().contains("input 'x'") && f.getMessage().contains("STRING"), f.getMessage());
    }
}
