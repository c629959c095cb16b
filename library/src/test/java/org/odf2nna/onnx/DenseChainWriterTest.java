package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.onnx.TestModels.Act;
import static org.odf2nna.onnx.TestModels.Head;
import static org.odf2nna.onnx.TestModels.Norm;
import static org.odf2nna.onnx.TestModels.Prefix;
import static org.odf2nna.onnx.TestModels.Storage;
import static org.odf2nna.onnx.TestModels.Style;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.prune.Pruner;
import org.odf2nna.prune.UnitSelection;
import org.odf2nna.prune.UnitStatistics;

class DenseChainWriterTest {

    private static final int ROWS = 41;
    private static final double TOLERANCE = 1e-5;
    private static final Path FILE = Path.of("model.onnx");

    static Stream<Arguments> unnormalisedModels() {
        List<Arguments> cases = new ArrayList<>();
        for (Style style : Style.values()) {
            cases.add(Arguments.of("style " + style, TestModels.dense(4, 8, 6, 3).style(style).build()));
        }
        cases.add(Arguments.of("alpha/beta", TestModels.dense(4, 8, 6, 3).gemmScale(0, 0.7f, 1.3f)
                .gemmScale(1, 1.9f, 0.3f).gemmScale(2, 0.6f, 1.1f).build()));
        cases.add(Arguments.of("float_data", TestModels.dense(4, 8, 6, 3).storage(Storage.TYPED)
                .style(1, Style.MATMUL_ADD).build()));
        cases.add(Arguments.of("Constant nodes", TestModels.dense(4, 8, 6, 3).storage(Storage.CONSTANT_NODE)
                .style(0, Style.MATMUL_ADD_LEFT).build()));
        cases.add(Arguments.of("Identity of initializers", TestModels.dense(4, 8, 6, 3)
                .storage(Storage.IDENTITY_OF_INITIALIZER).style(1, Style.MATMUL_ADD).build()));
        cases.add(Arguments.of("float64", TestModels.dense(4, 8, 6, 3).doubles().build()));
        cases.add(Arguments.of("float64 typed", TestModels.dense(4, 8, 6, 3).doubles().storage(Storage.TYPED)
                .style(Style.MATMUL_ADD).build()));
        cases.add(Arguments.of("float64 full precision", TestModels.dense(4, 8, 6, 3).fullDoublePrecision().build()));
        cases.add(Arguments.of("opset 7 IR 3", TestModels.dense(4, 8, 6, 3).opset(7).style(1, Style.MATMUL_ADD)
                .dropout(0).build()));
        cases.add(Arguments.of("opset 11", TestModels.dense(4, 8, 6, 3).opset(11).style(Style.GEMM_NO_BIAS)
                .activation(Act.clip(0f, 1f)).build()));
        cases.add(Arguments.of("prefix, head, decorations", TestModels.dense(4, 8, 6, 3).prefix(Prefix.SUB_DIV)
                .head(Head.SOFTMAX).valueInfo().docStrings().metadata("source", "unit test")
                .metadata("classes", "a,b,c").dropout(0).identity(1).build()));
        cases.add(Arguments.of("Flatten prefix, unnamed nodes", TestModels.dense(4, 8, 6, 3).prefix(Prefix.FLATTEN)
                .unnamedNodes().head(Head.LOG_SOFTMAX).build()));
        return cases.stream();
    }

