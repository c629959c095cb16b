package org.odf2nna.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.report.Conversion;
import org.odf2nna.report.Evaluation;
import org.odf2nna.report.ModelDescription;
import org.odf2nna.report.ReportFormat;

/** The facade's file-level calls that {@code inspect}, {@code eval}, {@code convert} and the reports' notes use. */
class DescribeAndFilesTest {

    private static final Path IRIS = Path.of("models/iris_4-16-16-3_relu.onnx");
    private static final Path DIGITS = Path.of("models/digits_8x8-128-64-10_relu.onnx");
    private static final Path IRIS_KERAS = Path.of("examples/keras/iris_4-16-16-3_relu.keras");

    @Test
    void describesAnOnnxModelWithItsPrefixHeadAndLayers() {
        ModelDescription d = Inspection.describe(DIGITS);
        assertEquals("onnx", d.format());
        assertEquals("preprocessing", d.front().prefix());
        assertEquals("Flatten", d.front().prefixOperators().get(0));
        assertEquals("Softmax", d.chain().head());
        assertEquals("classification (10 classes)", d.chain().task());
        assertEquals("[batch, 1, 8, 8]", d.front().inputShape());
        assertEquals(List.of(1, 2, 3), d.chain().layers().stream().map(ModelDescription.Layer::layer).toList());
        List<ModelDescription.Layer> layers = d.chain().layers();
        assertEquals(List.of(true, true, false), layers.stream().map(ModelDescription.Layer::hidden).toList());
        assertEquals("none", d.chain().layers().get(2).activation(), "the output layer's identity");
        assertEquals(d.chain().parameters(), layers.stream().mapToLong(ModelDescription.Layer::parameters).sum());
        assertFalse(d.fromKeras());
        assertFalse(d.nothingToPrune());
        assertEquals(List.of(), d.keras().batchNormsFolded());
        // Read by programs: nothing Keras-only appears for an ONNX model.
        JsonObject json = JsonParser.parseString(ReportFormat.json(d)).getAsJsonObject();
        assertFalse(json.has("kerasFile"), json.toString());
        assertEquals(3, json.getAsJsonArray("layers").size());
    }

    @Test
    void describesAKerasFileByItsOwnLayerNames() {
        ModelDescription d = Inspection.describe(IRIS_KERAS);
        assertEquals("keras", d.format());
        assertTrue(d.fromKeras());
        String kerasFile = d.keras().kerasFile();
        assertTrue(kerasFile.startsWith("Keras ") && kerasFile.endsWith(" .keras"), kerasFile);
        assertEquals("4-16-16-3", d.chain().architecture());
        assertEquals("none (logits)", d.chain().head());
        assertEquals("classification (3 classes)", d.chain().task());
        assertTrue(d.chain().layers().stream().allMatch(l -> l.node().startsWith("dense")),
                d.chain().layers().toString());
        assertEquals(d.keras().kerasFile(), JsonParser.parseString(ReportFormat.json(d)).getAsJsonObject()
                .get("kerasFile").getAsString());
    }

    @Test
    void tellsTheFormatByContent(@TempDir Path dir) throws IOException {
        assertEquals(ModelFormat.ONNX, Inspection.formatOf(IRIS));
        Path renamed = dir.resolve("iris.onnx");
        Files.copy(IRIS_KERAS, renamed);
        assertEquals(ModelFormat.KERAS, Inspection.formatOf(renamed), "a Keras file under an ONNX name");
    }

    @Test
    void warnsWhenTheSidecarRecordsAFarBetterMetric(@TempDir Path dir) throws IOException {
        Metrics half = new Metrics.Classification(30, 3, 0.5, 0.5, Double.NaN);
        // models/iris_4-16-16-3_relu.json records test accuracy 1.0.
        assertTrue(Messages.recordedMetricWarning(IRIS, half).contains("50 points below"),
                Messages.recordedMetricWarning(IRIS, half));
        assertEquals("", Messages.recordedMetricWarning(IRIS, new Metrics.Classification(30, 3, 1.0, 1.0,
                Double.NaN)));
        Path alone = dir.resolve("iris.onnx");
        Files.copy(IRIS, alone);
        assertEquals("", Messages.recordedMetricWarning(alone, half), "no sidecar");
        // The key is the metric's own: a regression's MSE against the sidecar's mse.
        Files.writeString(dir.resolve("iris.json"), "{\"test_metrics\": {\"mse\": 1.0, \"accuracy\": 1.0}}");
        assertTrue(Messages.recordedMetricWarning(alone, new Metrics.Regression(100, 5, 2, 0.1))
                .contains("is 5 times the 1"));
        assertEquals("", Messages.recordedMetricWarning(alone, null));
    }

    @Test
    void evaluatesWithTheModelTheRowsAndTheTaskNamed() {
        Path csv = Path.of("examples/iris/iris-test.csv");
        Evaluation e = FileWorkflows.evaluate(IRIS, csv, CsvReading.DEFAULT, null, Device.CPU, Progress.NONE);
        assertEquals(IRIS.toString(), e.model());
        assertEquals(csv.toString(), e.data());
        assertEquals("classification", e.task());
        assertTrue(e.metrics() instanceof Metrics.Classification && e.metrics().rows() == 30, e.toString());
    }

    @Test
    void convertsAndSaysWhatItWrote(@TempDir Path dir) {
        Path out = dir.resolve("iris.int8.onnx");
        // Weight-only: on a model this small the integer form's nodes outweigh what its codes save.
        Conversion c = FileWorkflows.convert(IRIS, out, ModelFormat.ONNX, Quantize.INT8_WEIGHTS);
        assertEquals("int8-weights", c.quantize());
        assertEquals(IRIS.toString(), c.model());
        assertEquals("onnx", c.from());
        assertEquals(out.toString(), c.output());
        assertEquals("onnx", c.format());
        assertTrue(c.int8());
        assertEquals(FileWorkflows.CONVERT_CHECK_ROWS, c.rows());
        assertTrue(c.bytesAfter() < c.bytesBefore(), c.toString());
        assertTrue(Files.isRegularFile(out));
        Conversion keras = FileWorkflows.convert(IRIS_KERAS, dir.resolve("iris.onnx"), ModelFormat.ONNX);
        assertTrue(keras.from().startsWith("Keras "), keras.from());
        assertFalse(keras.int8());
    }
}
