package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.keras.KerasTestFiles;
import org.odf2nna.network.Activation;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;
import org.odf2nna.testing.Skips;
import org.odf2nna.tf.SavedModelWriter;

/**
 * Every kind of bad input the command line can meet, each answered the same way: exit code 1 (bad
 * input) or 2 (bad usage), exactly one line on standard error that starts with {@code odf2nna-onnx:
 * error:} and names the file and the place (node, layer, line, column, option), no stack trace, and no
 * file written: not the output, not a report, not a hidden temporary file.
 *
 * <p>Each case builds its inputs in a fresh folder (ONNX models in code, CSVs as text, a SavedModel
 * with TensorFlow Java) and runs the command line in-process. The output path is always
 * {@code out.onnx} in that folder unless the case is about the output path.
 */
class BadInputMatrixTest {

    static final int BAD_INPUT = 1;
    static final int USAGE = 2;

    /** Builds a case's inputs in {@code dir} and returns the command line to run. */
    @FunctionalInterface
    interface Setup {
        String[] args(Path dir) throws Exception;
    }

    /**
     * @param name     what is wrong (the test's display name)
     * @param exitCode 1 or 2, or 3 where there is nothing to prune
     * @param setup    writes the inputs, returns the arguments
     * @param expected fragments the one error line must contain: the file name, the place, the problem
     */
    record Case(String name, int exitCode, Setup setup, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case bad(String name, Setup setup, String... expected) {
        return new Case(name, BAD_INPUT, setup, List.of(expected));
    }

    static Case usage(String name, Setup setup, String... expected) {
        return new Case(name, USAGE, setup, List.of(expected));
    }

    static Stream<Arguments> cases() {
        List<Case> cases = new ArrayList<>();

        // ---- the model file ----------------------------------------------------------------------------
        cases.add(bad("missing model file",
                d -> shrink(d.resolve("nope.onnx"), goodCsv(d)),
                "nope.onnx: ", "no such file"));
        cases.add(bad("missing model file (inspect)",
                d -> new String[] {"inspect", d.resolve("nope.onnx").toString()},
                "nope.onnx: ", "no such file"));
        cases.add(bad("model path is a directory",
                d -> shrink(Files.createDirectories(d.resolve("folder.onnx")), goodCsv(d)),
                "folder.onnx: ", "is a directory but not a TensorFlow SavedModel"));
        cases.add(bad("empty model file",
                d -> shrink(Files.write(d.resolve("empty.onnx"), new byte[0]), goodCsv(d)),
                "empty.onnx: ", "is empty"));
        cases.add(bad("random bytes as a model",
                d -> shrink(Files.write(d.resolve("random.onnx"), randomBytes(1, 4096)), goodCsv(d)),
                "random.onnx: ", "is not an ONNX model"));
        cases.add(bad("random bytes as a model (eval)",
                d -> new String[] {"eval", Files.write(d.resolve("random.onnx"), randomBytes(2, 999)).toString(),
                    goodCsv(d).toString()},
                "random.onnx: ", "is not an ONNX model"));
        cases.add(bad("truncated ONNX file",
                d -> {
                    byte[] bytes = threeLayers().toByteArray();
                    return shrink(Files.write(d.resolve("cut.onnx"), Arrays.copyOf(bytes, bytes.length / 2)), goodCsv(d));
                },
                "cut.onnx: ", "is not an ONNX model", "truncated"));
        cases.add(bad("truncated ONNX file (inspect)",
                d -> {
                    byte[] bytes = threeLayers().toByteArray();
                    Path cut = Files.write(d.resolve("cut.onnx"), Arrays.copyOf(bytes, bytes.length - 7));
                    return new String[] {"inspect", cut.toString()};
                },
                "cut.onnx: ", "truncated"));
        cases.add(bad("ONNX file with no graph",
                d -> shrink(save(d, "nograph.onnx", ModelProto.newBuilder().setIrVersion(8)
                        .setProducerName("test").addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                        .build()), goodCsv(d)),
                "nograph.onnx: ", "graph", "no graph found"));
        cases.add(bad("ONNX graph with no nodes",
                d -> shrink(save(d, "nonodes.onnx", threeLayers().toBuilder()
                        .setGraph(threeLayers().getGraph().toBuilder().clearNode()).build()), goodCsv(d)),
                "nonodes.onnx: ", "graph", "no nodes"));
        // evolve searches these two as graphs (their dense block's units, issue 70), as shrink prunes them
        // (ShrinkGraphOnceCliTest): without --validation, on which a graph's masks are judged, it refuses in one
        // line before any work.
        cases.add(usage("operator between two dense layers",
                d -> evolve(save(d, "sin.onnx", replaceOp(threeLayers(), "act1", "Sin")), goodCsv(d)),
                "sin.onnx: ", "--validation is needed"));
        cases.add(usage("operator after the last dense layer",
                d -> {
                    ModelProto m = threeLayers();
                    GraphProto.Builder g = m.getGraph().toBuilder();
                    String out = g.getOutput(0).getName();
                    int last = g.getNodeCount() - 1;
                    g.setNode(last, g.getNode(last).toBuilder().setOutput(0, "before_abs"));
                    g.addNode(NodeProto.newBuilder().setName("abs").setOpType("Abs").addInput("before_abs")
                            .addOutput(out));
                    return evolve(save(d, "abs.onnx", m.toBuilder().setGraph(g).build()), goodCsv(d));
                },
                "abs.onnx: ", "--validation is needed"));
        cases.add(bad("operator of another domain between dense layers",
                d -> {
                    ModelProto m = replaceOp(threeLayers(), "act1", "FancyRelu");
                    GraphProto.Builder g = m.getGraph().toBuilder();
                    for (int i = 0; i < g.getNodeCount(); i++) {
                        if (g.getNode(i).getName().equals("act1")) {
                            g.setNode(i, g.getNode(i).toBuilder().setDomain("com.example"));
                        }
                    }
                    return shrink(save(d, "custom.onnx", m.toBuilder().setGraph(g).build()), goodCsv(d));
                },
                "custom.onnx: ", "node 'act1' (FancyRelu)", "between two dense layers"));
        cases.add(bad("Gemm weight shape does not match the layer before",
                d -> {
                    ModelProto m = threeLayers();
                    TensorProto w = TestModels.initializer(m, "fc2.weight"); // [6 units, 8 inputs], transB=1
                    TensorProto narrower = TestModels.floatTensor("fc2.weight", new float[6 * 7], 6, 7);
                    return shrink(save(d, "shape.onnx", replaceInitializer(m, w.getName(), narrower)), goodCsv(d));
                },
                "shape.onnx: ", "node 'fc2' (Gemm)", "takes 7 inputs", "node 'fc1' (Gemm)", "has 8 units"));
        cases.add(bad("weight data shorter than its shape",
                d -> {
                    ModelProto m = threeLayers();
                    TensorProto w = TestModels.initializer(m, "fc1.weight");
                    TensorProto cut = w.toBuilder().setRawData(w.getRawData().substring(0, 12)).build();
                    return shrink(save(d, "short.onnx", replaceInitializer(m, "fc1.weight", cut)), goodCsv(d));
                },
                "short.onnx: ", "weight 'fc1.weight' of node 'fc1' (Gemm)", "holds 12 bytes"));
        cases.add(bad("weight shape claiming 10^12 values",
                d -> {
                    ModelProto m = threeLayers();
                    TensorProto w = TestModels.initializer(m, "fc1.weight");
                    TensorProto huge = w.toBuilder().clearDims().addDims(1_000_000).addDims(1_000_000).build();
                    return shrink(save(d, "huge.onnx", replaceInitializer(m, "fc1.weight", huge)), goodCsv(d));
                },
                "huge.onnx: ", "node 'fc1' (Gemm)", "1000000000000 values"));
        cases.add(bad("weight shape claiming 10^9 values with 128 bytes of data",
                d -> {
                    ModelProto m = threeLayers();
                    TensorProto w = TestModels.initializer(m, "fc1.weight");
                    TensorProto huge = w.toBuilder().clearDims().addDims(40_000).addDims(25_000).build();
                    return shrink(save(d, "lying.onnx", replaceInitializer(m, "fc1.weight", huge)), goodCsv(d));
                },
                "lying.onnx: ", "weight 'fc1.weight' of node 'fc1' (Gemm)", "holds 128 bytes"));
        // A graph ONNX Runtime runs, with no dense blocks and no chain: nothing to prune (exit 3), the chain
        // reader's reason said in the same line.
        Case computed = bad("weight computed by a node, not an initializer",
                d -> {
                    ModelProto m = threeLayers();
                    TensorProto w = TestModels.initializer(m, "fc2.weight");
                    GraphProto.Builder g = removeInitializer(m, "fc2.weight").getGraph().toBuilder();
                    g.addInitializer(w.toBuilder().setName("fc2.weight.stored"));
                    // (Read through an Identity, the weight would be a constant: the chain reader takes it.)
                    g.addNode(0, NodeProto.newBuilder().setName("fc2.weight.copy").setOpType("Neg")
                            .addInput("fc2.weight.stored").addOutput("fc2.weight"));
                    return shrink(save(d, "computed.onnx", m.toBuilder().setGraph(g).build()), goodCsv(d));
                },
                "computed.onnx: ", "node 'fc2' (Gemm)", "weight 'fc2.weight'", "node 'fc2.weight.copy' (Neg)",
                "not an initializer");
        cases.add(new Case(computed.name(), 3, computed.setup(), computed.expected()));
        cases.add(bad("weight fed as a graph input, not an initializer",
                d -> {
                    ModelProto m = threeLayers();
                    GraphProto.Builder g = removeInitializer(m, "fc1.weight").getGraph().toBuilder();
                    g.addInput(TestModels.valueInfo("fc1.weight", TestModels.FLOAT, new long[] {8, 4}));
                    return shrink(save(d, "input.onnx", m.toBuilder().setGraph(g).build()), goodCsv(d));
                },
                "input.onnx: ", "input 'fc1.weight'", "node 'fc1' (Gemm)", "not an initializer"));
        cases.add(bad("external-data initializer whose file is missing",
                d -> shrink(save(d, "external.onnx", external(threeLayers(), "fc1.weight", "weights.bin", 0)),
                        goodCsv(d)),
                "external.onnx: ", "weight 'fc1.weight' of node 'fc1' (Gemm)", "'weights.bin' not found"));
        cases.add(bad("external data beyond the end of its file",
                d -> {
                    Files.write(d.resolve("weights.bin"), new byte[100]);
                    return shrink(save(d, "external.onnx", external(threeLayers(), "fc1.weight", "weights.bin", 64)),
                            goodCsv(d));
                },
                "external.onnx: ", "weight 'fc1.weight' of node 'fc1' (Gemm)", "'weights.bin' is too short"));
        cases.add(bad("external data outside the model's folder",
                d -> shrink(save(d, "external.onnx", external(threeLayers(), "fc1.weight", "../../etc/passwd", 0)),
                        goodCsv(d)),
                "external.onnx: ", "weight 'fc1.weight' of node 'fc1' (Gemm)", "outside the model's folder"));
        cases.add(bad("ONNX file of 2 GiB or more (sparse)",
                d -> {
                    Path big = d.resolve("big.onnx");
                    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
                        f.setLength((2L << 30) + 1);
                    }
                    return shrink(big, goodCsv(d));
                },
                "big.onnx: ", "2147483649 bytes", "2 GiB", "external data"));
        cases.add(bad("ONNX graph with a cycle",
                d -> {
                    ModelProto m = threeLayers();
                    GraphProto.Builder g = m.getGraph().toBuilder();
                    for (int i = 0; i < g.getNodeCount(); i++) {
                        if (g.getNode(i).getName().equals("fc2")) {
                            g.setNode(i, g.getNode(i).toBuilder().setInput(0, "h2")); // fc2 -> act2 -> fc2
                        }
                    }
                    return shrink(save(d, "cycle.onnx", m.toBuilder().setGraph(g).build()), goodCsv(d));
                },
                "cycle.onnx: ", "node 'fc2' (Gemm)", "is on a cycle"));
        cases.add(bad("ONNX node with too few inputs",
                d -> {
                    ModelProto m = threeLayers();
                    GraphProto.Builder g = m.getGraph().toBuilder();
                    for (int i = 0; i < g.getNodeCount(); i++) {
                        if (g.getNode(i).getName().equals("fc2")) {
                            g.setNode(i, g.getNode(i).toBuilder().clearInput().addInput("h1"));
                        }
                    }
                    return shrink(save(d, "arity.onnx", m.toBuilder().setGraph(g).build()), goodCsv(d));
                },
                "arity.onnx: ", "node 'fc2' (Gemm)", "has 1 input", "at least 2"));
        cases.add(bad("NaN weight",
                d -> {
                    ModelProto m = threeLayers();
                    TensorProto w = TestModels.initializer(m, "fc2.weight");
                    float[] values = new float[6 * 8];
                    values[5] = Float.NaN;
                    return shrink(save(d, "nan.onnx", replaceInitializer(m, "fc2.weight",
                            TestModels.floatTensor(w.getName(), values, 6, 8))), goodCsv(d));
                },
                "nan.onnx: ", "node 'fc2' (Gemm)", "not a finite number"));
        cases.add(bad("activations that overflow on the data",
                d -> {
                    ModelProto m = threeLayers();
                    float[] values = new float[8 * 4];
                    java.util.Arrays.fill(values, 3e38f);
                    return shrink(save(d, "overflow.onnx", replaceInitializer(m, "fc1.weight",
                            TestModels.floatTensor("fc1.weight", values, 8, 4))), csv(d, "x1,x2,x3,x4,label\n"
                            + "0,0,0,0,0\n1,1,1,1,1\n"));
                },
                "data.csv: ", "line 3", "layer 1 (node 'fc1')", "Infinity", "overflows"));
        // Nothing to prune: exit 3 in every command (the graph path's "no dense blocks" above, inspect too).
        Case linear = bad("model of one dense layer: nothing to prune",
                d -> shrink(save(d, "linear.onnx", TestModels.dense(4, 3).build().model()), goodCsv(d)),
                "linear.onnx: ", "layer 1 (node 'fc1')", "only dense layer");
        cases.add(new Case(linear.name(), 3, linear.setup(), linear.expected()));
        cases.add(bad("SavedModel without variables",
                d -> {
                    Path saved = d.resolve("saved");
                    SavedModelWriter.write(TestNetworks.random(new Random(5), new int[] {4, 8, 3}, Activation.RELU,
                            OutputHead.SOFTMAX), saved, "input");
                    deleteTree(saved.resolve("variables"));
                    return shrink(saved, goodCsv(d));
                },
                "saved: ", "variables/", "without variables"));
        cases.add(bad("directory named like a SavedModel without saved_model.pb",
                d -> new String[] {"inspect", Files.createDirectories(d.resolve("saved")).toString()},
                "saved: ", "no saved_model.pb"));

        // ---- the CSV file ------------------------------------------------------------------------------
        cases.add(bad("missing CSV file",
                d -> shrink(model(d), d.resolve("nope.csv")),
                "nope.csv: ", "no such file"));
        cases.add(bad("CSV path is a directory",
                d -> shrink(model(d), Files.createDirectories(d.resolve("rows.csv"))),
                "rows.csv: ", "is a directory"));
        cases.add(bad("empty CSV file",
                d -> shrink(model(d), csv(d, "")),
                "data.csv: ", "is empty"));
        cases.add(bad("random bytes as a CSV",
                d -> shrink(model(d), Files.write(d.resolve("data.csv"), randomBytes(7, 4096))),
                "data.csv: ", "line "));
        cases.add(bad("CSV with a header but no rows",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n")),
                "data.csv: ", "line 2", "no data rows after the header"));
        cases.add(bad("CSV with a ragged row (a cell missing)",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n1,2,3,4,0\n1,2,3,0\n")),
                "data.csv: ", "line 3, column 5 'label'", "missing cell"));
        cases.add(bad("CSV with a ragged row (a cell too many)",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n1,2,3,4,0,9\n")),
                "data.csv: ", "line 2, column 6", "extra cell"));
        cases.add(bad("CSV with a non-numeric cell",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n1,2,3,4,0\n1,2,abc,4,1\n")),
                "data.csv: ", "line 3, column 3 'x3'", "'abc' is not a number"));
        cases.add(bad("CSV with an empty cell",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n1,,3,4,0\n")),
                "data.csv: ", "line 2, column 2 'x2'", "empty cell"));
        cases.add(bad("CSV with NaN",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n1,2,3,4,0\n1,2,3,NaN,1\n")),
                "data.csv: ", "line 3, column 4 'x4'", "'NaN'"));
        cases.add(bad("CSV with infinity",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n-Infinity,2,3,4,0\n")),
                "data.csv: ", "line 2, column 1 'x1'", "infinite value"));
        cases.add(bad("CSV with a number beyond double range",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n1,2,3,1e999,0\n")),
                "data.csv: ", "line 2, column 4 'x4'", "out of range"));
        cases.add(bad("CSV with a value beyond float range",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n1,2,3,-1e39,0\n")),
                "data.csv: ", "line 2, column 4 'x4'", "out of range for a float32"));
        cases.add(bad("CSV whose header has a million columns",
                d -> {
                    StringBuilder header = new StringBuilder("c0");
                    for (int c = 1; c < 1_000_000; c++) {
                        header.append(",c").append(c);
                    }
                    return shrink(model(d), csv(d, header + "\n"));
                },
                "data.csv: ", "line 1", "has 1000000 columns", "4 feature columns"));
        cases.add(bad("CSV of one line longer than 64 MiB",
                d -> {
                    Path file = d.resolve("data.csv");
                    try (java.io.Writer w = Files.newBufferedWriter(file)) {
                        w.write("x1,x2,x3,x4,label\n");
                        String chunk = "0.5,".repeat(1 << 14);
                        for (long n = 0; n <= 64L << 20; n += chunk.length()) {
                            w.write(chunk);
                        }
                    }
                    return shrink(model(d), file);
                },
                "data.csv: ", "line 2", "longer than 67108864 bytes"));
        cases.add(bad("CSV without the label column named by --label",
                d -> shrink(model(d), goodCsv(d), "--label", "species"),
                "data.csv: ", "line 1", "no column named 'species'"));
        cases.add(bad("CSV without a label column (eval needs one)",
                d -> new String[] {"eval", model(d).toString(), csv(d, "x1,x2,x3,x4\n1,2,3,4\n").toString()},
                "data.csv: ", "line 1", "has 4 columns", "target column"));
        cases.add(bad("class id the model cannot output",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,label\n1,2,3,4,0\n1,2,3,4,7\n")),
                "data.csv: ", "line 3, column 'label'", "class id 7", "3 classes"));
        cases.add(bad("class label that is not a class id",
                d -> new String[] {"eval", model(d).toString(), csv(d, "x1,x2,x3,x4,y\n1,2,3,4,0.5\n").toString()},
                "data.csv: ", "line 2, column 'y'", "is not a class id"));
        cases.add(bad("CSV with fewer features than the model takes",
                d -> shrink(model(d), csv(d, "x1,x2,label\n1,2,0\n")),
                "data.csv: ", "line 1", "has 3 columns", "2 feature columns once the target column 'label' "
                        + "(column 3) is set aside", "4 feature columns"));
        cases.add(bad("CSV with more features than the model takes",
                d -> shrink(model(d), csv(d, "x1,x2,x3,x4,x5,x6,label\n1,2,3,4,5,6,0\n")),
                "data.csv: ", "line 1", "has 7 columns", "4 feature columns"));
        cases.add(bad("CSV with more features than the model takes (eval)",
                d -> new String[] {"eval", model(d).toString(),
                    csv(d, "x1,x2,x3,x4,x5,label\n1,2,3,4,5,0\n").toString()},
                "data.csv: ", "line 1", "has 6 columns", "4 feature columns"));
        cases.add(bad("CSV whose header is a data row",
                d -> shrink(model(d), csv(d, "1,2,3,4,0\n1,2,3,4,1\n")),
                "data.csv: ", "line 1", "looks like data"));
        cases.add(bad("truncated gzip CSV",
                d -> {
                    byte[] gz = gzip(goodCsvText(200));
                    return shrink(model(d), Files.write(d.resolve("data.csv.gz"), Arrays.copyOf(gz, gz.length / 2)));
                },
                "data.csv.gz: ", "line ", "truncated"));
        cases.add(bad("training CSV with a bad cell",
                d -> shrink(model(d), goodCsv(d), "--train", csv(d, "train.csv",
                        "x1,x2,x3,x4,label\n1,2,3,4,0\n1,2,3,?,1\n").toString(), "--retrain-epochs", "1"),
                "train.csv: ", "line 3, column 4 'x4'", "missing value"));

        // ---- the target column: never read as a feature (issue 16) --------------------------------------
        // One feature missing and the label kept: the label must not make up the count.
        cases.add(bad("one feature missing, label kept (last)",
                d -> shrink(model(d), csv(d, "x2,x3,x4,label\n2,3,4,0\n")),
                "data.csv: ", "line 1", "3 feature columns once the target column 'label' (column 4) is set aside",
                "the model takes 4"));
        cases.add(bad("one feature missing, target first",
                d -> shrink(model(d), csv(d, "Target,x1,x2,x3\n0,1,2,3\n")),
                "data.csv: ", "line 1", "3 feature columns", "'Target' (column 1)", "the model takes 4"));
        cases.add(bad("one feature missing, target in the middle",
                d -> shrink(model(d), csv(d, "x1,label,x2,x3\n1,0,2,3\n")),
                "data.csv: ", "line 1", "3 feature columns", "'label' (column 2)", "the model takes 4"));
        cases.add(bad("one feature missing, label kept (eval)",
                d -> new String[] {"eval", model(d).toString(), csv(d, "x2,x3,x4,label\n2,3,4,0\n").toString()},
                "data.csv: ", "line 1", "3 feature columns", "'label' (column 4)", "the model takes 4"));
        cases.add(bad("one feature missing, label kept (--train)",
                d -> shrink(model(d), goodCsv(d), "--train", csv(d, "train.csv", "x2,x3,x4,label\n2,3,4,0\n")
                        .toString(), "--retrain-epochs", "1"),
                "train.csv: ", "line 1", "3 feature columns", "'label' (column 4)", "the model takes 4"));
        cases.add(bad("one feature missing, label kept (--validation)",
                d -> shrink(model(d), goodCsv(d), "--train", csv(d, "train.csv", goodCsvText(30)).toString(),
                        "--validation", csv(d, "validation.csv", "x2,x3,x4,label\n2,3,4,0\n").toString(),
                        "--retrain-epochs", "1"),
                "validation.csv: ", "line 1", "3 feature columns", "'label' (column 4)", "the model takes 4"));
        // Retraining options of the default sweep (distillation, the validation rows that judge).
        cases.add(bad("training file without a target where one is needed (--paper)",
                d -> new String[] {"sweep", model(d).toString(), "--eval", goodCsv(d).toString(), "--train",
                    csv(d, "train.csv", "x1,x2,x3,x4\n1,2,3,4\n2,3,4,5\n3,4,5,6\n").toString(), "--paper",
                    "-o", d.resolve("out.onnx").toString()},
                "train.csv: ", "line 1", "target"));
        cases.add(bad("validation file of the wrong shape (sweep)",
                d -> new String[] {"sweep", model(d).toString(), "--eval", goodCsv(d).toString(), "--train",
                    csv(d, "train.csv", goodCsvText(30)).toString(), "--validation",
                    csv(d, "validation.csv", "x1,x2,label\n1,2,0\n").toString(), "-o",
                    d.resolve("out.onnx").toString()},
                "validation.csv: ", "line 1"));
        cases.add(usage("temperature of zero",
                d -> new String[] {"sweep", model(d).toString(), "--eval", goodCsv(d).toString(), "--train",
                    goodCsv(d).toString(), "--temperature", "0", "-o", d.resolve("out.onnx").toString()},
                "--temperature", "> 0"));
        cases.add(bad("one feature missing, target named by --label",
                d -> shrink(model(d), csv(d, "x1,x2,species,x3\n1,2,0,3\n"), "--label", "species"),
                "data.csv: ", "line 1", "3 feature columns", "'species' (column 3)", "the model takes 4"));
        cases.add(bad("duplicated target name",
                d -> shrink(model(d), csv(d, "label,x1,x2,x3,x4,label\n0,1,2,3,4,0\n")),
                "data.csv: ", "line 1", "'label' (column 1)", "'label' (column 6)", "cannot tell which"));
        cases.add(bad("two target-named columns (label and TARGET)",
                d -> new String[] {"eval", model(d).toString(),
                    csv(d, "x1,label,x2,x3,x4,TARGET\n1,0,2,3,4,0\n").toString()},
                "data.csv: ", "line 1", "'label' (column 2)", "'TARGET' (column 6)", "rename or remove"));
        cases.add(bad("duplicated --label column",
                d -> shrink(model(d), csv(d, "y,x1,x2,x3,x4,y\n0,1,2,3,4,0\n"), "--label", "y"),
                "data.csv: ", "line 1", "more than one column named 'y' (columns 1 and 6)"));
        // Models that record their feature columns read the file by name.
        cases.add(bad("by-name model: a feature column missing",
                d -> shrink(namedModel(d), csv(d, "x1,x2,x4,label\n1,2,4,0\n")),
                "data.csv: ", "line 1", "no column named 'x3'", "by name"));
        cases.add(bad("by-name model: a feature column renamed",
                d -> shrink(namedModel(d), csv(d, "x1,x2,x3,X4,label\n1,2,3,4,0\n")),
                "data.csv: ", "line 1", "no column named 'x4'", "columns it does not read: X4"));
        cases.add(bad("by-name model: a feature column renamed (eval)",
                d -> new String[] {"eval", namedModel(d).toString(),
                    csv(d, "x1,x2,x3,x_4,label\n1,2,3,4,0\n").toString()},
                "data.csv: ", "line 1", "no column named 'x4'", "columns it does not read: x_4"));
        cases.add(bad("by-name model: a feature column missing (--train)",
                d -> shrink(namedModel(d), goodCsv(d), "--train", csv(d, "train.csv", "x1,x2,x4,label\n1,2,4,0\n")
                        .toString(), "--retrain-epochs", "1"),
                "train.csv: ", "line 1", "no column named 'x3'"));
        cases.add(bad("by-name model: a feature column missing (--validation)",
                d -> shrink(namedModel(d), goodCsv(d), "--train", goodCsv(d).toString(), "--validation",
                        csv(d, "validation.csv", "x1,x2,x4,label\n1,2,4,0\n").toString(), "--retrain-epochs", "1"),
                "validation.csv: ", "line 1", "no column named 'x3'"));
        cases.add(bad("by-name model: a feature column missing (sweep --train)",
                d -> new String[] {"sweep", namedModel(d).toString(), "--eval", goodCsv(d).toString(), "--train",
                    csv(d, "train.csv", "x4,x2,x1,label\n4,2,1,0\n").toString(), "--retrain-epochs", "1", "-o",
                    d.resolve("out.onnx").toString()},
                "train.csv: ", "line 1", "no column named 'x3'", "the file has no other columns"));
        cases.add(bad("by-name model: --label names a feature column",
                d -> shrink(namedModel(d), goodCsv(d), "--label", "x2"),
                "data.csv: ", "line 1", "'x2' (column 2)", "takes it as a feature"));
        cases.add(bad("by-name model: no target column for eval",
                d -> new String[] {"eval", namedModel(d).toString(),
                    csv(d, "x4,x3,x2,x1,extra\n4,3,2,1,9\n").toString()},
                "data.csv: ", "line 1", "no target column", "--label"));

        // ---- options -----------------------------------------------------------------------------------
        cases.add(usage("negative epsilon",
                d -> shrink(model(d), goodCsv(d), "--epsilon", "-0.1"),
                "--epsilon", "'-0.1' is negative"));
        cases.add(usage("epsilon that is not a number",
                d -> shrink(model(d), goodCsv(d), "--epsilon", "abc"),
                "--epsilon", "'abc' is not a number"));
        cases.add(usage("epsilon NaN",
                d -> shrink(model(d), goodCsv(d), "--epsilon", "NaN"),
                "--epsilon", "'NaN' is not a finite number"));
        cases.add(usage("epsilon listed twice",
                d -> shrink(model(d), goodCsv(d), "--epsilon", "0.1,0.1"),
                "--epsilon", "twice"));
        cases.add(usage("unknown task",
                d -> shrink(model(d), goodCsv(d), "--task", "clustering"),
                "--task", "'clustering'"));
        cases.add(usage("regression task for a three-class model",
                d -> shrink(model(d), goodCsv(d), "--task", "regression"),
                "--task regression", "3 outputs"));
        cases.add(usage("unknown device",
                d -> shrink(model(d), goodCsv(d), "--device", "tpu"),
                "--device", "'tpu'"));
        cases.add(usage("CUDA device on the CPU build",
                d -> shrink(model(d), goodCsv(d), "--device", "cuda"),
                "--device cuda", "CUDA", "-Pgpu"));
        cases.add(usage("inference batch of zero",
                d -> shrink(model(d), goodCsv(d), "--inference-batch", "0"),
                "--inference-batch", "positive"));
        cases.add(usage("inference batch that is not a number",
                d -> shrink(model(d), goodCsv(d), "--inference-batch", "many"),
                "--inference-batch", "'many'"));
        cases.add(usage("unknown output format",
                d -> shrink(model(d), goodCsv(d), "--format", "pickle"),
                "--format", "'pickle'"));
        cases.add(usage("quantize int4",
                d -> new String[] {"convert", model(d).toString(), "-o", d.resolve("out.onnx").toString(),
                    "--quantize", "int4"},
                "--quantize", "'int4' is not supported"));
        cases.add(usage("quantize int8 to a .keras output",
                d -> new String[] {"convert", model(d).toString(), "-o", d.resolve("out.keras").toString(),
                    "--quantize", "int8"},
                "--quantize int8 writes ONNX only", ".keras"));
        cases.add(usage("quantize int8 to a SavedModel output",
                d -> new String[] {"convert", model(d).toString(), "-o", d.resolve("out").toString(), "--format",
                    "savedmodel", "--quantize", "int8"},
                "--quantize int8 writes ONNX only", "SavedModel"));
        cases.add(usage("quantize int8 to a .keras output (sweep)",
                d -> new String[] {"sweep", model(d).toString(), "--eval", goodCsv(d).toString(), "--train",
                    goodCsv(d).toString(), "-o", d.resolve("out.keras").toString(), "--quantize", "int8"},
                "--quantize int8 writes ONNX only"));
        cases.add(usage("unknown option",
                d -> shrink(model(d), goodCsv(d), "--frobnicate"),
                "--frobnicate"));
        cases.add(usage("missing --eval",
                d -> new String[] {"shrink", model(d).toString(), "-o", d.resolve("out.onnx").toString()},
                "--eval"));
        cases.add(usage("no command",
                d -> new String[0],
                "missing command"));

        // ---- the output path ---------------------------------------------------------------------------
        cases.add(usage("output path equal to the input",
                d -> {
                    Path model = model(d);
                    return new String[] {"shrink", model.toString(), "--eval", goodCsv(d).toString(), "-o",
                        model.toString()};
                },
                "model.onnx: ", "is an input of this run"));
        cases.add(usage("output path equal to the input, spelt differently",
                d -> {
                    Path model = model(d);
                    Path other = d.resolve("sub/../model.onnx");
                    Files.createDirectories(d.resolve("sub"));
                    return new String[] {"shrink", model.toString(), "--eval", goodCsv(d).toString(), "-o",
                        other.toString()};
                },
                "model.onnx: ", "is an input of this run"));
        cases.add(usage("output path equal to the CSV",
                d -> {
                    Path csv = goodCsv(d);
                    return new String[] {"shrink", model(d).toString(), "--eval", csv.toString(), "-o", csv.toString()};
                },
                "data.csv: ", "is an input of this run"));
        cases.add(usage("output path is a directory",
                d -> new String[] {"shrink", model(d).toString(), "--eval", goodCsv(d).toString(), "-o",
                    Files.createDirectories(d.resolve("outdir")).toString()},
                "outdir: ", "is a directory"));
        cases.add(bad("output in a missing folder",
                d -> new String[] {"shrink", model(d).toString(), "--eval", goodCsv(d).toString(), "-o",
                    d.resolve("missing/out.onnx").toString()},
                "out.onnx: ", "folder", "missing", "does not exist"));
        cases.add(bad("report in a missing folder",
                d -> shrink(model(d), goodCsv(d), "--report", d.resolve("missing/report.json").toString()),
                "report.json: ", "folder", "does not exist"));
        cases.add(bad("output in a read-only folder",
                d -> {
                    Path folder = Files.createDirectories(d.resolve("locked"));
                    Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
                    Skips.requireTool(!Files.isWritable(folder), "a user whom file permissions bind (this one, "
                            + "root?, writes into 555 folders)", "run the tests as an ordinary user");
                    return new String[] {"shrink", model(d).toString(), "--eval", goodCsv(d).toString(), "-o",
                        folder.resolve("out.onnx").toString()};
                },
                "out.onnx: ", "locked", "not writable"));
        cases.add(usage("SavedModel output into a non-empty directory",
                d -> {
                    Path target = Files.createDirectories(d.resolve("target"));
                    Files.writeString(target.resolve("keep.txt"), "mine");
                    return new String[] {"shrink", model(d).toString(), "--eval", goodCsv(d).toString(),
                        "--format", "savedmodel", "-o", target.toString()};
                },
                "target: ", "not empty"));

        // ---- Keras files (built with jhdf in org.odf2nna.keras.KerasTestFiles) ------------------------------
        cases.add(bad("zip without config.json (not a Keras archive)",
                d -> shrink(KerasTestFiles.zip(d.resolve("notes.keras"), java.util.Map.of("notes.txt",
                        "hello".getBytes(StandardCharsets.UTF_8))), goodCsv(d)),
                "notes.keras: ", "is a zip archive but not a Keras model", "no config.json"));
        cases.add(bad("HDF5 file without model_config (weights only)",
                d -> new String[] {"convert", KerasTestFiles.legacyH5(d.resolve("weights.h5"), kerasOk(), false).toString(),
                    "-o", d.resolve("out.onnx").toString()},
                "weights.h5: ", "is an HDF5 file but not a Keras model", "no 'model_config'"));
        cases.add(bad("Keras model with a Conv2D layer",
                d -> shrink(KerasTestFiles.keras(d.resolve("conv.keras"), List.of(KerasTestFiles.input("in", 4),
                        KerasTestFiles.plain("Conv2D", "conv2d_1"), kerasOk().get(0), kerasOk().get(1)), false), goodCsv(d)),
                "conv.keras: ", "layer 'conv2d_1'", "a Conv2D layer reads one of rank 4"));
        cases.add(bad("Keras model with an LSTM layer (inspect)",
                d -> new String[] {"inspect", KerasTestFiles.keras(d.resolve("lstm.keras"), List.of(
                        KerasTestFiles.input("in", 4), KerasTestFiles.plain("LSTM", "lstm"), kerasOk().get(0),
                        kerasOk().get(1)), false).toString()},
                "lstm.keras: ", "layer 'lstm'", "is a LSTM layer"));
        cases.add(bad("Keras model with a Lambda layer",
                d -> shrink(KerasTestFiles.legacyH5(d.resolve("lambda.h5"), List.of(kerasOk().get(0),
                        KerasTestFiles.plain("Lambda", "lambda_1"), kerasOk().get(1)), true), goodCsv(d)),
                "lambda.h5: ", "layer 'lambda_1'", "is a Lambda layer"));
        cases.add(bad("Keras functional model with a branch",
                d -> {
                    com.google.gson.JsonObject config = KerasTestFiles.sequentialConfig(List.of(
                            KerasTestFiles.input("in", 4), kerasOk().get(0), kerasOk().get(1)));
                    config.addProperty("class_name", "Functional");
                    com.google.gson.JsonArray layers = config.getAsJsonObject("config").getAsJsonArray("layers");
                    layers.get(1).getAsJsonObject().add("inbound_nodes",
                            com.google.gson.JsonParser.parseString("[[[\"in\", 0, 0, {}]]]"));
                    layers.get(2).getAsJsonObject().add("inbound_nodes",
                            com.google.gson.JsonParser.parseString("[[[\"in\", 0, 0, {}]]]"));
                    return shrink(KerasTestFiles.keras(d.resolve("branch.keras"), config, kerasOk(), false), goodCsv(d));
                },
                "branch.keras: ", "layer 'dense_2'", "not a single chain"));
        cases.add(bad("Keras functional model with two outputs",
                d -> {
                    // A chain in every layer's inputs, but the hidden layer is an output too: Model(in, [hidden, out]).
                    com.google.gson.JsonObject config = KerasTestFiles.sequentialConfig(List.of(
                            KerasTestFiles.input("in", 4), kerasOk().get(0), kerasOk().get(1)));
                    config.addProperty("class_name", "Functional");
                    com.google.gson.JsonObject inner = config.getAsJsonObject("config");
                    com.google.gson.JsonArray layers = inner.getAsJsonArray("layers");
                    String hidden = layers.get(1).getAsJsonObject().getAsJsonObject("config").get("name").getAsString();
                    String last = layers.get(2).getAsJsonObject().getAsJsonObject("config").get("name").getAsString();
                    layers.get(1).getAsJsonObject().add("inbound_nodes",
                            com.google.gson.JsonParser.parseString("[[[\"in\", 0, 0, {}]]]"));
                    layers.get(2).getAsJsonObject().add("inbound_nodes",
                            com.google.gson.JsonParser.parseString("[[[\"" + hidden + "\", 0, 0, {}]]]"));
                    inner.add("input_layers", com.google.gson.JsonParser.parseString("[[\"in\", 0, 0]]"));
                    inner.add("output_layers", com.google.gson.JsonParser.parseString(
                            "[[\"" + hidden + "\", 0, 0], [\"" + last + "\", 0, 0]]"));
                    return new String[] {"convert", KerasTestFiles.keras(d.resolve("two-outputs.keras"), config,
                            kerasOk(), false).toString(), "-o", d.resolve("out.onnx").toString()};
                },
                "two-outputs.keras: ", "has 2 outputs", "not a single chain"));
        cases.add(bad("Keras weights whose shape contradicts the config",
                d -> {
                    com.google.gson.JsonObject config = KerasTestFiles.sequentialConfig(List.of(
                            KerasTestFiles.input("in", 4), kerasOk().get(0), kerasOk().get(1)));
                    config.getAsJsonObject("config").getAsJsonArray("layers").get(2).getAsJsonObject()
                            .getAsJsonObject("config").addProperty("units", 4);
                    return new String[] {"eval", KerasTestFiles.keras(d.resolve("liar.keras"), config, kerasOk(), false)
                        .toString(), goodCsv(d).toString()};
                },
                "liar.keras: ", "layer 'dense_2'", "of shape [5, 3] but its config says 4 units"));
        cases.add(usage("convert to an unknown format",
                d -> new String[] {"convert", model(d).toString(), "-o", d.resolve("out.onnx").toString(), "--format",
                    "pmml"},
                "--format", "unknown format 'pmml'"));
        cases.add(usage("convert to a file of no known extension without --format",
                d -> new String[] {"convert", model(d).toString(), "-o", d.resolve("out.bin").toString()},
                "out.bin", "neither .onnx, .keras nor .h5"));
        cases.add(usage("convert over its own input",
                d -> {
                    Path k = KerasTestFiles.keras(d.resolve("m.keras"), List.of(KerasTestFiles.input("in", 4),
                            kerasOk().get(0), kerasOk().get(1)), false);
                    return new String[] {"convert", k.toString(), "-o", k.toString()};
                },
                "m.keras: ", "is an input of this run"));

        return cases.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void answersWithOneLineAndWritesNothing(Case c, @TempDir Path dir) throws Exception {
        String[] args = c.setup().args(dir);
        TreeSet<String> before = listing(dir);
        CliRun run = CliRun.of(args);

        assertEquals(c.exitCode(), run.exitCode(), c + ": " + run);
        String err = run.err();
        assertTrue(err.startsWith("odf2nna-onnx: error: "), "starts with the error prefix: " + run);
        assertTrue(err.endsWith("\n") && err.indexOf('\n') == err.length() - 1,
                "exactly one line on standard error: " + run);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace, no exception name: " + run);
        for (String fragment : c.expected()) {
            assertTrue(err.contains(fragment), "'" + fragment + "' in: " + err);
        }
        assertEquals(before, listing(dir), "no file written (output, report or hidden temp file): " + run);
        assertFalse(Files.exists(dir.resolve("out.onnx")), "no output file");
        assertEquals("", run.out(), "nothing on standard output");
    }

    @Test
    void verboseAddsTheStackTraceAfterTheSameLine(@TempDir Path dir) throws Exception {
        Path csv = csv(dir, "x1,x2,x3,x4,label\n1,2,abc,4,0\n");
        CliRun run = CliRun.of("--verbose", "shrink", model(dir).toString(), "--eval", csv.toString(), "-o",
                dir.resolve("out.onnx").toString());
        assertEquals(BAD_INPUT, run.exitCode(), run.toString());
        String first = run.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("odf2nna-onnx: error: ") && first.contains("line 2, column 3 'x3'"), run.toString());
        assertTrue(run.err().contains("\tat org.odf2nna.data.CsvReader"), "stack trace with --verbose: " + run);
        assertFalse(Files.exists(dir.resolve("out.onnx")));

        CliRun usage = CliRun.of("--verbose", "shrink", model(dir).toString(), "--eval", csv.toString(), "--epsilon",
                "-1");
        assertEquals(USAGE, usage.exitCode(), usage.toString());
        assertTrue(usage.err().startsWith("odf2nna-onnx: error: "), usage.toString());
    }

