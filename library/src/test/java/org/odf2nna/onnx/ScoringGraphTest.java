package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.odf2nna.onnx.TestModels.Act;
import static org.odf2nna.onnx.TestModels.Head;
import static org.odf2nna.onnx.TestModels.Norm;
import static org.odf2nna.onnx.TestModels.Prefix;
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
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorShapeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;
import org.odf2nna.prune.RunningMoments;

class ScoringGraphTest {

    private static final Path FILE = Path.of("scoring.onnx");
    private static final int ROWS = 300;
    private static final int BATCH = 64;

    static Stream<Arguments> threeHiddenLayers() {
        return Stream.of(
                Arguments.of("Gemm, ReLU", TestModels.dense(4, 10, 8, 6, 3).build()),
                Arguments.of("MatMul, Softplus", TestModels.dense(4, 10, 8, 6, 3).style(Style.MATMUL_ADD_LEFT)
                        .activation(Act.softplus()).build()),
                Arguments.of("prefix, dropout, BN after activation, softmax", TestModels.dense(4, 10, 8, 6, 3)
                        .prefix(Prefix.SUB_DIV).dropout(0).norm(1, Norm.AFTER_ACTIVATION).activation(Act.tanh())
                        .style(2, Style.MATMUL_ADD).head(Head.SOFTMAX).valueInfo().build()),
                Arguments.of("opset 7, IR 3, fixed batch", TestModels.dense(4, 10, 8, 6, 3).opset(7).fixedBatch()
                        .activation(Act.sigmoid()).build()),
                Arguments.of("float64, Sin backbone", TestModels.dense(4, 10, 8, 6, 3).doubles().prefix(Prefix.SIN)
                        .activation(Act.tanh()).build()));
    }

