package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.ScoringGraph;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.report.EvolveReport;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.EvolveFiles;
import org.odf2nna.settings.EvolveSettings;
import org.odf2nna.settings.RetrainSettings;

/**
 * A dense head on top of a small convolutional backbone (Conv, Relu, MaxPool, Flatten): shrink and evolve
 * score, prune and retrain the head on the backbone's output, and leave every node and initializer of the
 * backbone exactly as it was.
 */
class BackboneHeadTest {

    private static final int ROWS = 600;

    @TempDir
    Path dir;

    private ModelProto original;
    private Path model;
    private Path train;
    private Path test;
    private float[] testRows;

    @BeforeEach
    void buildModelAndData() throws IOException {
        original = backboneModel(new Random(41));
        model = TestModels.save(original, dir, "backbone.onnx");
        Random random = new Random(42);
        float[] trainRows = TestModels.randomRows(random.nextLong(), ROWS, 16);
        testRows = TestModels.randomRows(random.nextLong(), 200, 16);
        List<String> pixels = MethodTestData.names("p", 16);
        train = MethodTestData.csv(dir.resolve("train.csv"), pixels, trainRows,
                MethodTestData.argmax(MethodTestData.ort(original, trainRows), 3));
        test = MethodTestData.csv(dir.resolve("test.csv"), pixels, testRows,
                MethodTestData.argmax(MethodTestData.ort(original, testRows), 3));
    }

    @Test
    void theModelIsABackboneWithADenseHead() {
        OnnxDenseModel read = DenseChainReader.read(original, model);
        assertEquals(InputPrefix.Kind.BACKBONE, read.network().prefix().kind());
        assertEquals(List.of("Conv", "Relu", "MaxPool", "Flatten"), read.network().prefix().operations());
        assertEquals("8-16-12-3", read.network().architecture());
        assertEquals("features", read.chainInputName());
    }

    @Test
    void convertCountsTheWholeModelsParameters() {
        OnnxDenseModel read = DenseChainReader.read(original, model);
        long whole = Int8Conversion.parameters(original);
        assertTrue(whole > read.network().parameterCount(), "the backbone holds weights of its own");
        org.odf2nna.report.Conversion c = Converter.convert(model, dir.resolve("copy.onnx"),
                org.odf2nna.settings.ModelFormat.ONNX, org.odf2nna.settings.Quantize.NONE, null);
        assertEquals(whole, c.parameters(), "the backbone's 20 weights and biases counted with the head's");
    }

