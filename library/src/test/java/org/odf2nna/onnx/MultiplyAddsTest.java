package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** {@link MultiplyAdds} against counts made by hand on small graphs built in code. */
class MultiplyAddsTest {

    private static final Path FILE = Path.of("made-in-code.onnx");

    @Test
    void convMatMulAndGemmCountedAsByHand() {
        // GraphModels.convNet: Conv 4×1×3×3 padded on 8×8 (4·8·8 outputs × 1·9), MatMul 256→16, a 4×4 MatMul of two
        // computed tensors (16 outputs × 4), Gemm 16→3 with transB.
        MultiplyAdds.Count count = MultiplyAdds.count(GraphModels.convNet(1), FILE);
        assertEquals(4 * 8 * 8 * 9, count.node("conv_node"));
        assertEquals(256 * 16, count.node("fc_node"));
        assertEquals(16 * 4, count.node("hh_node"));
        assertEquals(16 * 3, count.node("y_node"));
        assertEquals(2304 + 4096 + 64 + 48, count.total());
        assertEquals(List.of("Conv", "MatMul", "MatMul", "Gemm"),
                count.nodes().stream().map(MultiplyAdds.Node::opType).toList());
    }

    @Test
    void depthwiseAndTransposedConvolutionsCountTheirGroups() {
        GraphModels m = new GraphModels(2, 13, 64);
        m.node("Reshape", List.of("x", m.ints("img", -1, 4, 4, 4)), "img_x")
                .node("Conv", List.of("img_x", m.weight("dw.w", 0.3, 4, 1, 3, 3)), "dw",
                        GraphModels.list("pads", 1, 1, 1, 1), GraphModels.integer("group", 4))
                .node("Conv", List.of("dw", m.weight("strided.w", 0.3, 6, 4, 1, 1)), "strided",
                        GraphModels.list("strides", 2, 2))
                .node("ConvTranspose", List.of("strided", m.weight("up.w", 0.3, 6, 2, 2, 2)), "up",
                        GraphModels.list("strides", 2, 2))
                .node("Flatten", List.of("up"), "flat")
                .node("Gemm", List.of("flat", m.weight("out.w", 0.3, 3, 32)), "y", GraphModels.integer("transB", 1));
        ModelProto model = m.build("y", -1, 3);
        MultiplyAdds.Count count = MultiplyAdds.count(model, FILE);
        // Depthwise: 4·4·4 outputs, each one channel's 3×3; the strided 1×1: 6·2·2 outputs × 4 channels; transposed:
        // each of its 6·2·2 inputs spread over 2 channels × 2×2 taps; the Gemm: 3 outputs × its 2·4·4 inputs.
        assertEquals(64 * 9, count.node("dw_node"));
        assertEquals(24 * 4, count.node("strided_node"));
        assertEquals(24 * 2 * 4, count.node("up_node"));
        assertEquals(3 * 32, count.node("y_node"));
        assertEquals(576 + 96 + 192 + 96, count.total());
    }

    @Test
    void countsFromGivenShapesWithoutRunning() {
        ModelProto model = GraphModels.convNet(1);
        MultiplyAdds.Count count = MultiplyAdds.count(model, java.util.Map.of("img_x", new long[] {2, 1, 8, 8},
                "conv", new long[] {2, 4, 8, 8}, "flat", new long[] {2, 256}, "fc", new long[] {2, 16},
                "h4", new long[] {2, 4, 4}, "hh", new long[] {2, 4, 4}, "mix", new long[] {2, 16},
                "y", new long[] {2, 3}));
        // Two rows: twice one row's count.
        assertEquals(2 * (2304 + 4096 + 64 + 48), count.total());
    }
}
