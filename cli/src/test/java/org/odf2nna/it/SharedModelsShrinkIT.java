package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.odf2nna.Device;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.CsvReader;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxRunner;

/**
 * Issue 2's acceptance: {@code bin/odf2nna-onnx shrink} on every ONNX model in ../shared/models with its
 * test split; the result loads in ONNX Runtime, passes Debian's onnx checker, keeps the outputs at ε = 0,
 * and the original model's metric agrees with what PyTorch measured when it exported the model.
 */
class SharedModelsShrinkIT {

    @TempDir
    Path dir;

    static Stream<String> models() throws IOException {
        Path models = Shared.root().resolve("models");
        if (!Files.isDirectory(models)) {
            return Stream.of("(../shared absent)");
        }
        try (Stream<Path> files = Files.list(models)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void shrinksEveryReferenceModel(String name) throws Exception {
        Path root = Shared.require();
        Path model = root.resolve("models/" + name + ".onnx");
        Path csv = Shared.testSplit(root, name);
        Path out0 = dir.resolve("eps0.onnx");
        Path outSmall = dir.resolve("small.onnx");
        Path report = dir.resolve("report.json");

        Shared.Result run = Shared.launch(dir, "-q", "shrink", model.toString(), "--eval", csv.toString(),
                "--epsilon", "0", "-o", out0.toString(), "--report", report.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("PWR"), run.out());

        // OR figure as PyTorch measured it on the same split (an independent implementation).
        JsonObject sidecar = JsonParser.parseString(Files.readString(root.resolve("models/" + name + ".json")))
                .getAsJsonObject().getAsJsonObject("test_metrics");
        JsonObject or = JsonParser.parseString(Files.readString(report)).getAsJsonObject()
                .getAsJsonObject("originalMetrics");
        if (sidecar.has("accuracy")) {
            assertEquals(sidecar.get("accuracy").getAsDouble(), or.get("accuracy").getAsDouble(), 1e-9);
        } else {
            assertEquals(sidecar.get("mse").getAsDouble(), or.get("mse").getAsDouble(),
                    1e-4 * sidecar.get("mse").getAsDouble());
        }

        // ε = 0 removes only units that never vary: outputs unchanged.
        assertSameOutputs(model, out0, csv, 1e-5);

        Shared.Result bigger = Shared.launch(dir, "-q", "shrink", model.toString(), "--eval", csv.toString(),
                "--epsilon", "0.2", "-o", outSmall.toString());
        assertEquals(0, bigger.exitCode(), bigger.toString());

        for (Path written : List.of(out0, outSmall)) {
            OnnxDenseModel read = DenseChainReader.read(written);
            assertEquals(DenseChainReader.read(model).network().layers().size(), read.network().layers().size());
            checkWithPythonOnnx(written);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("eps0.onnx", "report.json", "small.onnx"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
    }

    private static void assertSameOutputs(Path original, Path shrunk, Path csv, double tolerance) {
        OnnxDenseModel a = DenseChainReader.read(original);
        OnnxDenseModel b = DenseChainReader.read(shrunk);
        double worst = 0;
        try (OnnxRunner ra = OnnxRunner.open(a.model(), a.input(), Device.CPU, original);
             OnnxRunner rb = OnnxRunner.open(b.model(), b.input(), Device.CPU, shrunk);
             CsvReader reader = CsvReader.open(csv, ColumnRequest.of(a.featuresPerRow(), null,
                     ColumnRequest.Target.REQUIRED))) {
            Batch batch;
            while ((batch = reader.next(512)) != null) {
                Map<String, float[]> oa = ra.run(batch.features(), batch.rows(), batch.width(), List.of(a.outputName()));
                Map<String, float[]> ob = rb.run(batch.features(), batch.rows(), batch.width(), List.of(b.outputName()));
                float[] x = oa.get(a.outputName());
                float[] y = ob.get(b.outputName());
                assertEquals(x.length, y.length);
                for (int i = 0; i < x.length; i++) {
                    worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i])));
                }
            }
        }
        assertTrue(worst <= tolerance, "outputs changed at ε = 0 by up to " + worst);
    }

    private static void checkWithPythonOnnx(Path model) throws Exception {
        if (!Shared.hasPythonOnnx()) {
            // Only this independent check is left out: the test's own checks above and after still run.
            System.out.println("onnx.checker not run for " + model.getFileName()
                    + ": Debian's python3-onnx is not installed (apt-get install python3-onnx)");
            return;
        }
        Shared.Result check = Shared.run(Path.of("."), List.of("/usr/bin/python3", "-c",
                "import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)",
                model.toString()));
        assertEquals(0, check.exitCode(), "onnx.checker refused " + model + ":\n" + check);
    }
}
