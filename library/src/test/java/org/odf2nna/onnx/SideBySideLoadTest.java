package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * A model ONNX Runtime refuses at its default optimization level: a Concat of 8, 0 and 8 channels, which its NCHWc
 * layout rewrite (x86 CPUs with AVX2 or AVX-512) turns into a "ReorderOutput ... invalid channel count". The tool's
 * own sessions open it at the extended level; a timing session, which loads a model as the user's runtime does, says
 * the pruned model is refused.
 */
class SideBySideLoadTest {

    private static final Path FILE = Path.of("branches.onnx");
    private static final InputSignature INPUT = new InputSignature("x", 1, new long[] {-1, 16, 8, 8});

    /** x [N, 16, 8, 8] → Conv 3×3 (32) → three Convs of {@code widths} channels → Concat → Conv 1×1 (16) → y. */
    static ModelProto branches(int... widths) {
        Graphs g = new Graphs(5);
        g.input("x", 16, 8, 8).output("y", 16, 8, 8);
        String c0 = g.node("Conv", "c0", List.of(Graphs.ints("pads", 1, 1, 1, 1)), "x", g.init("w0", 0.3, 32, 16, 3,
                3), g.init("b0", 0.1, 32));
        String[] outs = new String[widths.length];
        int sum = 0;
        for (int j = 0; j < widths.length; j++) {
            outs[j] = g.node("Relu", "r" + j, g.node("Conv", "c" + (j + 1), c0, g.init("w" + (j + 1), 0.3,
                    widths[j], 32, 1, 1), g.init("b" + (j + 1), 0.1, widths[j])));
            sum += widths[j];
        }
        String cat = g.node("Concat", "cat", List.of(Graphs.integer("axis", 1)), outs);
        g.node("Conv", "y", cat, g.init("wy", 0.3, 16, sum, 1, 1), g.init("by", 0.1, 16));
        return g.model(14);
    }

    @Test
    void aTimingSessionSaysThePrunedModelIsRefusedWhereTheToolsOwnSessionsOpenIt() {
        ModelProto whole = branches(8, 8, 8);
        ModelProto emptied = branches(8, 0, 8);
        float[] rows = new float[16 * 8 * 8];
        try (OnnxRunner own = OnnxRunner.open(emptied, INPUT, Device.CPU, FILE)) {
            assertEquals(1, own.run(rows, 1, rows.length, List.of("y")).size(), "the tool's own session runs it");
        }
        boolean refusedByDefault;
        try (OnnxRunner timing = OnnxRunner.open(emptied, INPUT, Device.CPU, FILE, 1)) {
            refusedByDefault = false;
        } catch (InputException e) {
            refusedByDefault = true;
        }
        if (refusedByDefault) {
            InputException e = assertThrows(InputException.class, () -> SideBySide.measure(List.of(whole, emptied),
                    List.of(FILE, FILE), INPUT, rows, 2, 1, 1_000_000L));
            assertTrue(e.getMessage().contains("candidate 1 timed) is refused by ONNX Runtime at its default "
                    + "optimization level"), e.getMessage());
            assertTrue(e.getMessage().contains("ReorderOutput"), e.getMessage());
        } else {
            // A CPU without NCHWc kernels loads it at every level: then it is timed like any other.
            assertEquals(2, SideBySide.measure(List.of(whole, emptied), List.of(FILE, FILE), INPUT, rows, 2, 1,
                    1_000_000L).oneMicros().length);
        }
    }
}
