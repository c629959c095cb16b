package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TensorProto;

/**
 * Models that keep weights in external data files (how models over 2 GiB are stored) are shrunk end to
 * end: ONNX Runtime is told where the data files are (it resolved them against the working directory
 * before), and an output written to another folder gets its external tensors copied in.
 */
class ExternalDataCliTest {

    @TempDir
    Path dir;

    @Test
    void aModelWithExternalDataIsShrunkIntoItsOwnFolderAndElsewhere() throws IOException {
        // fc1's weights (in the dense chain) and the normalisation mean (in the prefix) live in weights.bin.
        ModelProto m = TestModels.dense(4, 8, 6, 3).prefix(TestModels.Prefix.SUB_DIV).head(TestModels.Head.SOFTMAX)
                .build().model();
        TensorProto w = TestModels.initializer(m, "fc1.weight");
        TensorProto mean = TestModels.initializer(m, "norm.mean");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.write(w.getRawData().toByteArray());
        data.write(mean.getRawData().toByteArray());
        Files.write(dir.resolve("weights.bin"), data.toByteArray());
        m = BadInputMatrixTest.external(m, "fc1.weight", "weights.bin", 0);
        m = BadInputMatrixTest.external(m, "norm.mean", "weights.bin", w.getRawData().size());
        Path model = BadInputMatrixTest.save(dir, "model.onnx", m);
        Path csv = BadInputMatrixTest.goodCsv(dir);

        CliRun original = CliRun.of("eval", model.toString(), csv.toString(), "--json");
        assertEquals(0, original.exitCode(), original.toString());

        Path here = dir.resolve("small.onnx");
        // Random weights on random rows: at chance, taken all the same.
        CliRun same = CliRun.of("-q", "shrink", model.toString(), "--eval", csv.toString(), "-e", "0.05", "-o",
                here.toString(), "--accept-chance");
        assertEquals(0, same.exitCode(), same.toString());
        ModelProto written = ModelProto.parseFrom(Files.readAllBytes(here));
        assertEquals(TensorProto.DataLocation.EXTERNAL, TestModels.initializer(written, "norm.mean").getDataLocation(),
                "beside the model, the prefix keeps referring to weights.bin");

        Path elsewhere = Files.createDirectories(dir.resolve("out")).resolve("small.onnx");
        CliRun other = CliRun.of("-q", "shrink", model.toString(), "--eval", csv.toString(), "-e", "0.05", "-o",
                elsewhere.toString(), "--accept-chance");
        assertEquals(0, other.exitCode(), other.toString());
        CliRun evalHere = CliRun.of("eval", here.toString(), csv.toString(), "--json");
        assertEquals(0, evalHere.exitCode(), evalHere.toString());
        Files.delete(dir.resolve("weights.bin"));
        CliRun evalCopy = CliRun.of("eval", elsewhere.toString(), csv.toString(), "--json");
        assertEquals(0, evalCopy.exitCode(), "the copy in another folder needs no data file: " + evalCopy);
        assertFalse(Files.readString(elsewhere, java.nio.charset.StandardCharsets.ISO_8859_1).contains("weights.bin"));

        // Without its data file, the original is refused naming the tensor, the same as the matrix case.
        CliRun missing = CliRun.of("eval", model.toString(), csv.toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("'weights.bin' not found"), missing.err());
        // Both outputs are the same pruned network: the same accuracy.
        assertEquals(accuracy(evalHere), accuracy(evalCopy));
    }

    private static double accuracy(CliRun eval) {
        return JsonParser.parseString(eval.out()).getAsJsonObject().getAsJsonObject("metrics").get("accuracy")
                .getAsDouble();
    }
}
