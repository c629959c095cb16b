package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.GraphModels;
import org.odf2nna.onnx.Int8LayerTiming;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.report.Conversion;
import org.odf2nna.report.Int8LayerSpeeds;
import org.odf2nna.settings.ConvertChecks;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.ModelFormat;
import org.odf2nna.settings.Quantize;

/**
 * convert --quantize int8 keeps a layer float where its int8 form alone is slower (issue 56). The timer is injected:
 * what is checked is that each layer is timed alone (one weighted node, fed what reaches it), that the slower ones stay
 * float in the written file and the report, and that the rest is int8; never a timing of this machine.
 */
class Int8SpeedFallbackTest {

    private static final Set<String> LAYERS = Set.of("MatMul", "Gemm", "Conv");

    @TempDir
    Path dir;

    /** Times a Conv's int8 form 3× (batch 1) and 2.5× (batch) the float one's, any other layer's half. */
    private static final class ConvSlower implements Int8LayerTiming.Timer {
        final List<String> timed = new ArrayList<>();

        @Override
        public double[][] micros(List<ModelProto> models, Path file, org.odf2nna.onnx.InputSignature input,
                float[] rows, int batch, int threads) {
            List<NodeProto> weighted = models.get(0).getGraph().getNodeList().stream()
                    .filter(n -> LAYERS.contains(n.getOpType())).toList();
            assertEquals(1, weighted.size(), "one layer alone: " + models.get(0).getGraph().getNodeList());
            assertEquals(1, models.get(0).getGraph().getInputCount());
            assertTrue(rows.length > 0 && rows.length % input.valuesPerRow() == 0);
            assertEquals(1, threads);
            timed.add(weighted.get(0).getName());
            assertFalse(models.get(1).getGraph().getNodeList().stream().anyMatch(n -> LAYERS.contains(n.getOpType())
                    && n.getInputCount() > 1 && n.getInput(1).equals(weighted.get(0).getInput(1))),
                    "the second model holds the layer's int8 form");
            boolean conv = weighted.get(0).getOpType().equals("Conv");
            return conv ? new double[][] {{10, 100}, {30, 250}} : new double[][] {{10, 100}, {5, 40}};
        }
    }

    private static Int8SpeedFallback on(Int8LayerTiming.Timer timer) {
        return Int8SpeedFallback.of(Quantize.INT8, ConvertChecks.NONE, timer);
    }

    /** A dense chain (judged bit for bit in Java): the slower layer float, the others int8, the file checked. */
    @Test
    void aDenseChainsSlowerLayerStaysFloat() {
        Path model = Path.of("models/digits_8x8-128-64-10_relu.onnx");
        int[] call = {0};
        Int8LayerTiming.Timer secondSlower = (models, file, input, rows, batch, threads) -> {
            call[0]++;
            return call[0] == 2 ? new double[][] {{10, 100}, {12, 120}} : new double[][] {{10, 100}, {8, 60}};
        };
        Path out = dir.resolve("digits.int8.onnx");
        Conversion c = Converter.convert(model, out, ModelFormat.ONNX, Quantize.INT8, null, ConvertChecks.NONE,
                on(secondSlower));
        assertEquals(3, call[0]);
        assertEquals(2, c.coverage().layers().int8Layers());
        assertEquals(1, c.coverage().layers().floatLayers());
        List<Boolean> int8 = DenseChainReader.read(out).network().layers().stream()
                .map(l -> l.quantizedInputs()).toList();
        assertEquals(List.of(true, false, true), int8);
    }

    @Test
    void onlyPlainInt8TimesLayersAndEitherSettingTurnsItOff() {
        Int8LayerTiming.Timer never = (models, file, input, rows, batch, threads) -> {
            throw new AssertionError("timed");
        };
        assertFalse(Int8SpeedFallback.of(Quantize.INT8_DYNAMIC, ConvertChecks.NONE, never).on());
        assertFalse(Int8SpeedFallback.of(Quantize.INT8_STATIC, ConvertChecks.NONE, never).on());
        ConvertChecks everywhere = new ConvertChecks(null, null, null, CsvReading.DEFAULT, null, null, 256, true);
        Int8SpeedFallback off = Int8SpeedFallback.of(Quantize.INT8, everywhere, never);
        assertFalse(off.on());
        assertTrue(off.why().contains("{{INT8_EVERYWHERE}}"), off.why());
        ConvertChecks untimed = new ConvertChecks(null, null, null, CsvReading.DEFAULT, null, null, 0, false);
        assertFalse(Int8SpeedFallback.of(Quantize.INT8, untimed, never).on());
        Int8SpeedFallback timed = Int8SpeedFallback.of(Quantize.INT8, ConvertChecks.NONE, never);
        assertTrue(timed.on());
        assertEquals(ConvertChecks.DEFAULT_TIMING_BATCH, timed.batch());
    }

    /** Slower on balance: the geometric mean of the batch-1 and the batch ratio above 1. */
    @Test
    void aLayerIsSlowerWhenTheGeometricMeanOfItsRatiosIsAboveOne() {
        assertTrue(new Int8LayerTiming.Timed("k", "n", "Conv", 1.2, 0.9).slower());
        assertFalse(new Int8LayerTiming.Timed("k", "n", "Conv", 1.1, 0.8).slower());
        assertFalse(new Int8LayerTiming.Timed("k", "n", "Conv", 1.0, 1.0).slower());
        assertTrue(new Int8LayerTiming.Timed("k", "n", "Conv", 0.9, 1.3).slower());
    }
}