    static Stream<Arguments> allModels() {
        List<Arguments> cases = new ArrayList<>(unnormalisedModels().toList());
        cases.add(Arguments.of("Identity between MatMul and bias, linear hidden layer", TestModels.dense(4, 8, 6, 3)
                .style(Style.MATMUL_ADD).identityBeforeBias(0).identityBeforeBias(1).activation(0, Act.none())
                .valueInfo().build()));
        cases.add(Arguments.of("float64 without biases", TestModels.dense(4, 8, 6, 3).doubles()
                .style(0, Style.GEMM_NO_BIAS).style(1, Style.MATMUL_NO_BIAS).style(2, Style.MATMUL_NO_BIAS).build()));
        cases.add(Arguments.of("BN before and after activation", TestModels.dense(4, 8, 6, 3)
                .norm(0, Norm.BEFORE_ACTIVATION).norm(1, Norm.AFTER_ACTIVATION).valueInfo().build()));
        cases.add(Arguments.of("BN writes the graph output", TestModels.dense(4, 8, 6, 3).style(Style.MATMUL_NO_BIAS)
                .norm(0, Norm.AFTER_ACTIVATION).norm(2, Norm.BEFORE_ACTIVATION).build()));
        cases.add(Arguments.of("BN, Constant nodes, float_data", TestModels.dense(4, 8, 6, 3).storage(Storage.TYPED)
                .norm(1, Norm.BEFORE_ACTIVATION).build()));
        cases.add(Arguments.of("BN, prefix, softmax", TestModels.dense(8, 8, 6, 3).prefix(Prefix.CONV)
                .storage(Storage.CONSTANT_NODE).norm(0, Norm.AFTER_ACTIVATION).head(Head.SOFTMAX).build()));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unnormalisedModels")
    void keepingEveryUnitWritesTheOriginalBack(String name, TestModels.Built built) {
        ModelProto original = built.model();
        OnnxDenseModel read = DenseChainReader.read(original, FILE);
        ModelProto written = DenseChainWriter.write(read, read.network());

        GraphProto a = original.getGraph();
        GraphProto b = written.getGraph();
        assertEquals(a.getInitializerCount(), b.getInitializerCount());
        for (int i = 0; i < a.getInitializerCount(); i++) {
            assertEquals(a.getInitializer(i), b.getInitializer(i), "initializer " + a.getInitializer(i).getName());
        }
        assertEquals(a.getNodeList(), b.getNodeList(), "nodes (Constant node values included)");
        assertEquals(a.getInputList(), b.getInputList());
        assertEquals(a.getOutputList(), b.getOutputList());
        assertEquals(a.getValueInfoList(), b.getValueInfoList());
        assertEquals(original.getOpsetImportList(), written.getOpsetImportList());
        assertEquals(original.getMetadataPropsList(), written.getMetadataPropsList());
        assertEquals(original.getDocString(), written.getDocString());
        assertEquals(original.getProducerName(), written.getProducerName());
        assertEquals(original.getProducerVersion(), written.getProducerVersion());
        assertEquals(original.getIrVersion(), written.getIrVersion());
        assertEquals(original, written, "the whole model");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allModels")
    void theModelHeldOnceWritesWhatTheWholeModelWrites(String name, TestModels.Built built) {
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        OnnxDenseModel held = DenseChainWriter.withoutRewritableWeights(read);
        float[] rows = TestModels.randomRows(13, ROWS, built.inputWidth());
        List<double[]> means = means(built.hiddenReference(rows, ROWS), built.hiddenUnits(), ROWS);
        // every unit kept; the second hidden layer pruned (the first layer's weights untouched); both pruned
        DenseNetwork[] networks = {read.network(), prune(read.network(), means, new int[][] {range(8), {1, 5}}),
                prune(read.network(), means, new int[][] {{0, 2, 3, 6}, {1, 5}})};
        for (DenseNetwork network : networks) {
            assertEquals(DenseChainWriter.write(read, network), DenseChainWriter.write(held, network),
                    "written from the held model, " + java.util.Arrays.toString(network.widths()));
        }
    }

    @Test
    void theModelHeldOnceLeavesOutTheWeightsItCanMakeAgain() {
        ModelProto original = TestModels.dense(4, 8, 6, 3).gemmScale(1, 0.7f, 1f).build().model();
        OnnxDenseModel read = DenseChainReader.read(original, FILE);
        OnnxDenseModel held = DenseChainWriter.withoutRewritableWeights(read);
        List<String> weights = read.binding().layers().stream().map(b -> b.dense().weight().tensor()).toList();
        // raw float weights with alpha 1 are left out (name, type and shape kept); the scaled layer's are not
        for (int l = 0; l < 3; l++) {
            TensorProto before = TestModels.initializer(original, weights.get(l));
            TensorProto after = TestModels.initializer(held.model(), weights.get(l));
            assertEquals(before.getDimsList(), after.getDimsList());
            assertEquals(before.getDataType(), after.getDataType());
            assertEquals(l != 1, after.getRawData().isEmpty(), "layer " + (l + 1) + "'s weights left out");
        }
        assertTrue(held.model().getSerializedSize() < original.getSerializedSize());
        assertEquals(original, DenseChainWriter.write(held, read.network()), "the original written back");
        // a model with nothing to leave out is given back as it is
        OnnxDenseModel doubles = DenseChainReader.read(TestModels.dense(4, 8, 6, 3).doubles().build().model(), FILE);
        assertTrue(doubles == DenseChainWriter.withoutRewritableWeights(doubles));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allModels")
    void keepingEveryUnitComputesTheSame(String name, TestModels.Built built) {
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        ModelProto written = DenseChainWriter.write(read, read.network());
        float[] rows = TestModels.randomRows(11, ROWS, built.inputWidth());
        float[] before = TestModels.runOrt(built.model(), read.input(), rows, ROWS, built.inputWidth(), "y");
        float[] after = TestModels.runOrt(written, read.input(), rows, ROWS, built.inputWidth(), "y");
        TestModels.assertClose(before, after, TOLERANCE, "written vs original");
        for (NodeProto node : written.getGraph().getNodeList()) {
            assertNotEquals("BatchNormalization", node.getOpType(), "folded BatchNormalization nodes are removed");
        }
        checkGraph(written);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allModels")
    void prunedModelComputesThePrunedNetwork(String name, TestModels.Built built) {
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        int width = built.inputWidth();
        float[] rows = TestModels.randomRows(13, ROWS, width);
        List<double[]> means = means(built.hiddenReference(rows, ROWS), built.hiddenUnits(), ROWS);
        int[][] kept = {{0, 2, 3, 6}, {1, 5}};
        DenseNetwork pruned = prune(read.network(), means, kept);
        ModelProto written = DenseChainWriter.write(read, pruned);
        checkGraph(written);

        // ONNX Runtime on the written file computes the pruned network
        float[] chain = chainInput(read, rows, width);
        float[] out = TestModels.runOrt(written, read.input(), rows, ROWS, width, "y");
        TestModels.assertClose(pruned.forward(chain, ROWS), out, TOLERANCE, "written vs pruned network");

        // read back, it is the pruned network
        OnnxDenseModel reread = DenseChainReader.read(written, FILE);
        assertArrayEquals(new int[] {built.chainWidth(), 4, 2, 3}, reread.network().widths());
        assertEquals(read.network().prefix(), reread.network().prefix());
        assertEquals(read.network().head(), reread.network().head());
        for (int l = 0; l < 3; l++) {
            TestModels.assertClose(pruned.layer(l).weights(), reread.network().layer(l).weights(), 1e-6,
                    "weights of layer " + (l + 1));
            TestModels.assertClose(pruned.layer(l).bias(), reread.network().layer(l).bias(), 1e-6,
                    "bias of layer " + (l + 1));
        }

        // the tensors keep their layout, type and storage
        for (int l = 0; l < 3; l++) {
            TestModels.LayerSpec spec = built.layer(l);
            int inputs = l == 0 ? built.chainWidth() : kept[l - 1].length;
            int units = l < 2 ? kept[l].length : 3;
            TensorProto before = TestModels.initializer(built.model(), "fc" + (l + 1) + ".weight");
            TensorProto after = TestModels.initializer(written, "fc" + (l + 1) + ".weight");
            long[] dims = spec.style().transposed() ? new long[] {units, inputs} : new long[] {inputs, units};
            assertArrayEquals(dims, after.getDimsList().stream().mapToLong(Long::longValue).toArray(),
                    "shape of fc" + (l + 1) + ".weight");
            assertEquals(before.getDataType(), after.getDataType());
            assertEquals(before.hasRawData(), after.hasRawData(), "raw_data kept as raw_data");
            assertEquals(before.getFloatDataCount() > 0, after.getFloatDataCount() > 0, "float_data kept");
            assertEquals(before.getDoubleDataCount() > 0, after.getDoubleDataCount() > 0, "double_data kept");
            if (spec.norm() == Norm.NONE && (l == 0 || built.layer(l - 1).norm() == Norm.NONE)) {
                // kept weights are the original stored values, untouched
                double[] values = TestModels.values(after);
                int[] keptIn = l == 0 ? range(inputs) : kept[l - 1];
                int[] keptOut = l < 2 ? kept[l] : range(3);
                for (int i = 0; i < inputs; i++) {
                    for (int j = 0; j < units; j++) {
                        double stored = spec.style().transposed() ? values[j * inputs + i] : values[i * units + j];
                        double want = spec.weight(keptIn[i], keptOut[j]);
                        if (spec.alpha() == 1f && !built.isDouble()) {
                            assertEquals(want, stored, 0.0, "fc" + (l + 1) + " weight " + i + "," + j);
                        } else {
                            assertEquals(want, stored, 1e-6 * Math.max(1, Math.abs(want)));
                        }
                    }
                }
            }
        }

        // the folded bias of layer 2, computed here from the stored tensors
        TestModels.LayerSpec second = built.layer(1);
        if (second.norm() == Norm.NONE && built.layer(0).norm() == Norm.NONE) {
            double[] expected = new double[2];
            for (int k = 0; k < 2; k++) {
                int u = kept[1][k];
                double z = second.beta() * second.storedBias()[u];
                for (int j = 0; j < 8; j++) {
                    if (!contains(kept[0], j)) {
                        z += second.alpha() * (float) second.weight(j, u) * means.get(0)[j];
                    }
                }
                expected[k] = z;
            }
            TestModels.assertClose(expected, reread.network().layer(1).bias(), 1e-5, "folded bias of layer 2");
        }
    }

    @Test
    void gemmWithoutBiasGainsOneWhenFoldingNeedsIt() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).style(1, Style.GEMM_NO_BIAS).build();
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        assertEquals(2, TestModels.nodeNamed(built.model(), "fc2").getInputCount());
        float[] rows = TestModels.randomRows(5, ROWS, 4);
        List<double[]> means = means(built.hiddenReference(rows, ROWS), built.hiddenUnits(), ROWS);
        int[][] kept = {{1, 2, 4, 5, 7}, range(6)};
        assertTrue(means.get(0)[0] != 0, "a dropped unit with a non-zero mean");
        DenseNetwork pruned = prune(read.network(), means, kept);
        ModelProto written = DenseChainWriter.write(read, pruned);

        NodeProto fc2 = TestModels.nodeNamed(written, "fc2");
        assertEquals(3, fc2.getInputCount(), "fc2 gains a C input");
        TensorProto c = TestModels.initializer(written, fc2.getInput(2));
        assertNotNull(c, "C is an initializer");
        assertEquals(List.of(6L), c.getDimsList());
        double[] expected = new double[6];
        for (int u = 0; u < 6; u++) {
            for (int j : new int[] {0, 3, 6}) {
                expected[u] += (float) built.layer(1).weight(j, u) * means.get(0)[j];
            }
        }
        TestModels.assertClose(expected, TestModels.toFloats(TestModels.values(c)), 1e-5, "new bias");
        assertEquals(nodeNames(built.model()), nodeNames(written), "no node added or removed");
        float[] out = TestModels.runOrt(written, read.input(), rows, ROWS, 4, "y");
        TestModels.assertClose(pruned.forward(rows, ROWS), out, TOLERANCE, "written vs pruned");

        // dropping only units whose mean is 0 needs no bias
        List<double[]> zero = List.of(new double[8], new double[6]);
        ModelProto unchanged = DenseChainWriter.write(read, prune(read.network(), zero, kept));
        assertEquals(2, TestModels.nodeNamed(unchanged, "fc2").getInputCount());
    }

    @Test
    void matMulWithoutBiasGainsAnAddRightAfterIt() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).style(1, Style.MATMUL_NO_BIAS).valueInfo().build();
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        float[] rows = TestModels.randomRows(6, ROWS, 4);
        List<double[]> means = means(built.hiddenReference(rows, ROWS), built.hiddenUnits(), ROWS);
        int[][] kept = {{0, 1, 2, 3, 4}, range(6)};
        DenseNetwork pruned = prune(read.network(), means, kept);
        ModelProto written = DenseChainWriter.write(read, pruned);

        List<NodeProto> nodes = written.getGraph().getNodeList();
        int fc2 = nodes.indexOf(TestModels.nodeNamed(written, "fc2"));
        NodeProto add = nodes.get(fc2 + 1);
        assertEquals("Add", add.getOpType());
        assertEquals("fc2_mm", add.getOutput(0), "the Add writes what the MatMul wrote");
        assertEquals(nodes.get(fc2).getOutput(0), add.getInput(0));
        assertNotEquals("fc2_mm", nodes.get(fc2).getOutput(0));
        assertEquals(List.of("fc2_mm"), TestModels.nodeNamed(written, "act2").getInputList(), "downstream unchanged");
        TensorProto bias = TestModels.initializer(written, add.getInput(1));
        assertNotNull(bias);
        assertEquals(TestModels.FLOAT, bias.getDataType());

        List<String> names = nodeNames(built.model());
        names.add(fc2 + 1, add.getName());
        assertEquals(names, nodeNames(written), "only the Add is new");
        assertEquals(built.model().getGraph().getNode(fc2).toBuilder().clearOutput().build(),
                nodes.get(fc2).toBuilder().clearOutput().build(), "the MatMul keeps name, inputs, attributes");
        float[] out = TestModels.runOrt(written, read.input(), rows, ROWS, 4, "y");
        TestModels.assertClose(pruned.forward(rows, ROWS), out, TOLERANCE, "written vs pruned");
        // the new Add still reads as the layer's bias
        OnnxDenseModel reread = DenseChainReader.read(written, FILE);
        TestModels.assertClose(pruned.layer(1).bias(), reread.network().layer(1).bias(), 1e-6, "bias read back");
    }