    @Test
    void theMatrixCoversEveryKindTheIssueLists() {
        // A guard against the matrix silently losing cases: the issue's list, by name.
        List<String> names = cases().map(a -> a.get()[0].toString()).toList();
        for (String required : List.of("missing model file", "model path is a directory", "empty model file",
                "random bytes as a model", "truncated ONNX file", "ONNX file with no graph",
                "operator between two dense layers", "Gemm weight shape does not match the layer before",
                "weight computed by a node, not an initializer", "external-data initializer whose file is missing",
                "SavedModel without variables", "CSV with a ragged row (a cell missing)",
                "CSV with a non-numeric cell", "CSV with NaN", "CSV with infinity", "CSV with a header but no rows",
                "CSV without the label column named by --label", "class id the model cannot output",
                "CSV with fewer features than the model takes", "CSV with more features than the model takes",
                "one feature missing, label kept (last)", "one feature missing, target first",
                "one feature missing, target in the middle", "one feature missing, label kept (eval)",
                "one feature missing, label kept (--train)", "one feature missing, label kept (--validation)",
                "one feature missing, target named by --label", "duplicated target name",
                "training file without a target where one is needed (--paper)",
                "validation file of the wrong shape (sweep)", "temperature of zero",
                "by-name model: a feature column missing", "by-name model: a feature column renamed",
                "negative epsilon", "epsilon that is not a number", "output path equal to the input",
                "output in a missing folder", "output in a read-only folder", "model of one dense layer: nothing to prune",
                "unknown task", "CUDA device on the CPU build", "inference batch of zero", "quantize int4",
                "quantize int8 to a .keras output", "quantize int8 to a SavedModel output",
                "zip without config.json (not a Keras archive)", "HDF5 file without model_config (weights only)",
                "Keras model with a Conv2D layer", "Keras model with a Lambda layer", "Keras functional model with a branch",
                "Keras functional model with two outputs", "Keras weights whose shape contradicts the config")) {
            assertTrue(names.contains(required), "matrix case missing: " + required);
        }
    }

