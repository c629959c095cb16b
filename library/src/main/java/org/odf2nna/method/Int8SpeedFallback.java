package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.onnx.GraphQuantizer;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.Int8LayerTiming;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.Int8LayerSpeeds;
import org.odf2nna.settings.ConvertChecks;
import org.odf2nna.settings.Quantize;

/**
 * {@code convert}'s per-layer fallback with {@code int8} for speed: each layer that would be int8 is timed alone against
 * its float form on this machine ({@link Int8LayerTiming}), and a layer whose int8 form is the slower on balance (the
 * geometric mean of its time ratios at batch 1 and at the timing batch above 1) stays float. Only with {@code int8},
 * the form the tool chooses by measuring; {@code int8-dynamic} and {@code int8-static} quantize every layer as asked,
 * and so does {@code int8} with {@code int8Everywhere}.
 *
 * @param on     whether layers are timed and the slower kept float
 * @param batch  the larger batch timed
 * @param why    when off, why (for the report), or null
 * @param timer  how two models are timed
 */
record Int8SpeedFallback(boolean on, int batch, String why, Int8LayerTiming.Timer timer) {

    /** ONNX Runtime's intra-op threads in every timed session, as the whole files are timed. */
    static final int THREADS = Int8Judging.THREADS;

    /** No layer timed (another form than int8, or a caller without the choice). */
    static final Int8SpeedFallback OFF = new Int8SpeedFallback(false, 0, null, Int8LayerTiming.SIDE_BY_SIDE);

    /** What {@code checks} ask for {@code quantize}, timed in ONNX Runtime. */
    static Int8SpeedFallback of(Quantize quantize, ConvertChecks checks) {
        return of(quantize, checks, Int8LayerTiming.SIDE_BY_SIDE);
    }

    static Int8SpeedFallback of(Quantize quantize, ConvertChecks checks, Int8LayerTiming.Timer timer) {
        if (quantize != Quantize.INT8) {
            return OFF;
        }
        if (checks.int8Everywhere()) {
            return new Int8SpeedFallback(false, 0, "every layer int8 as asked ({{INT8_EVERYWHERE}})", timer);
        }
        if (checks.timingBatch() == 0) {
            return new Int8SpeedFallback(false, 0, "no layer timed ({{TIMING_BATCH}} 0): every layer int8", timer);
        }
        return new Int8SpeedFallback(true, checks.timingBatch(), null, timer);
    }

    /** The measured layers, or a {@link Measured} saying why none were. */
    Measured measure(ModelProto model, Path file, InputSignature input, float[] rows, GraphQuantizer.Form form) {
        if (!on) {
            return new Measured(null, why == null ? Int8LayerSpeeds.NONE : new Int8LayerSpeeds(0, 0, List.of(), why));
        }
        Int8LayerTiming.Result r;
        try {
            r = Int8LayerTiming.measure(model, file, input, rows, form, batch, THREADS, timer);
        } catch (InputException | IllegalArgumentException | IllegalStateException e) {
            // A graph whose layers cannot be run alone (several data inputs, a batch not first) is written int8
            // everywhere, and the report says the layers were not timed.
            return new Measured(null, new Int8LayerSpeeds(THREADS, batch, List.of(), "layers not timed alone ("
                    + e.getMessage() + "): every layer int8"));
        }
        List<Int8LayerSpeeds.Layer> layers = new ArrayList<>();
        for (Int8LayerTiming.Timed t : r.layers()) {
            layers.add(new Int8LayerSpeeds.Layer(t.node(), t.op(), t.oneRatio(), t.batchRatio(), t.slower()));
        }
        String untimed = r.untimed().isEmpty() ? null : r.untimed().size() + " layer" + (r.untimed().size() == 1
                ? "" : "s") + " could not be run alone and stayed int8 (" + String.join(", ", r.untimed().stream()
                .limit(3).toList()) + (r.untimed().size() > 3 ? ", and " + (r.untimed().size() - 3) + " more" : "")
                + ")";
        return new Measured(r, new Int8LayerSpeeds(THREADS, batch, layers, untimed));
    }

    /**
     * @param timing the layers timed (null when none were)
     * @param speeds what the report says
     */
    record Measured(Int8LayerTiming.Result timing, Int8LayerSpeeds speeds) {

        /** The layers to keep float, by key (first output), with the reason. */
        Map<String, String> keepFloat() {
            return timing == null ? Map.of() : timing.keepFloat();
        }
    }
}
