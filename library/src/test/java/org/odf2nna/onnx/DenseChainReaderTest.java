package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.onnx.TestModels.Act;
import static org.odf2nna.onnx.TestModels.Head;
import static org.odf2nna.onnx.TestModels.Norm;
import static org.odf2nna.onnx.TestModels.Prefix;
import static org.odf2nna.onnx.TestModels.Storage;
import static org.odf2nna.onnx.TestModels.Style;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.InputException;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

class DenseChainReaderTest {

    private static final int ROWS = 37;
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    static Stream<Arguments> models() {
        List<Arguments> cases = new ArrayList<>();
        // layer styles
        for (Style style : Style.values()) {
            cases.add(Arguments.of("style " + style, TestModels.dense(4, 8, 6, 3).style(style).build()));
        }
        cases.add(Arguments.of("alpha 0.7 beta 1.3", TestModels.dense(4, 8, 6, 3).gemmScale(0, 0.7f, 1.3f)
                .gemmScale(1, 2f, 0.25f).gemmScale(2, 0.3f, 0f).build()));
        cases.add(Arguments.of("mixed styles", TestModels.dense(4, 8, 6, 5, 3).style(0, Style.GEMM)
                .style(1, Style.MATMUL_ADD_LEFT).style(2, Style.GEMM_NO_BIAS).style(3, Style.MATMUL_NO_BIAS).build()));
        // activations
        List<Act> acts = List.of(Act.relu(), Act.leakyRelu(0.2f), Act.leakyRelu(null), Act.elu(0.7f), Act.elu(null),
                Act.selu(1.5f, 1.1f), Act.selu(null, null), Act.sigmoid(), Act.tanh(), Act.softplus(),
                Act.hardSigmoid(0.3f, 0.4f), Act.hardSigmoid(null, null), Act.clip(-0.5f, 0.8f), Act.clip(0f, null), Act.clip(null, 0.5f),
                Act.prelu(0.15f), Act.identityNode(), Act.none());
        for (Act act : acts) {
            cases.add(Arguments.of("activation " + act, TestModels.dense(4, 7, 5, 2).activation(act).build()));
        }
        cases.add(Arguments.of("Clip min/max attributes, opset 7", TestModels.dense(4, 7, 5, 2).opset(7)
                .activation(Act.clip(0f, 0.6f)).build()));
        cases.add(Arguments.of("Clip min/max inputs, opset 11", TestModels.dense(4, 7, 5, 2).opset(11)
                .activation(Act.clip(-0.25f, 0.5f)).build()));
        cases.add(Arguments.of("activation on the output layer", TestModels.dense(4, 7, 2)
                .activation(1, Act.tanh()).build()));
        // heads
        for (Head head : Head.values()) {
            int outputs = head == Head.SIGMOID ? 1 : 3;
            cases.add(Arguments.of("head " + head, TestModels.dense(4, 8, 6, outputs).head(head).build()));
            cases.add(Arguments.of("head " + head + " opset 11", TestModels.dense(4, 8, outputs).opset(11)
                    .head(head).build()));
        }
        // prefixes
        for (Prefix prefix : new Prefix[] {Prefix.FLATTEN, Prefix.SUB_DIV, Prefix.SIN, Prefix.CONV}) {
            cases.add(Arguments.of("prefix " + prefix, TestModels.dense(prefix == Prefix.CONV ? 8 : 4, 6, 5, 3)
                    .prefix(prefix).build()));
        }
        // batch normalisation
        cases.add(Arguments.of("BN before activation", TestModels.dense(4, 8, 6, 3)
                .norm(0, Norm.BEFORE_ACTIVATION).norm(1, Norm.BEFORE_ACTIVATION).build()));
        cases.add(Arguments.of("BN after activation", TestModels.dense(4, 8, 6, 3)
                .norm(0, Norm.AFTER_ACTIVATION).norm(1, Norm.AFTER_ACTIVATION).activation(Act.tanh()).build()));
        cases.add(Arguments.of("BN on the output layer, MatMul", TestModels.dense(4, 8, 3).style(Style.MATMUL_ADD)
                .norm(0, Norm.AFTER_ACTIVATION).norm(1, Norm.BEFORE_ACTIVATION).build()));
        cases.add(Arguments.of("BN without bias", TestModels.dense(4, 8, 6, 3).style(Style.MATMUL_NO_BIAS)
                .norm(0, Norm.BEFORE_ACTIVATION).norm(1, Norm.AFTER_ACTIVATION).build()));
        // Dropout and Identity anywhere
        cases.add(Arguments.of("dropout and identity, opset 13", TestModels.dense(4, 8, 6, 3).dropout(0).identity(1)
                .dropout(2).identity(0).head(Head.SOFTMAX).build()));
        cases.add(Arguments.of("dropout and identity, opset 11", TestModels.dense(4, 8, 6, 3).opset(11).dropout(0)
                .identity(1).dropout(1).norm(1, Norm.BEFORE_ACTIVATION).build()));
        cases.add(Arguments.of("dropout, opset 7 IR 3", TestModels.dense(4, 8, 6, 3).opset(7).dropout(0).dropout(1)
                .style(Style.GEMM).build()));
        cases.add(Arguments.of("Identity between MatMul and its bias Add", TestModels.dense(4, 8, 6, 3)
                .style(Style.MATMUL_ADD).style(1, Style.MATMUL_ADD_LEFT).identityBeforeBias(0).identityBeforeBias(1)
                .activation(0, Act.none()).build()));
        // storage, versions, types, decorations
        cases.add(Arguments.of("float_data storage", TestModels.dense(4, 8, 6, 3).storage(Storage.TYPED)
                .norm(0, Norm.BEFORE_ACTIVATION).build()));
        cases.add(Arguments.of("Constant nodes", TestModels.dense(4, 8, 6, 3).storage(Storage.CONSTANT_NODE)
                .style(0, Style.MATMUL_ADD).norm(1, Norm.AFTER_ACTIVATION).build()));
        cases.add(Arguments.of("Identity of initializers", TestModels.dense(4, 8, 6, 3)
                .storage(Storage.IDENTITY_OF_INITIALIZER).style(0, Style.MATMUL_ADD).norm(1, Norm.BEFORE_ACTIVATION)
                .build()));
        cases.add(Arguments.of("opset 11", TestModels.dense(4, 8, 6, 3).opset(11).style(Style.GEMM_NO_BIAS).build()));
        cases.add(Arguments.of("opset 7, IR 3", TestModels.dense(4, 8, 6, 3).opset(7).style(1, Style.MATMUL_ADD)
                .build()));
        cases.add(Arguments.of("float64", TestModels.dense(4, 8, 6, 3).doubles().head(Head.LOG_SOFTMAX).build()));
        cases.add(Arguments.of("float64 typed, MatMul", TestModels.dense(4, 8, 6, 3).doubles().storage(Storage.TYPED)
                .style(Style.MATMUL_ADD).activation(Act.tanh()).build()));
        cases.add(Arguments.of("float64 full precision", TestModels.dense(4, 8, 6, 3).fullDoublePrecision().build()));
        cases.add(Arguments.of("fixed batch 1", TestModels.dense(4, 8, 6, 3).fixedBatch().build()));
        cases.add(Arguments.of("value_info, metadata, doc strings, unnamed nodes", TestModels.dense(4, 8, 6, 3)
                .valueInfo().metadata("author", "tests").docStrings().unnamedNodes().prefix(Prefix.SUB_DIV)
                .build()));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void readsWhatOnnxRuntimeComputes(String name, TestModels.Built built) throws IOException {
        Path file = TestModels.save(built.model(), dir, "model.onnx");
        OnnxDenseModel read = DenseChainReader.read(file);
        DenseNetwork network = read.network();
        DenseNetwork expected = built.expectedNetwork();

        assertArrayEquals(built.widths(), network.widths(), "widths");
        assertEquals(built.expectedHead(), network.head(), "head");
        assertEquals(built.expectedPrefix(), network.prefix(), "prefix");
        assertEquals(file, read.source());
        assertEquals("y", read.outputName());
        assertEquals(built.isDouble() ? TestModels.DOUBLE : TestModels.FLOAT, read.input().elementType());
        boolean folded = false;
        for (int l = 0; l < built.layerCount(); l++) {
            DenseLayer layer = network.layer(l);
            assertEquals(built.layer(l).act().expected(), layer.activation(), "activation of layer " + (l + 1));
            folded |= built.layer(l).norm() != Norm.NONE;
        }
        for (int l = 0; l < built.layerCount(); l++) {
            DenseLayer layer = network.layer(l);
            DenseLayer want = expected.layer(l);
            if (!folded) {
                assertArrayEquals(want.weights(), layer.weights(), "weights of layer " + (l + 1));
                assertArrayEquals(want.bias(), layer.bias(), "bias of layer " + (l + 1));
            } else {
                TestModels.assertClose(want.weights(), layer.weights(), 1e-6, "folded weights of layer " + (l + 1));
                TestModels.assertClose(want.bias(), layer.bias(), 1e-6, "folded bias of layer " + (l + 1));
            }
        }

        int width = built.inputWidth();
        float[] rows = TestModels.randomRows(7, ROWS, width);
        float[] chainInput;
        float[] ortOutput;
        if (network.prefix().isEmpty()) {
            assertEquals(read.input().name(), read.chainInputName());
            chainInput = rows;
            ortOutput = TestModels.runOrt(read.model(), read.input(), rows, ROWS, width, read.outputName());
        } else {
            assertTrue(!read.chainInputName().equals(read.input().name()), "a prefix model reads another tensor");
            ModelProto exposed = ScoringGraph.exposing(read, List.of(read.chainInputName()));
            Map<String, float[]> out = TestModels.runOrt(exposed, read.input(), rows, ROWS, width,
                    List.of(read.chainInputName(), read.outputName()));
            chainInput = out.get(read.chainInputName());
            ortOutput = out.get(read.outputName());
            TestModels.assertClose(built.chainInput(rows, ROWS), chainInput, TOLERANCE, "chain input");
        }
        assertEquals(ROWS * built.outputs(), ortOutput.length);
        TestModels.assertClose(network.forward(chainInput, ROWS), ortOutput, TOLERANCE, "DenseNetwork vs ORT");
        TestModels.assertClose(built.reference(rows, ROWS), ortOutput, TOLERANCE, "reference vs ORT");
    }

    @Test
    void activationParametersAreParsed() {
        TestModels.Built built = TestModels.dense(3, 4, 4, 4, 4, 4, 2).activation(0, Act.leakyRelu(0.3f))
                .activation(1, Act.elu(0.6f)).activation(2, Act.selu(1.2f, 0.9f)).activation(3, Act.hardSigmoid(0.1f, 0.7f))
                .activation(4, Act.clip(-1f, 2f)).build();
        DenseNetwork network = DenseChainReader.read(built.model(), dir.resolve("m.onnx")).network();
        assertEquals(Activation.leakyRelu(0.3f), network.layer(0).activation());
        assertEquals(Activation.elu(0.6f), network.layer(1).activation());
        assertEquals(Activation.selu(1.2f, 0.9f), network.layer(2).activation());
        assertEquals(Activation.hardSigmoid(0.1f, 0.7f), network.layer(3).activation());
        assertEquals(Activation.clip(-1f, 2f), network.layer(4).activation());
        assertEquals(Activation.IDENTITY, network.layer(5).activation());
        assertEquals("3-4-4-4-4-4-2", network.architecture());
    }

    @Test
    void prefixKindsAreTold() {
        assertEquals(InputPrefix.Kind.NONE, read(TestModels.dense(4, 5, 2).build()).network().prefix().kind());
        assertEquals(InputPrefix.Kind.PREPROCESSING,
                read(TestModels.dense(4, 5, 2).prefix(Prefix.FLATTEN).build()).network().prefix().kind());
        assertEquals(InputPrefix.Kind.PREPROCESSING,
                read(TestModels.dense(4, 5, 2).prefix(Prefix.SUB_DIV).build()).network().prefix().kind());
        assertEquals(InputPrefix.Kind.BACKBONE,
                read(TestModels.dense(4, 5, 2).prefix(Prefix.SIN).build()).network().prefix().kind());
        OnnxDenseModel conv = read(TestModels.dense(8, 5, 2).prefix(Prefix.CONV).build());
        assertEquals(InputPrefix.Kind.BACKBONE, conv.network().prefix().kind());
        assertEquals(List.of("Conv", "Flatten"), conv.network().prefix().operations());
        assertEquals("x_flat", conv.chainInputName());
        assertEquals(4, conv.featuresPerRow(), "a [N,1,2,2] input takes 4 values per row");
    }

    @Test
    void hiddenUnitOutputsAreTheActivationOutputs() {
        OnnxDenseModel read = read(TestModels.dense(4, 8, 6, 3).dropout(0).norm(1, Norm.AFTER_ACTIVATION).build());
        assertEquals(List.of("h1", "h2"), read.hiddenUnitOutputs());
        assertEquals(List.of("fc1", "fc2", "fc3"), read.layerNodes());
        OnnxDenseModel linear = read(TestModels.dense(4, 8, 3).activation(Act.none()).style(Style.MATMUL_ADD).build());
        assertEquals(List.of("fc1_out"), linear.hiddenUnitOutputs());
        OnnxDenseModel identity = read(TestModels.dense(4, 8, 3).activation(Act.none()).style(Style.MATMUL_ADD)
                .identityBeforeBias(0).build());
        assertEquals(List.of("fc1_out"), identity.hiddenUnitOutputs(), "the output with its bias added");
    }

    /** A residual Add in front of the last layers makes everything before it a backbone, not an error. */
    @Test
    void residualBlockBeforeTheChainIsABackbone() {
        TestModels.Built built = TestModels.dense(4, 4, 4, 5, 2).build();
        // h2 = relu(fc2(h1)); s = h2 + h1; fc3 reads s
        GraphProto.Builder g = built.model().getGraph().toBuilder();
        int fc3 = indexOf(g, "fc3");
        g.addNode(fc3, NodeProto.newBuilder().setOpType("Add").setName("residual").addInput("h2").addInput("h1")
                .addOutput("res"));
        g.setNode(fc3 + 1, g.getNode(fc3 + 1).toBuilder().setInput(0, "res"));
        OnnxDenseModel read = DenseChainReader.read(built.model().toBuilder().setGraph(g).build(), dir.resolve("r.onnx"));
        assertEquals("res", read.chainInputName());
        assertEquals(InputPrefix.Kind.BACKBONE, read.network().prefix().kind());
        assertArrayEquals(new int[] {4, 5, 2}, read.network().widths());

        float[] rows = TestModels.randomRows(3, ROWS, 4);
        ModelProto exposed = ScoringGraph.exposing(read, List.of("res"));
        Map<String, float[]> out = TestModels.runOrt(exposed, read.input(), rows, ROWS, 4, List.of("res", "y"));
        TestModels.assertClose(read.network().forward(out.get("res"), ROWS), out.get("y"), TOLERANCE, "after residual");
    }

    @Test
    void externalDataNextToTheModelIsRead() throws IOException {
        TestModels.Built built = TestModels.dense(4, 6, 3).build();
        TensorProto weight = TestModels.initializer(built.model(), "fc1.weight");
        Files.write(dir.resolve("weights.bin"), new byte[16]);
        Files.write(dir.resolve("weights.bin"), weight.getRawData().toByteArray(),
                java.nio.file.StandardOpenOption.APPEND);
        TensorProto external = weight.toBuilder().clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("16"))
                .build();
        ModelProto model = replaceInitializer(built.model(), external);
        OnnxDenseModel read = DenseChainReader.read(TestModels.save(model, dir, "ext.onnx"));
        assertEquals(built.expectedNetwork().layer(0), read.network().layer(0));
    }