    /** The paper's Algorithm 3 (one truncated subgraph per layer) and Algorithm 4 (one pass) agree. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("threeHiddenLayers")
    void onePassFiguresEqualTruncatedSubgraphs(String name, TestModels.Built built) {
        OnnxDenseModel model = DenseChainReader.read(built.model(), FILE);
        List<String> hidden = model.hiddenUnitOutputs();
        assertEquals(3, hidden.size());
        int width = built.inputWidth();
        float[] rows = TestModels.randomRows(21, ROWS, width);
        int[] units = built.hiddenUnits();

        List<RunningMoments> onePass = new ArrayList<>();
        for (int u : units) {
            onePass.add(new RunningMoments(u));
        }
        ModelProto exposing = ScoringGraph.exposing(model, hidden);
        assertEquals(1 + hidden.size(), exposing.getGraph().getOutputCount());
        try (OnnxRunner runner = OnnxRunner.open(exposing, model.input(), Device.CPU, FILE)) {
            for (int start = 0; start < ROWS; start += BATCH) {
                int n = Math.min(BATCH, ROWS - start);
                float[] batch = slice(rows, start, n, width);
                Map<String, float[]> out = runner.run(batch, n, width, hidden);
                for (int l = 0; l < hidden.size(); l++) {
                    onePass.get(l).add(out.get(hidden.get(l)), n);
                }
            }
            assertFalse(runner.isRowByRow(), "the relaxed graph takes batches");
        }

        List<double[]> reference = built.hiddenReference(rows, ROWS);
        for (int l = 0; l < hidden.size(); l++) {
            ModelProto truncated = ScoringGraph.truncatedAt(model, hidden.get(l));
            checkTruncated(truncated, hidden.get(l), l + 1);
            RunningMoments separate = new RunningMoments(units[l]);
            try (OnnxRunner runner = OnnxRunner.open(truncated, model.input(), Device.CPU, FILE)) {
                for (int start = 0; start < ROWS; start += BATCH) {
                    int n = Math.min(BATCH, ROWS - start);
                    separate.add(runner.run(slice(rows, start, n, width), n, width, List.of(hidden.get(l)))
                            .get(hidden.get(l)), n);
                }
            }
            assertEquals(ROWS, separate.count());
            assertEquals(ROWS, onePass.get(l).count());
            double[] m1 = onePass.get(l).mean();
            double[] m2 = separate.mean();
            double[] s1 = onePass.get(l).standardDeviation();
            double[] s2 = separate.standardDeviation();
            double[][] ref = momentsOf(reference.get(l), ROWS, units[l]);
            for (int j = 0; j < units[l]; j++) {
                assertEquals(m2[j], m1[j], 1e-6, "mean of layer " + (l + 1) + " unit " + j);
                assertEquals(s2[j], s1[j], 1e-6, "std of layer " + (l + 1) + " unit " + j);
                assertEquals(ref[0][j], m1[j], 1e-5, "mean vs plain-Java reference");
                assertEquals(ref[1][j], s1[j], 1e-5, "std vs plain-Java reference");
            }
        }
    }

    @Test
    void fixedBatchOfOneIsScoredInBatches() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).fixedBatch().valueInfo().build();
        assertEquals(1, built.model().getGraph().getInput(0).getType().getTensorType().getShape().getDim(0)
                .getDimValue());
        OnnxDenseModel model = DenseChainReader.read(built.model(), FILE);
        int n = 50;
        float[] rows = TestModels.randomRows(22, n, 4);
        List<String> wanted = new ArrayList<>(model.hiddenUnitOutputs());
        wanted.add("y");
        ModelProto scoring = ScoringGraph.exposing(model, wanted);
        assertEquals(0, scoring.getGraph().getValueInfoCount(), "stale value_info shapes are dropped");
        for (ValueInfoProto v : scoring.getGraph().getOutputList()) {
            if (v.getType().getTensorType().hasShape()) {
                assertFalse(v.getType().getTensorType().getShape().getDim(0).hasDimValue(), "batch relaxed");
            }
        }
        try (OnnxRunner runner = OnnxRunner.open(scoring, model.input(), Device.CPU, FILE)) {
            Map<String, float[]> out = runner.run(rows, n, 4, wanted);
            assertFalse(runner.isRowByRow(), "many rows in one run");
            TestModels.assertClose(built.reference(rows, n), out.get("y"), 1e-5, "outputs");
            List<double[]> hidden = built.hiddenReference(rows, n);
            TestModels.assertClose(hidden.get(0), out.get("h1"), 1e-5, "h1");
            TestModels.assertClose(hidden.get(1), out.get("h2"), 1e-5, "h2");
        }
        try (OnnxRunner runner = OnnxRunner.open(ScoringGraph.truncatedAt(model, "h2"), model.input(), Device.CPU,
                FILE)) {
            float[] h2 = runner.run(rows, n, 4, List.of("h2")).get("h2");
            assertFalse(runner.isRowByRow());
            TestModels.assertClose(built.hiddenReference(rows, n).get(1), h2, 1e-5, "truncated h2");
        }
        // the original graph itself cannot take a batch: the runner falls back to one row at a time
        try (OnnxRunner runner = OnnxRunner.open(built.model(), model.input(), Device.CPU, FILE)) {
            float[] y = runner.run(rows, n, 4, List.of("y")).get("y");
            assertTrue(runner.isRowByRow());
            TestModels.assertClose(built.reference(rows, n), y, 1e-5, "row by row");
        }
    }

    @Test
    void graphThatReshapesToOneRowRunsRowByRow() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).prefix(Prefix.RESHAPE_ONE_ROW).build();
        OnnxDenseModel model = DenseChainReader.read(built.model(), FILE);
        assertEquals(List.of("Reshape"), model.network().prefix().operations());
        int n = 25;
        float[] rows = TestModels.randomRows(23, n, 4);
        List<String> wanted = new ArrayList<>(model.hiddenUnitOutputs());
        wanted.add("y");
        try (OnnxRunner runner = OnnxRunner.open(ScoringGraph.exposing(model, wanted), model.input(), Device.CPU,
                FILE)) {
            Map<String, float[]> first = runner.run(slice(rows, 0, 10, 4), 10, 4, wanted);
            assertTrue(runner.isRowByRow(), "a [1, -1] reshape takes one row per run");
            Map<String, float[]> second = runner.run(slice(rows, 10, n - 10, 4), n - 10, 4, wanted);
            float[] y = new float[n * 3];
            System.arraycopy(first.get("y"), 0, y, 0, 30);
            System.arraycopy(second.get("y"), 0, y, 30, (n - 10) * 3);
            TestModels.assertClose(built.reference(rows, n), y, 1e-5, "outputs row by row");
            float[] h1 = new float[n * 8];
            System.arraycopy(first.get("h1"), 0, h1, 0, 80);
            System.arraycopy(second.get("h1"), 0, h1, 80, (n - 10) * 8);
            TestModels.assertClose(built.hiddenReference(rows, n).get(0), h1, 1e-5, "h1 row by row");
        }
    }

    @Test
    void flatRowsAreReshapedToTheInputShape() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).prefix(Prefix.FLATTEN).head(Head.SIGMOID).build();
        OnnxDenseModel model = DenseChainReader.read(built.model(), FILE);
        assertEquals(4, model.featuresPerRow());
        assertEquals(4, model.input().shape().length);
        int n = 33;
        float[] rows = TestModels.randomRows(24, n, 4);
        List<String> wanted = List.of("x_flat", "h1", "y");
        try (OnnxRunner runner = OnnxRunner.open(ScoringGraph.exposing(model, wanted), model.input(), Device.CPU,
                FILE)) {
            Map<String, float[]> out = runner.run(rows, n, 4, wanted);
            assertFalse(runner.isRowByRow());
            TestModels.assertClose(TestModels.toDoubles(rows), out.get("x_flat"), 0, "Flatten of [N,1,2,2] rows");
            TestModels.assertClose(built.reference(rows, n), out.get("y"), 1e-5, "outputs");
            TestModels.assertClose(model.network().forward(out.get("x_flat"), n), out.get("y"), 1e-5, "network");
        }
    }

    @Test
    void exposingKeepsTheGraphAndAddsOutputsOnce() {
        TestModels.Built built = TestModels.dense(4, 8, 6, 3).prefix(Prefix.SUB_DIV).doubles().build();
        OnnxDenseModel model = DenseChainReader.read(built.model(), FILE);
        ModelProto exposing = ScoringGraph.exposing(model, List.of("h2", "y", "h1", "h2", "x_scaled"));
        List<String> outputs = new ArrayList<>();
        exposing.getGraph().getOutputList().forEach(o -> outputs.add(o.getName()));
        assertEquals(List.of("y", "h2", "h1", "x_scaled"), outputs);
        for (ValueInfoProto o : exposing.getGraph().getOutputList()) {
            assertEquals(TensorProto.DataType.DOUBLE_VALUE, o.getType().getTensorType().getElemType());
        }
        assertEquals(built.model().getGraph().getNodeList(), exposing.getGraph().getNodeList());
        assertEquals(built.model().getGraph().getInitializerList(), exposing.getGraph().getInitializerList());
        assertEquals(built.model().getOpsetImportList(), exposing.getOpsetImportList());
        // the model it came from is untouched
        assertEquals(1, model.model().getGraph().getOutputCount());

        ModelProto truncated = ScoringGraph.truncatedAt(model, "x_scaled");
        List<String> ops = new ArrayList<>();
        truncated.getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
        assertEquals(List.of("Sub", "Div"), ops);
        int n = 9;
        float[] rows = TestModels.randomRows(25, n, 4);
        float[] chain = TestModels.runOrt(truncated, model.input(), rows, n, 4, "x_scaled");
        TestModels.assertClose(built.chainInput(rows, n), chain, 1e-6, "prefix output");
    }

    /** Algorithm 3 taken literally: one model per unit, whose single output is that unit's activation. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("threeHiddenLayers")
    void perUnitSubgraphOutputsOneColumn(String name, TestModels.Built built) {
        OnnxDenseModel model = DenseChainReader.read(built.model(), FILE);
        int width = built.inputWidth();
        int n = 40;
        float[] rows = TestModels.randomRows(26, n, width);
        List<double[]> reference = built.hiddenReference(rows, n);
        int[] units = model.network().hiddenUnits();
        for (int l = 0; l < units.length; l++) {
            String tensor = model.hiddenUnitOutputs().get(l);
            for (int j : new int[] {0, units[l] / 2, units[l] - 1}) {
                ModelProto one = ScoringGraph.truncatedAtUnit(model, tensor, j);
                assertEquals(1, one.getGraph().getOutputCount());
                String output = one.getGraph().getOutput(0).getName();
                assertFalse(output.equals(tensor), "the output is the gathered column, not the layer");
                float[] column = TestModels.runOrt(one, model.input(), rows, n, width, output);
                assertEquals(n, column.length, "one value per row");
                double[] expected = new double[n];
                for (int r = 0; r < n; r++) {
                    expected[r] = reference.get(l)[r * units[l] + j];
                }
                TestModels.assertClose(expected, column, 1e-5, name + " layer " + (l + 1) + " unit " + j);
            }
        }
    }

    // ---- helpers ----

    /** A truncated graph keeps only what computes {@code tensor}: layers up to {@code layer}, nothing after. */
    private static void checkTruncated(ModelProto truncated, String tensor, int layer) {
        assertEquals(1, truncated.getGraph().getOutputCount());
        assertEquals(tensor, truncated.getGraph().getOutput(0).getName());
        Set<String> names = new HashSet<>();
        for (NodeProto node : truncated.getGraph().getNodeList()) {
            names.add(node.getName());
        }
        for (int l = 1; l <= layer; l++) {
            assertTrue(names.contains("fc" + l), "truncated graph keeps fc" + l);
        }
        assertFalse(names.contains("fc" + (layer + 1)), "truncated graph drops fc" + (layer + 1));
        assertFalse(names.contains("softmax"));
        for (TensorProto init : truncated.getGraph().getInitializerList()) {
            assertFalse(init.getName().startsWith("fc" + (layer + 1) + "."), "unused initializer " + init.getName());
        }
        ValueInfoProto input = truncated.getGraph().getInput(0);
        TensorShapeProto shape = input.getType().getTensorType().getShape();
        assertFalse(shape.getDim(0).hasDimValue(), "symbolic batch");
    }

    private static float[] slice(float[] rows, int start, int n, int width) {
        float[] out = new float[n * width];
        System.arraycopy(rows, start * width, out, 0, n * width);
        return out;
    }

    private static double[][] momentsOf(double[] values, int rows, int columns) {
        double[] mean = new double[columns];
        double[] std = new double[columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                mean[c] += values[r * columns + c] / rows;
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                double d = values[r * columns + c] - mean[c];
                std[c] += d * d / rows;
            }
        }
        for (int c = 0; c < columns; c++) {
            std[c] = Math.sqrt(std[c]);
        }
        return new double[][] {mean, std};
    }
}