    @Test
    void zeroBetaIsReplacedWhenTheBiasBecomesNonZero() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).gemmScale(1, 0.8f, 0f).build();
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        float[] rows = TestModels.randomRows(8, ROWS, 4);
        List<double[]> means = means(built.hiddenReference(rows, ROWS), built.hiddenUnits(), ROWS);
        DenseNetwork pruned = prune(read.network(), means, new int[][] {{0, 1, 5}, range(6)});
        ModelProto written = DenseChainWriter.write(read, pruned);
        float[] out = TestModels.runOrt(written, read.input(), rows, ROWS, 4, "y");
        TestModels.assertClose(pruned.forward(rows, ROWS), out, TOLERANCE, "written vs pruned");
    }

    @Test
    void biasInAConstantValueFloatsIsRewritten() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).style(Style.MATMUL_ADD).build();
        // fc2's bias becomes a Constant node with value_floats
        GraphProto.Builder g = built.model().getGraph().toBuilder();
        TensorProto bias = TestModels.initializer(built.model(), "fc2.bias");
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("fc2.bias")) {
                g.removeInitializer(i);
                break;
            }
        }
        var floats = org.odf2nna.onnx.proto.OnnxProto.AttributeProto.newBuilder().setName("value_floats")
                .setType(org.odf2nna.onnx.proto.OnnxProto.AttributeProto.AttributeType.FLOATS);
        for (double v : TestModels.values(bias)) {
            floats.addFloats((float) v);
        }
        g.addNode(0, NodeProto.newBuilder().setOpType("Constant").setName("bias2").addOutput("fc2.bias")
                .addAttribute(floats));
        ModelProto model = built.model().toBuilder().setGraph(g).build();
        OnnxDenseModel read = DenseChainReader.read(model, FILE);
        assertEquals(built.expectedNetwork().layer(1), read.network().layer(1));
        float[] rows = TestModels.randomRows(14, ROWS, 4);
        List<double[]> means = means(built.hiddenReference(rows, ROWS), built.hiddenUnits(), ROWS);
        DenseNetwork pruned = prune(read.network(), means, new int[][] {{0, 1, 2, 7}, {0, 4, 5}});
        ModelProto written = DenseChainWriter.write(read, pruned);
        NodeProto constant = TestModels.nodeNamed(written, "bias2");
        assertEquals(1, constant.getAttributeCount());
        assertEquals(List.of(3L), constant.getAttribute(0).getT().getDimsList());
        float[] out = TestModels.runOrt(written, read.input(), rows, ROWS, 4, "y");
        TestModels.assertClose(pruned.forward(rows, ROWS), out, TOLERANCE, "written vs pruned");
    }

    @Test
    void valueInfoShapesFollowTheNewWidths() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).valueInfo().dropout(0).identity(1)
                .style(1, Style.MATMUL_ADD).build();
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        List<double[]> means = List.of(new double[8], new double[6]);
        ModelProto written = DenseChainWriter.write(read, prune(read.network(), means, new int[][] {{0, 3, 4}, {2, 5}}));
        Map<String, Long> expected = Map.of("fc1_out", 3L, "h1", 3L, "drop1_out", 3L, "fc2_mm", 2L, "fc2_out", 2L,
                "fc2_id", 2L, "h2", 2L);
        Set<String> seen = new HashSet<>();
        for (ValueInfoProto info : written.getGraph().getValueInfoList()) {
            Long width = expected.get(info.getName());
            if (width != null) {
                seen.add(info.getName());
                var dims = info.getType().getTensorType().getShape().getDimList();
                assertEquals(2, dims.size());
                assertEquals("N", dims.get(0).getDimParam(), "the batch dimension stays symbolic");
                assertEquals(width, dims.get(1).getDimValue(), "width of " + info.getName());
            }
        }
        assertEquals(expected.keySet(), seen);
        checkGraph(written);
    }

    @Test
    void constantNodeWeightsAreRewrittenInPlace() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).storage(Storage.CONSTANT_NODE).build();
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        float[] rows = TestModels.randomRows(9, ROWS, 4);
        List<double[]> means = means(built.hiddenReference(rows, ROWS), built.hiddenUnits(), ROWS);
        DenseNetwork pruned = prune(read.network(), means, new int[][] {{0, 3, 4, 7}, {1, 2, 3}});
        ModelProto written = DenseChainWriter.write(read, pruned);
        assertEquals(0, written.getGraph().getInitializerCount(), "no initializer appears");
        assertEquals(nodeNames(built.model()), nodeNames(written));
        NodeProto w1 = TestModels.nodeNamed(written, "fc1.weight_const");
        assertEquals(List.of(4L, 4L), w1.getAttribute(0).getT().getDimsList());
        NodeProto b2 = TestModels.nodeNamed(written, "fc2.bias_const");
        assertEquals(List.of(3L), b2.getAttribute(0).getT().getDimsList());
        float[] out = TestModels.runOrt(written, read.input(), rows, ROWS, 4, "y");
        TestModels.assertClose(pruned.forward(rows, ROWS), out, TOLERANCE, "written vs pruned");
    }

    @Test
    void everythingOutsideTheChainIsUnchanged() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).prefix(Prefix.SUB_DIV).head(Head.SOFTMAX)
                .dropout(1).docStrings().metadata("k", "v").valueInfo().build();
        ModelProto original = built.model();
        OnnxDenseModel read = DenseChainReader.read(original, FILE);
        List<double[]> means = List.of(new double[8], new double[6]);
        ModelProto written = DenseChainWriter.write(read, prune(read.network(), means, new int[][] {{1, 2}, {0}}));

        assertEquals(original.getGraph().getNodeCount(), written.getGraph().getNodeCount());
        for (int i = 0; i < original.getGraph().getNodeCount(); i++) {
            NodeProto a = original.getGraph().getNode(i);
            NodeProto b = written.getGraph().getNode(i);
            assertEquals(a, b, "node " + a.getName() + " (dense nodes keep inputs, outputs and attributes)");
        }
        for (String name : List.of("norm.mean", "norm.std")) {
            assertEquals(TestModels.initializer(original, name), TestModels.initializer(written, name));
        }
        assertEquals(original.getGraph().getInputList(), written.getGraph().getInputList());
        assertEquals(original.getGraph().getOutputList(), written.getGraph().getOutputList());
        assertEquals(original.getGraph().getName(), written.getGraph().getName());
        assertEquals(original.getGraph().getDocString(), written.getGraph().getDocString());
        assertEquals(original.getMetadataPropsList(), written.getMetadataPropsList());
        assertEquals(original.getOpsetImportList(), written.getOpsetImportList());
        assertEquals(original.getDocString(), written.getDocString());
        assertEquals(original.getProducerName(), written.getProducerName());
        assertEquals(original.getModelVersion(), written.getModelVersion());
        assertEquals(original.getDomain(), written.getDomain());
        checkGraph(written);
    }

    @Test
    void oldIrVersionsListInitializerShapesAmongInputs() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).opset(7).style(1, Style.MATMUL_NO_BIAS).build();
        assertEquals(3, built.model().getIrVersion());
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        float[] rows = TestModels.randomRows(10, ROWS, 4);
        List<double[]> means = means(built.hiddenReference(rows, ROWS), built.hiddenUnits(), ROWS);
        DenseNetwork pruned = prune(read.network(), means, new int[][] {{0, 2, 4, 6, 7}, {0, 5}});
        ModelProto written = DenseChainWriter.write(read, pruned);

        Map<String, List<Long>> shapes = new java.util.HashMap<>();
        for (ValueInfoProto in : written.getGraph().getInputList()) {
            List<Long> dims = new ArrayList<>();
            in.getType().getTensorType().getShape().getDimList().forEach(d -> dims.add(d.getDimValue()));
            shapes.put(in.getName(), dims);
        }
        assertEquals(List.of(5L, 4L), shapes.get("fc1.weight"));
        assertEquals(List.of(5L), shapes.get("fc1.bias"));
        assertEquals(List.of(5L, 2L), shapes.get("fc2.weight"), "MatMul layout [inputs, units]");
        assertEquals(List.of(3L, 2L), shapes.get("fc3.weight"));
        assertEquals(List.of(3L), shapes.get("fc3.bias"));
        Set<String> initializers = new HashSet<>();
        written.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        for (String name : initializers) {
            assertTrue(shapes.containsKey(name), "initializer " + name + " listed among the inputs (IR 3)");
        }
        assertEquals(initializers.size() + 1, written.getGraph().getInputCount());
        float[] out = TestModels.runOrt(written, read.input(), rows, ROWS, 4, "y");
        TestModels.assertClose(pruned.forward(rows, ROWS), out, TOLERANCE, "written vs pruned");
    }

    @Test
    void removedInputsShrinkTheDataInput() {
        TestModels.Built built = TestModels.dense(4, 8, 3).style(Style.MATMUL_ADD).build();
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        List<DenseLayer> layers = new ArrayList<>(read.network().layers());
        layers.set(0, layers.get(0).keepInputs(new int[] {0, 2, 3}));
        DenseNetwork narrower = read.network().withLayers(layers);
        ModelProto written = DenseChainWriter.write(read, narrower);
        ValueInfoProto x = written.getGraph().getInput(0);
        assertEquals(3, x.getType().getTensorType().getShape().getDim(1).getDimValue());
        OnnxDenseModel reread = DenseChainReader.read(written, FILE);
        float[] rows = TestModels.randomRows(12, ROWS, 3);
        float[] out = TestModels.runOrt(written, reread.input(), rows, ROWS, 3, "y");
        TestModels.assertClose(narrower.forward(rows, ROWS), out, TOLERANCE, "written vs network");
    }

    @Test
    void incompatibleNetworksAreRefused() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).build();
        OnnxDenseModel read = DenseChainReader.read(built.model(), FILE);
        DenseNetwork net = read.network();
        List<DenseLayer> fewer = List.of(net.layer(0), new DenseLayer(8, 3, new float[24], new float[3],
                net.layer(2).activation()));
        assertThrowsIllegal(() -> DenseChainWriter.write(read, net.withLayers(fewer)), "layers");
        List<DenseLayer> changedAct = new ArrayList<>(net.layers());
        DenseLayer l0 = net.layer(0);
        changedAct.set(0, new DenseLayer(l0.inputs(), l0.units(), l0.weights(), l0.bias(),
                org.odf2nna.network.Activation.TANH));
        assertThrowsIllegal(() -> DenseChainWriter.write(read, net.withLayers(changedAct)), "activation");
    }

    // ---- helpers ----

    private static void assertThrowsIllegal(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException x = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }

    /** The graph is valid for ONNX Runtime and every node output has one producer. */
    private static void checkGraph(ModelProto model) {
        Set<String> produced = new HashSet<>();
        for (NodeProto node : model.getGraph().getNodeList()) {
            for (String out : node.getOutputList()) {
                assertTrue(out.isEmpty() || produced.add(out), "tensor " + out + " written twice");
            }
        }
        Set<String> available = new HashSet<>();
        model.getGraph().getInputList().forEach(i -> available.add(i.getName()));
        model.getGraph().getInitializerList().forEach(i -> available.add(i.getName()));
        for (NodeProto node : model.getGraph().getNodeList()) {
            for (String in : node.getInputList()) {
                assertTrue(in.isEmpty() || available.contains(in), "node " + node.getName() + " reads " + in
                        + " before it is written (nodes out of order)");
            }
            available.addAll(node.getOutputList());
        }
        for (ValueInfoProto out : model.getGraph().getOutputList()) {
            assertTrue(available.contains(out.getName()), "graph output " + out.getName() + " is written");
        }
        InputSignature input = DenseChainReader.read(model, FILE).input();
        int width = input.valuesPerRow();
        float[] out = TestModels.runOrt(model, input, TestModels.randomRows(1, 3, width), 3, width, "y");
        for (float v : out) {
            assertTrue(Float.isFinite(v));
        }
    }

    static DenseNetwork prune(DenseNetwork network, List<double[]> means, int[][] kept) {
        List<UnitSelection.Layer> layers = new ArrayList<>();
        List<double[]> stds = new ArrayList<>();
        for (int l = 0; l < kept.length; l++) {
            layers.add(new UnitSelection.Layer(kept[l], network.layer(l).units(), false));
            stds.add(new double[network.layer(l).units()]);
        }
        return Pruner.prune(network, new UnitStatistics(means, stds, ROWS), new UnitSelection(layers));
    }

    static List<double[]> means(List<double[]> hidden, int[] units, int rows) {
        List<double[]> means = new ArrayList<>();
        for (int l = 0; l < units.length; l++) {
            double[] m = new double[units[l]];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < units[l]; j++) {
                    m[j] += hidden.get(l)[r * units[l] + j] / rows;
                }
            }
            means.add(m);
        }
        return means;
    }

    private static float[] chainInput(OnnxDenseModel read, float[] rows, int width) {
        if (read.network().prefix().isEmpty()) {
            return rows;
        }
        ModelProto exposed = ScoringGraph.exposing(read, List.of(read.chainInputName()));
        return TestModels.runOrt(exposed, read.input(), rows, ROWS, width, read.chainInputName());
    }

    private static List<String> nodeNames(ModelProto model) {
        List<String> names = new ArrayList<>();
        model.getGraph().getNodeList().forEach(n -> names.add(n.getName()));
        return names;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int k = 0; k < n; k++) {
            r[k] = k;
        }
        return r;
    }

    private static boolean contains(int[] values, int v) {
        for (int x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