    // ---- errors ----

    @Test
    void unsupportedOperatorBetweenDenseLayers() {
        for (String op : new String[] {"Sin", "Flatten", "Softmax"}) {
            ModelProto model = insertAfter(TestModels.dense(4, 8, 3).build().model(), "h1", op, "odd");
            InputException e = assertThrows(InputException.class, () -> read(model));
            assertMessage(e, "node 'odd' (" + op + ")", "between two dense layers");
        }
        ModelProto gelu = insertAfter(TestModels.dense(4, 8, 3).opset(20).build().model(), "h1", "Gelu", "gelu");
        assertMessage(assertThrows(InputException.class, () -> read(gelu)), "node 'gelu' (Gelu)",
                "between two dense layers");
    }

    @Test
    void unsupportedOperatorAfterTheLastLayer() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        GraphProto.Builder g = base.getGraph().toBuilder();
        int fc2 = indexOf(g, "fc2");
        g.setNode(fc2, g.getNode(fc2).toBuilder().setOutput(0, "fc2_out"));
        g.addNode(NodeProto.newBuilder().setOpType("Sin").setName("odd").addInput("fc2_out").addOutput("y"));
        InputException e = assertThrows(InputException.class, () -> read(base.toBuilder().setGraph(g).build()));
        assertMessage(e, "node 'odd' (Sin)", "before the output");
    }

    @Test
    void skipConnectionIsRefused() {
        ModelProto base = TestModels.dense(4, 8, 8, 3).build().model();
        GraphProto.Builder g = base.getGraph().toBuilder();
        g.addNode(NodeProto.newBuilder().setOpType("Add").setName("skip").addInput("h1").addInput("h1")
                .addOutput("skip_out"));
        ModelProto model = base.toBuilder().setGraph(g).build();
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "tensor 'h1'", "node 'skip' (Add)", "outside the dense chain");
    }

    @Test
    void nonConstantWeightOfTheLastLayer() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        GraphProto.Builder g = base.getGraph().toBuilder();
        int fc2 = indexOf(g, "fc2");
        // A weight computed by a node (here Abs) is not a constant; read through an Identity, it is one.
        g.addNode(fc2, NodeProto.newBuilder().setOpType("Abs").setName("w_abs").addInput("fc2.weight")
                .addOutput("w2"));
        g.setNode(fc2 + 1, g.getNode(fc2 + 1).toBuilder().setInput(1, "w2"));
        ModelProto model = base.toBuilder().setGraph(g).build();
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "node 'fc2' (Gemm)", "constant weights");
        g.setNode(fc2, g.getNode(fc2).toBuilder().setOpType("Identity"));
        assertEquals(3, read(base.toBuilder().setGraph(g).build()).network().widths().length);
    }

    @Test
    void sharedWeightIsRefused() {
        ModelProto base = TestModels.dense(4, 4, 4, 2).build().model();
        GraphProto.Builder g = base.getGraph().toBuilder();
        int fc2 = indexOf(g, "fc2");
        g.setNode(fc2, g.getNode(fc2).toBuilder().setInput(1, "fc1.weight"));
        ModelProto model = base.toBuilder().setGraph(g).build();
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "node 'fc2' (Gemm)", "'fc1.weight'", "node 'fc1' (Gemm)", "shared");
    }

    @Test
    void transposedDataInputIsRefused() {
        ModelProto model = setAttribute(TestModels.dense(4, 8, 3).build().model(), "fc1", TestModels.attr("transA", 1));
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "node 'fc1' (Gemm)", "transA=1");
    }

    @Test
    void twoDataInputsAreRefused() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        ModelProto model = base.toBuilder().setGraph(base.getGraph().toBuilder()
                .addInput(TestModels.valueInfo("z", TestModels.FLOAT, new long[] {-1, 2}))).build();
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "2 data inputs", "x, z");
    }

    @Test
    void twoOutputsAreRefused() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        ModelProto model = base.toBuilder().setGraph(base.getGraph().toBuilder()
                .addOutput(TestModels.valueInfo("h1", TestModels.FLOAT, new long[] {-1, 8}))).build();
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "2 outputs", "y, h1");
    }

    @Test
    void graphWithoutDenseLayerIsRefused() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        GraphProto.Builder g = base.getGraph().toBuilder().clearNode().clearInitializer().clearOutput()
                .addNode(NodeProto.newBuilder().setOpType("Relu").setName("only").addInput("x").addOutput("y"))
                .addOutput(TestModels.valueInfo("y", TestModels.FLOAT, new long[] {-1, 4}));
        ModelProto model = base.toBuilder().setGraph(g).build();
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "output 'y'", "not computed by a dense layer", "'x'");

        GraphProto.Builder sin = g.clone().setNode(0, g.getNode(0).toBuilder().setOpType("Sin"));
        InputException e2 = assertThrows(InputException.class,
                () -> read(base.toBuilder().setGraph(sin).build()));
        assertMessage(e2, "node 'only' (Sin)", "before the output");
    }

    @Test
    void trainingDropoutIsRefused() {
        ModelProto model = TestModels.dense(4, 8, 3).dropout(0).trainingDropout().build().model();
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "node 'drop1' (Dropout)", "training mode");

        ModelProto last = TestModels.dense(4, 8, 3).dropout(1).trainingDropout().build().model();
        assertMessage(assertThrows(InputException.class, () -> read(last)), "node 'drop2' (Dropout)", "training mode");
    }

    @Test
    void dropoutMaskInUseIsRefused() {
        ModelProto base = TestModels.dense(4, 8, 3).dropout(0).build().model();
        GraphProto.Builder g = base.getGraph().toBuilder();
        int drop = indexOf(g, "drop1");
        g.setNode(drop, g.getNode(drop).toBuilder().addOutput("mask"));
        g.addNode(NodeProto.newBuilder().setOpType("Not").setName("use_mask").addInput("mask").addOutput("unmask"));
        InputException e = assertThrows(InputException.class, () -> read(base.toBuilder().setGraph(g).build()));
        assertMessage(e, "node 'drop1' (Dropout)", "mask output 'mask'");
    }

    @Test
    void trainingBatchNormalizationIsRefused() {
        ModelProto model = setAttribute(TestModels.dense(4, 8, 3).opset(15).norm(0, Norm.BEFORE_ACTIVATION).build()
                .model(), "bn1", TestModels.attr("training_mode", 1));
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "node 'bn1' (BatchNormalization)", "training mode");
    }

    @Test
    void normalisationAfterTheOutputActivationIsRefused() {
        ModelProto model = TestModels.dense(4, 8, 3).activation(1, Act.tanh()).norm(1, Norm.AFTER_ACTIVATION)
                .build().model();
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "node 'bn2' (BatchNormalization)", "follows the output layer");
    }

    @Test
    void weightShapeMismatchBetweenLayers() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        float[] values = new float[3 * 7];
        ModelProto model = replaceInitializer(base, TestModels.floatTensor("fc2.weight", values, 3, 7));
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "node 'fc2' (Gemm)", "takes 7 inputs", "node 'fc1' (Gemm)", "8 units");
    }

    @Test
    void inputWidthMismatch() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        GraphProto.Builder g = base.getGraph().toBuilder()
                .setInput(0, TestModels.valueInfo("x", TestModels.FLOAT, new long[] {-1, 5}));
        InputException e = assertThrows(InputException.class, () -> read(base.toBuilder().setGraph(g).build()));
        assertMessage(e, "node 'fc1' (Gemm)", "takes 4 inputs", "'x'", "[batch, 5]");
    }

    @Test
    void wrongNumberOfValues() {
        ModelProto raw = TestModels.dense(4, 8, 3).build().model();
        TensorProto w = TestModels.initializer(raw, "fc1.weight");
        TensorProto shortRaw = w.toBuilder().setRawData(w.getRawData().substring(0, w.getRawData().size() - 4)).build();
        InputException e = assertThrows(InputException.class, () -> read(replaceInitializer(raw, shortRaw)));
        assertMessage(e, "weight 'fc1.weight'", "node 'fc1' (Gemm)", "124 bytes", "needs 128");

        ModelProto typed = TestModels.dense(4, 8, 3).storage(Storage.TYPED).build().model();
        TensorProto tw = TestModels.initializer(typed, "fc2.bias");
        TensorProto longTyped = tw.toBuilder().addFloatData(1f).build();
        InputException e2 = assertThrows(InputException.class, () -> read(replaceInitializer(typed, longTyped)));
        assertMessage(e2, "'fc2.bias'", "holds 4 values", "needs 3");
    }

    @Test
    void missingExternalDataFile() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        TensorProto w = TestModels.initializer(base, "fc1.weight");
        TensorProto external = w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("missing.bin")).build();
        InputException e = assertThrows(InputException.class,
                () -> DenseChainReader.read(replaceInitializer(base, external), dir.resolve("m.onnx")));
        assertMessage(e, "'fc1.weight'", "missing.bin", "not found");
        assertEquals(dir.resolve("m.onnx"), e.file());
    }

    @Test
    void float16WeightsAreRefused() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        TensorProto half = TensorProto.newBuilder().setName("fc1.weight").setDataType(TensorProto.DataType.FLOAT16_VALUE)
                .addDims(8).addDims(4).setRawData(com.google.protobuf.ByteString.copyFrom(new byte[64])).build();
        InputException e = assertThrows(InputException.class, () -> read(replaceInitializer(base, half)));
        assertMessage(e, "'fc1.weight'", "FLOAT16", "only FLOAT and DOUBLE");
    }

    @Test
    void integerInputIsRefused() {
        ModelProto base = TestModels.dense(4, 8, 3).build().model();
        GraphProto.Builder g = base.getGraph().toBuilder().setInput(0,
                TestModels.valueInfo("x", TensorProto.DataType.INT64_VALUE, new long[] {-1, 4}));
        InputException e = assertThrows(InputException.class, () -> read(base.toBuilder().setGraph(g).build()));
        assertMessage(e, "input 'x'", "INT64");
    }

    @Test
    void softmaxOverTheBatchAxisIsRefused() {
        ModelProto model = setAttribute(TestModels.dense(4, 8, 3).head(Head.SOFTMAX).build().model(), "softmax",
                TestModels.attr("axis", 0));
        InputException e = assertThrows(InputException.class, () -> read(model));
        assertMessage(e, "node 'softmax' (Softmax)", "axis 0");
    }

    @Test
    void opsetIsTakenFromTheDefaultDomain() {
        // A model importing a custom domain first still reads its ai.onnx opset (Clip from inputs at 13).
        ModelProto base = TestModels.dense(4, 6, 2).activation(Act.clip(-0.5f, 0.5f)).build().model();
        ModelProto model = base.toBuilder().clearOpsetImport()
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.example").setVersion(1))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
        assertEquals(Activation.clip(-0.5f, 0.5f), read(model).network().layer(0).activation());
        assertEquals(OutputHead.NONE, read(model).network().head());
    }

    // ---- helpers ----

    private OnnxDenseModel read(TestModels.Built built) {
        return read(built.model());
    }

    private OnnxDenseModel read(ModelProto model) {
        return DenseChainReader.read(model, dir.resolve("model.onnx"));
    }

    static void assertMessage(InputException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
        }
    }

    static int indexOf(GraphProto.Builder g, String nodeName) {
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals(nodeName)) {
                return i;
            }
        }
        throw new AssertionError("no node " + nodeName);
    }

    /** Inserts {@code op} reading {@code tensor}; the consumers of {@code tensor} read its output instead. */
    static ModelProto insertAfter(ModelProto model, String tensor, String op, String name) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        String out = name + "_out";
        int producer = -1;
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto.Builder n = g.getNode(i).toBuilder();
            for (int k = 0; k < n.getInputCount(); k++) {
                if (n.getInput(k).equals(tensor)) {
                    n.setInput(k, out);
                }
            }
            g.setNode(i, n);
            if (n.getOutputList().contains(tensor)) {
                producer = i;
            }
        }
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(name).addInput(tensor).addOutput(out);
        if (op.equals("Flatten") || op.equals("Softmax")) {
            node.addAttribute(TestModels.attr("axis", 1));
        }
        g.addNode(producer + 1, node);
        return model.toBuilder().setGraph(g).build();
    }

    static ModelProto setAttribute(ModelProto model, String nodeName, org.odf2nna.onnx.proto.OnnxProto.AttributeProto a) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        int i = indexOf(g, nodeName);
        NodeProto.Builder n = g.getNode(i).toBuilder();
        for (int k = 0; k < n.getAttributeCount(); k++) {
            if (n.getAttribute(k).getName().equals(a.getName())) {
                n.removeAttribute(k);
                break;
            }
        }
        g.setNode(i, n.addAttribute(a));
        return model.toBuilder().setGraph(g).build();
    }

    static ModelProto replaceInitializer(ModelProto model, TensorProto tensor) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(tensor.getName())) {
                g.setInitializer(i, tensor);
                return model.toBuilder().setGraph(g).build();
            }
        }
        throw new AssertionError("no initializer " + tensor.getName());
    }
}
