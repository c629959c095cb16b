package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.JudgedForm;
import org.odf2nna.onnx.GraphModels;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.odf2nna.report.Conversion;
import org.odf2nna.settings.ConvertChecks;
import org.odf2nna.settings.Int8Operators;
import org.odf2nna.settings.Quantize;

/**
 * convert --quantize and sweep --quantize keep the same layers float for the same model and rows
 * ({@link Int8FloatLayers}, one rule): both paths run here on a CNN built in code, in each form.
 */
class Int8FloatLayersTest {

    private static final InputSignature INPUT = new InputSignature("x", 1, new long[] {-1, 64});

    @TempDir
    Path dir;

    @Test
    void convertAndSweepKeepTheSameLayersFloatInEachForm() throws Exception {
        ModelProto proto = GraphModels.convNet(2);
        Path model = dir.resolve("conv.onnx");
        Files.write(model, proto.toByteArray());
        float[] x = GraphModels.rows(3, 120, 64);
        Path rows = csv(x, 120);
        GraphRows training = new GraphRows(x, 64, null);
        for (Quantize form : List.of(Quantize.INT8_DYNAMIC, Quantize.INT8_STATIC)) {
            Conversion c = Int8Conversion.convert(model, dir.resolve(form.id() + ".onnx"), form,
                    form == Quantize.INT8_STATIC ? rows : null, ConvertChecks.NONE);
            JudgedForm round = GraphInt8Rounds.of(form, Int8Operators.STANDARD, proto, model, INPUT, training);
            ModelProto swept = round.apply(proto);
            List<String> sweepReasons = GraphInt8Rounds.notes(round, 0, 0).stream().skip(1)
                    .map(n -> n.substring("int8: ".length())).toList();
            assertEquals(c.coverage().layers().floatReasons(), sweepReasons, form.id());
            List<String> convs = ops(OnnxModelFile.read(dir.resolve(form.id() + ".onnx")));
            assertEquals(convs.contains("ConvInteger"), ops(swept).contains("ConvInteger"), form.id());
            if (form == Quantize.INT8_DYNAMIC) {
                // The rule: ConvInteger is slower than float Conv in ONNX Runtime, so the dynamic form keeps it float.
                assertFalse(convs.contains("ConvInteger"), convs.toString());
                assertTrue(sweepReasons.stream().anyMatch(r -> r.startsWith("1 Conv kept float: the dynamic form's "
                        + "ConvInteger")), sweepReasons.toString());
                assertEquals(2, c.coverage().layers().int8Layers());
            } else {
                assertEquals(3, c.coverage().layers().int8Layers());
                assertTrue(swept.getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()));
            }
        }
    }

    /** --int8-everywhere: the dynamic form's convolution int8 as well. */
    @Test
    void everywhereQuantizesTheConvolutionInTheDynamicForm() throws Exception {
        ModelProto proto = GraphModels.convNet(2);
        Path model = dir.resolve("conv.onnx");
        Files.write(model, proto.toByteArray());
        assertEquals(1, Int8FloatLayers.keepFloat(proto, model, org.odf2nna.onnx.GraphQuantizer.Form.DYNAMIC, false)
                .size());
        assertTrue(Int8FloatLayers.keepFloat(proto, model, org.odf2nna.onnx.GraphQuantizer.Form.DYNAMIC, true)
                .isEmpty());
        assertTrue(Int8FloatLayers.keepFloat(proto, model, org.odf2nna.onnx.GraphQuantizer.Form.STATIC, false)
                .isEmpty());
    }

    private static List<String> ops(ModelProto m) {
        return m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    }

    private Path csv(float[] x, int rows) throws Exception {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            s.append(i == 0 ? "" : ",").append("x").append(i);
        }
        for (int r = 0; r < rows; r++) {
            s.append('\n');
            for (int i = 0; i < 64; i++) {
                s.append(i == 0 ? "" : ",").append(x[r * 64 + i]);
            }
        }
        Path p = dir.resolve("train.csv");
        Files.writeString(p, s.append('\n'));
        return p;
    }
}
