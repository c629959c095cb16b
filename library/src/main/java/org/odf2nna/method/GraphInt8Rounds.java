package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.JudgedForm;
import org.odf2nna.onnx.GraphQuantizer;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.Int8Choice;
import org.odf2nna.onnx.OpsetRaise;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.Int8Operators;
import org.odf2nna.settings.Quantize;

/**
 * {@code sweep} with int8 on a graph: each round's graph judged and written in its int8 form
 * ({@link GraphQuantizer}; the static form calibrated on the first training rows), run in ONNX Runtime on the
 * validation rows as it is written (the dynamic form one row per run). With {@code int8} the form is the faster of
 * the two at batch 1 for the original graph on this machine.
 */
final class GraphInt8Rounds implements JudgedForm {

    private final Path file;
    private final InputSignature input;
    private final float[] calibration;
    private final Int8Choice choice;
    private final long needed;
    private GraphQuantizer.Result last;

    private GraphInt8Rounds(Path file, InputSignature input, float[] calibration, Int8Choice choice) {
        this.file = file;
        this.input = input;
        this.calibration = calibration;
        this.choice = choice;
        this.needed = choice.form() == GraphQuantizer.Form.STATIC ? GraphQuantizer.STATIC_OPSET
                : GraphQuantizer.DYNAMIC_OPSET;
    }

    /** The form each round is judged in: itself without quantization; refuses the weight-only form. */
    static JudgedForm of(Quantize quantize, ModelProto model, Path file, InputSignature input, GraphRows training) {
        return of(quantize, Int8Operators.STANDARD, model, file, input, training);
    }

    /** @param ops the operators a static form may hold */
    static JudgedForm of(Quantize quantize, Int8Operators ops, ModelProto model, Path file, InputSignature input,
            GraphRows training) {
        if (quantize == Quantize.NONE) {
            return JudgedForm.FLOAT;
        }
        if (!quantize.integerKernels()) {
            throw InputException.usage(file, Setting.QUANTIZE.ref() + " " + quantize.id() + ": the weight-only form "
                    + "is written for dense chains only; a graph's rounds take int8, int8-dynamic or int8-static");
        }
        float[] rows = training.values(0, Math.min(training.count(), Int8Choice.CALIBRATION_ROWS));
        Int8Choice choice;
        GraphQuantizer.Operators operators = Int8FloatLayers.operators(ops);
        if (quantize == Quantize.INT8) {
            choice = Int8Choice.fixed(GraphQuantizer.Form.STATIC, Int8FloatLayers.STATIC_WITH_ROWS, operators);
        } else {
            GraphQuantizer.Form form = quantize == Quantize.INT8_STATIC ? GraphQuantizer.Form.STATIC
                    : GraphQuantizer.Form.DYNAMIC;
            choice = Int8Choice.fixed(form, "asked for", operators);
        }
        return new GraphInt8Rounds(file, input, rows, choice);
    }

    @Override
    public ModelProto apply(ModelProto model) {
        ModelProto raised = OpsetRaise.atLeast(model, file, needed, "int8 weights on integer kernels");
        last = choice.apply(raised, file, input, calibration, Int8FloatLayers.keepFloat(raised, file, choice.form(),
                false));
        return last.model();
    }

    @Override
    public boolean eachRow() {
        return choice.form() == GraphQuantizer.Form.DYNAMIC;
    }

    /** What the report says of the int8 form written: the form and why, the layers, those kept float and why. */
    List<String> notes(long bytesBefore, long bytesAfter) {
        List<String> notes = new ArrayList<>();
        if (last == null) {
            return notes;
        }
        notes.add("int8: " + choice.form().id() + " form (" + choice.why() + "); " + last.int8Layers().size()
                + " MatMul/Gemm/Conv nodes int8 (" + last.int8Weights() + " weights), " + (last.layers().size()
                - last.int8Layers().size()) + " kept float; each round judged as ONNX Runtime runs its int8 graph"
                + (eachRow() ? ", one row per run" : "") + (bytesAfter > 0 ? "; " + bytesBefore + " -> " + bytesAfter
                        + " bytes" : ""));
        for (String reason : last.floatReasons()) {
            notes.add("int8: " + reason);
        }
        return notes;
    }

    static List<String> notes(JudgedForm form, long bytesBefore, long bytesAfter) {
        return form instanceof GraphInt8Rounds r ? r.notes(bytesBefore, bytesAfter) : List.of();
    }

}
