package org.odf2nna.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Writes the seed corpus of {@link OnnxReaderFuzzTest}: small valid models in the shapes exporters
 * produce. Run from the repository root with the test class path:
 * {@code java -cp "library/target/test-classes:library/target/classes:$(cat library/target/test-classpath.txt)" org.odf2nna.onnx.FuzzSeeds}.
 */
public final class FuzzSeeds {

    private FuzzSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0]
                : "library/src/test/resources/org/odf2nna/onnx/OnnxReaderFuzzTestInputs/readPruneWrite");
        Files.createDirectories(dir);
        seed(dir, "seed-gemm-relu-softmax", TestModels.dense(3, 4, 2).head(TestModels.Head.SOFTMAX).build().model());
        seed(dir, "seed-gemm-notrans", TestModels.dense(2, 3, 2).style(TestModels.Style.GEMM).build().model());
        seed(dir, "seed-matmul-add-tanh", TestModels.dense(2, 3, 3, 1).style(TestModels.Style.MATMUL_ADD)
                .activation(TestModels.Act.tanh()).head(TestModels.Head.SIGMOID).build().model());
        seed(dir, "seed-matmul-no-bias", TestModels.dense(2, 2, 1).style(TestModels.Style.MATMUL_NO_BIAS).build().model());
        seed(dir, "seed-alpha-beta", TestModels.dense(2, 3, 2).gemmScale(0, 0.5f, 2f).build().model());
        seed(dir, "seed-typed", TestModels.dense(2, 3, 2).storage(TestModels.Storage.TYPED).build().model());
        seed(dir, "seed-constant-nodes", TestModels.dense(2, 3, 2).storage(TestModels.Storage.CONSTANT_NODE).build().model());
        seed(dir, "seed-doubles", TestModels.dense(2, 3, 2).doubles().head(TestModels.Head.LOG_SOFTMAX).build().model());
        seed(dir, "seed-batchnorm", TestModels.dense(2, 3, 3, 2).norm(0, TestModels.Norm.BEFORE_ACTIVATION)
                .norm(1, TestModels.Norm.AFTER_ACTIVATION).build().model());
        seed(dir, "seed-dropout-identity", TestModels.dense(2, 3, 2).dropout(0).identity(0).opset(12).build().model());
        seed(dir, "seed-flatten", TestModels.dense(4, 3, 2).prefix(TestModels.Prefix.FLATTEN).build().model());
        seed(dir, "seed-sub-div", TestModels.dense(2, 3, 2).prefix(TestModels.Prefix.SUB_DIV).valueInfo().build().model());
        seed(dir, "seed-clip-opset11", TestModels.dense(2, 3, 2).activation(TestModels.Act.clip(0f, 6f)).opset(11)
                .build().model());
        seed(dir, "seed-clip-opset6", TestModels.dense(2, 3, 2).activation(TestModels.Act.clip(0f, 6f)).opset(6)
                .build().model());
        seed(dir, "seed-prelu", TestModels.dense(2, 3, 2).activation(TestModels.Act.prelu(0.2f)).build().model());
        seed(dir, "seed-leaky-selu", TestModels.dense(2, 3, 3, 2).activation(0, TestModels.Act.leakyRelu(0.1f))
                .activation(1, TestModels.Act.selu(null, null)).build().model());
        seed(dir, "seed-unnamed", TestModels.dense(2, 3, 2).unnamedNodes().docStrings().build().model());
        seed(dir, "seed-one-layer", TestModels.dense(3, 2).build().model());
        // External data: fc1.weight (2 inputs x 3 units, 24 bytes) in the fuzz folder's weights.bin.
        ModelProto m = TestModels.dense(2, 3, 2).build().model();
        TensorProto w = TestModels.initializer(m, "fc1.weight");
        TensorProto external = w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("64"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("24"))
                .build();
        var g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("fc1.weight")) {
                g.setInitializer(i, external);
            }
        }
        seed(dir, "seed-external-data", m.toBuilder().setGraph(g).build());
    }

    private static void seed(Path dir, String name, ModelProto model) throws IOException {
        Files.write(dir.resolve(name), model.toByteArray());
    }
}
