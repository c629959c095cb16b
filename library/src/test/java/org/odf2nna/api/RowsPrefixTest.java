package org.odf2nna.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.AttributeProto;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;

/**
 * Rows.read applies a model's input scaling as the command line does (issue 47): a PyTorch export's Div by 255 and a
 * normalisation's Sub and Div give the rows the dense chain reads, and the network predicts what ONNX Runtime computes
 * from the raw CSV rows; onnx() writes the scaling back. A backbone is still refused.
 */
class RowsPrefixTest {

    private static final int ROWS = 40;

    @TempDir
    Path dir;

    @Test
    void aDivBy255AtTheInputIsAppliedToTheRowsAndWrittenBack() throws IOException {
        ModelProto plain = TestModels.dense(4, 8, 3).build().model();
        // x / 255 in front of the first layer, with the 255 in a Constant node, as torch.onnx.export writes it.
        GraphProto.Builder g = plain.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals("fc1")) {
                g.setNode(i, g.getNode(i).toBuilder().setInput(0, "x_scaled"));
            }
        }
        g.addNode(0, NodeProto.newBuilder().setName("/Div").setOpType("Div").addInput("x").addInput("c255")
                .addOutput("x_scaled"));
        g.addNode(0, NodeProto.newBuilder().setName("/Constant").setOpType("Constant").addOutput("c255")
                .addAttribute(AttributeProto.newBuilder().setName("value")
                        .setType(AttributeProto.AttributeType.TENSOR).setT(TestModels.floatTensor("c255",
                                new float[] {255f}))));
        ModelProto model = plain.toBuilder().setGraph(g).build();
        assertReadAsTheRuntimeReadsIt(model, 255);
    }

    @Test
    void aNormalisationAtTheInputIsAppliedToTheRows() throws IOException {
        assertReadAsTheRuntimeReadsIt(TestModels.dense(4, 8, 3).prefix(TestModels.Prefix.SUB_DIV).build().model(), 1);
    }

    @Test
    void aBackboneIsStillRefused() throws IOException {
        Path file = TestModels.save(TestModels.dense(4, 8, 3).prefix(TestModels.Prefix.SIN).build().model(), dir,
                "sin.onnx");
        DenseNetwork network = Odf2nna.load(file);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rows.read(csv(1, 4), network));
        assertEquals("network: its input prefix (Sin) changes the values in a way other than scaling and shifting "
                + "each, so a CSV's columns are not its dense chain's inputs", e.getMessage());
    }

    private void assertReadAsTheRuntimeReadsIt(ModelProto model, double range) throws IOException {
        Path file = TestModels.save(model, dir, "model.onnx");
        Path csv = csv(range, 4);
        DenseNetwork network = Odf2nna.load(file);
        Rows rows = Rows.read(csv, network);
        float[] raw = raw(csv);
        InputSignature input = new InputSignature("x", TestModels.FLOAT, new long[] {-1, 4});
        float[] runtime = TestModels.runOrt(model, input, raw, ROWS, 4, model.getGraph().getOutput(0).getName());
        TestModels.assertClose(runtime, Odf2nna.predict(network, rows), 1e-4, "the chain on Rows.read's rows");
        // Written back from scratch, the model takes the raw rows again.
        ModelProto written = ModelProto.parseFrom(Odf2nna.onnx(network));
        float[] rewritten = TestModels.runOrt(written, new InputSignature("input", TestModels.FLOAT,
                new long[] {-1, 4}), raw, ROWS, 4, "output");
        TestModels.assertClose(runtime, rewritten, 1e-4, "onnx() of the network on the raw rows");
    }

    /** Rows of {@code width} values in [0, range) and a class label. */
    private Path csv(double range, int width) throws IOException {
        StringBuilder s = new StringBuilder("a,b,c,d,label\n");
        java.util.Random random = new java.util.Random(5);
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < width; c++) {
                s.append(String.format(Locale.ROOT, "%.3f,", random.nextDouble() * range));
            }
            s.append(r % 3).append('\n');
        }
        return Files.writeString(dir.resolve("rows.csv"), s);
    }

    private static float[] raw(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().skip(1).flatMap(l -> java.util.Arrays.stream(l.split(",")).limit(4))
                .collect(() -> new java.util.ArrayList<Float>(), (a, v) -> a.add(Float.parseFloat(v)),
                        java.util.ArrayList::addAll)
                .stream().collect(java.util.stream.Collectors.collectingAndThen(java.util.stream.Collectors.toList(),
                        list -> {
                            float[] out = new float[list.size()];
                            for (int i = 0; i < out.length; i++) {
                                out[i] = list.get(i);
                            }
                            return out;
                        }));
    }
}