    // ---- inputs ----------------------------------------------------------------------------------------

    /** A 4-8-6-3 ReLU classifier with a softmax head: nodes fc1..fc3, act1, act2. */
    static ModelProto threeLayers() {
        return TestModels.dense(4, 8, 6, 3).head(TestModels.Head.SOFTMAX).build().model();
    }

    /** A 4-5-3 Keras model's layers: Dense(5, relu), Dense(3, softmax). */
    static List<KerasTestFiles.Layer> kerasOk() {
        return List.of(KerasTestFiles.dense("dense_1", 4, 5, "relu", true, 1),
                KerasTestFiles.dense("dense_2", 5, 3, "softmax", true, 2));
    }

    static Path model(Path dir) throws IOException {
        return save(dir, "model.onnx", threeLayers());
    }

    /** {@link #threeLayers} recording its feature columns x1..x4 and target label, as {@code build} writes them. */
    static Path namedModel(Path dir) throws IOException {
        ModelProto m = threeLayers().toBuilder()
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("odf2nna.features")
                        .setValue("[\"x1\",\"x2\",\"x3\",\"x4\"]"))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("odf2nna.target").setValue("label"))
                .build();
        return save(dir, "named.onnx", m);
    }

    static Path save(Path dir, String name, ModelProto model) throws IOException {
        return Files.write(dir.resolve(name), model.toByteArray());
    }

    static String goodCsvText(int rows) {
        Random r = new Random(11);
        StringBuilder s = new StringBuilder("x1,x2,x3,x4,label\n");
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < 4; k++) {
                s.append(String.format(java.util.Locale.ROOT, "%.3f,", r.nextDouble() * 4 - 2));
            }
            s.append(i % 3).append('\n');
        }
        return s.toString();
    }

    static Path goodCsv(Path dir) throws IOException {
        Path file = dir.resolve("data.csv");
        return Files.exists(file) ? file : Files.writeString(file, goodCsvText(30));
    }

    static Path csv(Path dir, String text) throws IOException {
        return csv(dir, "data.csv", text);
    }

    static Path csv(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    static String[] shrink(Path model, Path csv, String... more) {
        List<String> args = new ArrayList<>(List.of("shrink", model.toString(), "--eval", csv.toString(), "-o",
                csv.resolveSibling("out.onnx").toString()));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    static String[] evolve(Path model, Path csv) {
        return new String[] {"evolve", model.toString(), "--eval", csv.toString(), "--train", csv.toString(), "-o",
            csv.resolveSibling("out.onnx").toString()};
    }

    static byte[] randomBytes(long seed, int n) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    static ModelProto replaceOp(ModelProto model, String nodeName, String op) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals(nodeName)) {
                g.setNode(i, g.getNode(i).toBuilder().setOpType(op));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    static ModelProto replaceInitializer(ModelProto model, String name, TensorProto replacement) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(name)) {
                g.setInitializer(i, replacement);
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    static ModelProto removeInitializer(ModelProto model, String name) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = g.getInitializerCount() - 1; i >= 0; i--) {
            if (g.getInitializer(i).getName().equals(name)) {
                g.removeInitializer(i);
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    /** The initializer's data moved to an external file (which this does not write). */
    static ModelProto external(ModelProto model, String name, String location, long offset) {
        TensorProto t = TestModels.initializer(model, name);
        TensorProto moved = t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length")
                        .setValue(Integer.toString(t.getRawData().size())))
                .build();
        return replaceInitializer(model, name, moved);
    }

    static TreeSet<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            TreeSet<String> names = new TreeSet<>();
            files.forEach(p -> names.add(dir.relativize(p).toString()));
            return names;
        }
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