    @Test
    void shrinkChangesOnlyTheHead() {
        Path out = dir.resolve("shrunk.onnx");
        EvalData eval = new EvalData(test, ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL), 64);
        RetrainOptions retrain = new RetrainOptions(train, RetrainSettings.builder().epochs(2).batchSize(32)
                .learningRate(0.001f).seed(3).validationShare(0.2).patience(0).distillation(Distillation.NONE).build());
        ShrinkReport report = Shrinker.run(MethodTestData.shrink(model, eval, 0.0, out, retrain), Progress.NONE);
        assertTrue(report.outcomes().get(0).network().parameters() < report.original().parameters(),
                "the dead units of the head are removed");
        assertBackboneUntouched(OnnxModelFile.read(out));
    }

    @Test
    void evolveChangesOnlyTheHead() {
        Path out = dir.resolve("evolved.onnx");
        RetrainSettings retrain = RetrainSettings.builder().epochs(2).batchSize(32).learningRate(0.001f).seed(3)
                .validationShare(0.2).patience(0).distillation(Distillation.NONE).build();
        EvolveReport report = Evolver.run(EvolveFiles.of(model, train, test, out).withCsv(new CsvReading(null, 64)),
                EvolveSettings.builder().retraining(retrain).population(8).evaluations(40).mutation(0.07).threads(2)
                        .build(), Progress.NONE);
        assertTrue(report.outcome().kept().network().parameters() < report.original().parameters(),
                "the dead units cost nothing to drop, and ties go to fewer units");
        assertNotNull(report.outcome().figures().retrained());
        ModelProto written = OnnxModelFile.read(out);
        assertBackboneUntouched(written);
        assertEquals(report.outcome().kept().network().architecture(),
                DenseChainReader.read(written, out).network().architecture());
    }

    /**
     * Every node that computes the head's input, every initializer they read and the graph input are
     * byte-identical; the backbone's output is the same in ONNX Runtime; the model runs.
     */
    private void assertBackboneUntouched(ModelProto written) {
        List<NodeProto> before = backboneNodes(original.getGraph(), "features");
        List<NodeProto> after = backboneNodes(written.getGraph(), "features");
        assertEquals(4, before.size());
        assertEquals(bytes(before), bytes(after), "backbone nodes, in order");
        for (NodeProto node : before) {
            for (String input : node.getInputList()) {
                TensorProto a = initializer(original.getGraph(), input);
                if (a != null) {
                    TensorProto b = initializer(written.getGraph(), input);
                    assertNotNull(b, "initializer " + input + " kept");
                    assertEquals(a.toByteString(), b.toByteString(), "initializer " + input);
                }
            }
        }
        assertEquals(original.getGraph().getInput(0).toByteString(), written.getGraph().getInput(0).toByteString());
        OnnxDenseModel readBefore = DenseChainReader.read(original, model);
        OnnxDenseModel readAfter = DenseChainReader.read(written, Path.of("out.onnx"));
        float[] featuresBefore = TestModels.runOrt(ScoringGraph.exposing(readBefore, List.of("features")),
                readBefore.input(), testRows, 200, 16, "features");
        float[] featuresAfter = TestModels.runOrt(ScoringGraph.exposing(readAfter, List.of("features")),
                readAfter.input(), testRows, 200, 16, "features");
        assertArrayEquals(featuresBefore, featuresAfter, "the backbone computes the same");
        float[] outputs = MethodTestData.ort(written, testRows);
        assertEquals(200 * 3, outputs.length);
        for (float v : outputs) {
            assertTrue(Float.isFinite(v));
        }
    }

    private static List<ByteString> bytes(List<NodeProto> nodes) {
        return nodes.stream().map(NodeProto::toByteString).toList();
    }

    /** Nodes the tensor depends on, in graph order. */
    private static List<NodeProto> backboneNodes(GraphProto graph, String tensor) {
        Set<String> needed = new HashSet<>(List.of(tensor));
        List<NodeProto> nodes = new ArrayList<>(graph.getNodeList());
        List<NodeProto> result = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto node = nodes.get(i);
            if (node.getOutputList().stream().anyMatch(needed::contains)) {
                result.add(0, node);
                needed.addAll(node.getInputList());
            }
        }
        return result;
    }

    private static TensorProto initializer(GraphProto graph, String name) {
        return graph.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElse(null);
    }

    /**
     * Input [N, 1, 4, 4] → Conv 3x3 (2 channels, padded) → Relu → MaxPool 2x2 → Flatten [N, 8] → Gemm 16, Relu
     * (units 3 and 7 dead) → Gemm 12, Relu → Gemm 3.
     */
    static ModelProto backboneModel(Random random) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("backbone_head");
        g.addInput(TestModels.valueInfo("image", TestModels.FLOAT, new long[] {-1, 1, 4, 4}));
        g.addOutput(TestModels.valueInfo("logits", TestModels.FLOAT, new long[] {-1, 3}));
        g.addInitializer(TestModels.floatTensor("conv.weight", gaussian(random, 18, 0.5), 2, 1, 3, 3));
        g.addInitializer(TestModels.floatTensor("conv.bias", gaussian(random, 2, 0.1), 2));
        g.addNode(NodeProto.newBuilder().setOpType("Conv").setName("conv").addInput("image").addInput("conv.weight")
                .addInput("conv.bias").addOutput("conv_out")
                .addAttribute(ints("kernel_shape", 3, 3)).addAttribute(ints("pads", 1, 1, 1, 1)));
        g.addNode(NodeProto.newBuilder().setOpType("Relu").setName("conv_relu").addInput("conv_out").addOutput("act"));
        g.addNode(NodeProto.newBuilder().setOpType("MaxPool").setName("pool").addInput("act").addOutput("pooled")
                .addAttribute(ints("kernel_shape", 2, 2)).addAttribute(ints("strides", 2, 2)));
        g.addNode(NodeProto.newBuilder().setOpType("Flatten").setName("flatten").addInput("pooled")
                .addOutput("features")
                .addAttribute(TestModels.attr("axis", 1)));
        int[] widths = {8, 16, 12, 3};
        String x = "features";
        for (int l = 0; l < 3; l++) {
            int in = widths[l];
            int units = widths[l + 1];
            float[] bias = gaussian(random, units, 0.1);
            if (l == 0) {
                bias[3] = -1000;
                bias[7] = -1000;
            }
            g.addInitializer(TestModels.floatTensor("fc" + (l + 1) + ".weight",
                    gaussian(random, units * in, 1 / Math.sqrt(in)), units, in));
            g.addInitializer(TestModels.floatTensor("fc" + (l + 1) + ".bias", bias, units));
            String out = l == 2 ? "logits" : "fc" + (l + 1) + "_out";
            g.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("fc" + (l + 1)).addInput(x)
                    .addInput("fc" + (l + 1) + ".weight").addInput("fc" + (l + 1) + ".bias").addOutput(out)
                    .addAttribute(TestModels.attr("transB", 1)));
            x = out;
            if (l < 2) {
                g.addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu" + (l + 1)).addInput(out)
                        .addOutput("h" + (l + 1)));
                x = "h" + (l + 1);
            }
        }
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("backbone-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
    }

    private static float[] gaussian(Random random, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * random.nextGaussian());
        }
        return v;
    }

    private static org.odf2nna.onnx.proto.OnnxProto.AttributeProto ints(String name, long... values) {
        org.odf2nna.onnx.proto.OnnxProto.AttributeProto.Builder a = org.odf2nna.onnx.proto.OnnxProto.AttributeProto
                .newBuilder().setName(name).setType(org.odf2nna.onnx.proto.OnnxProto.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }
}
