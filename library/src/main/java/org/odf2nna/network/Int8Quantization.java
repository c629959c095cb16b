package org.odf2nna.network;

import java.util.ArrayList;
import java.util.List;

/**
 * Symmetric int8 weights with one scale per output unit, simulated on the network: each weight becomes
 * {@code q · s_j} with {@code q = round(w / s_j)} in [-127, 127] and {@code s_j = max_i |w_ij| / 127}. Biases stay
 * float; in a network {@link #quantize(DenseNetwork, boolean[], boolean)} returns, a layer of
 * {@link #HALF_MIN_UNITS} units or more has its scales and bias rounded to float16, the form its file stores them in. The network returned computes exactly what a runtime computes from the int8 codes and scales (a dequantized
 * weight is the float product {@code (float) q * s_j}, as ONNX's DequantizeLinear defines it), so it is what gets
 * judged, and what the written file is checked against.
 */
public final class Int8Quantization {

    /** The largest code: symmetric, so that -128 is never used and zero stays exactly zero. */
    public static final int MAX_CODE = 127;

    private Int8Quantization() {
    }

    /**
     * A layer's int8 form.
     *
     * @param codes  one per weight, in the layer's {@code [inputs][units]} order
     * @param scales one per unit
     */
    public record Codes(byte[] codes, float[] scales) {
    }

    /** The network with the layers marked true stored as int8 (dequantized), the others as they are. */
    public static DenseNetwork quantize(DenseNetwork network, boolean[] int8) {
        return quantize(network, int8, false);
    }

    /**
     * The same, and with {@code integerKernels} those layers also quantize their inputs as ONNX Runtime's dynamic
     * form does ({@link #dynamicPreActivations}): the network then computes what the integer form's file computes.
     */
    public static DenseNetwork quantize(DenseNetwork network, boolean[] int8, boolean integerKernels) {
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l < network.layers().size(); l++) {
            DenseLayer layer = network.layer(l);
            if (int8[l]) {
                DenseLayer q = quantize(layer, true);
                layer = new DenseLayer(q.inputs(), q.units(), q.weights(), q.bias(), q.activation(), integerKernels);
            }
            layers.add(layer);
        }
        return network.withLayers(layers);
    }

    /** The same weights with every layer on float kernels (its inputs no longer quantized). */
    public static DenseNetwork withFloatKernels(DenseNetwork network) {
        List<DenseLayer> layers = new ArrayList<>();
        for (DenseLayer l : network.layers()) {
            layers.add(l.quantizedInputs() ? new DenseLayer(l.inputs(), l.units(), l.weights(), l.bias(),
                    l.activation()) : l);
        }
        return network.withLayers(layers);
    }

    /** Whether some layer runs on integer kernels ({@link DenseLayer#quantizedInputs}). */
    public static boolean integerKernels(DenseNetwork network) {
        for (DenseLayer layer : network.layers()) {
            if (layer.quantizedInputs()) {
                return true;
            }
        }
        return false;
    }

    /** The largest uint8 activation code. */
    static final int MAX_ACTIVATION_CODE = 255;

    /**
     * Pre-activations of a layer on integer kernels, each row as ONNX Runtime computes it when run alone (batch 1):
     * DynamicQuantizeLinear (the row's range stretched to hold 0, {@code scale = (max - min) / 255}, zero point
     * {@code rint(-min / scale)} clamped to [0, 255], codes {@code clamp(rint(x / scale) + zp, 0, 255)}), then
     * MatMulInteger against the int8 weight codes (exact in int32), Cast to float, times the float product
     * {@code scale · s_j}, plus the bias: the same float operations in the same order, so the same bits
     * ({@code Int8FormsTest} checks this against ONNX Runtime). A batch of several rows run together in ONNX Runtime
     * shares one range, so its rows are quantized more coarsely than here.
     */
    public static float[] dynamicPreActivations(DenseLayer layer, float[] x, int rows) {
        Codes codes = exactCodes(layer);
        if (codes == null) {
            throw new IllegalStateException("a layer on integer kernels holds weights that are not int8 values times "
                    + "a scale per unit");
        }
        int inputs = layer.inputs();
        int units = layer.units();
        byte[] w = codes.codes();
        float[] bias = layer.bias();
        float[] out = new float[rows * units];
        int[] q = new int[inputs];
        int[] acc = new int[units];
        for (int r = 0; r < rows; r++) {
            int base = r * inputs;
            float min = 0;
            float max = 0;
            for (int i = 0; i < inputs; i++) {
                min = Math.min(min, x[base + i]);
                max = Math.max(max, x[base + i]);
            }
            float scale = max == min ? 1f : (max - min) / (float) MAX_ACTIVATION_CODE;
            float zeroPoint = Math.max(0f, Math.min((float) MAX_ACTIVATION_CODE, 0f - min / scale));
            int zp = (int) Math.rint(zeroPoint);
            for (int i = 0; i < inputs; i++) {
                float v = x[base + i] / scale;
                v = Math.max((float) -zp, Math.min((float) (MAX_ACTIVATION_CODE - zp), v));
                q[i] = (int) Math.rint(v); // the code less its zero point
            }
            java.util.Arrays.fill(acc, 0);
            for (int i = 0; i < inputs; i++) {
                int qi = q[i];
                if (qi == 0) {
                    continue;
                }
                int wBase = i * units;
                for (int j = 0; j < units; j++) {
                    acc[j] += qi * w[wBase + j];
                }
            }
            int o = r * units;
            float[] scales = codes.scales();
            for (int j = 0; j < units; j++) {
                float multiplier = scale * scales[j];
                float y = (float) acc[j] * multiplier;
                out[o + j] = y + bias[j];
            }
        }
        return out;
    }

    /** Every layer int8. */
    public static boolean[] all(DenseNetwork network) {
        boolean[] int8 = new boolean[network.layers().size()];
        java.util.Arrays.fill(int8, true);
        return int8;
    }

    public static DenseLayer quantize(DenseLayer layer) {
        return quantize(layer, false);
    }

    /**
     * Layers with at least this many units (in either int8 form) keep their scales and biases as float16 (2 bytes a
     * value, each tensor followed by a Cast to float, about 40 bytes): {@link #quantize(DenseLayer, boolean)} rounds
     * them, and the writer stores a tensor as float16 when {@link #halfStored} says so. Below it the Cast would cost
     * more than the halves save.
     */
    public static final int HALF_MIN_UNITS = 32;

    /**
     * The layer with int8 weights; with {@code half} and at least {@link #HALF_MIN_UNITS} units, its scales rounded
     * to float16 first (when all are normal halves: a relative error of at most 2^-11, against 1/254 for the
     * codes) and its bias rounded to float16 (when none overflows), so that the network holds exactly what a file
     * with float16 scales and biases computes.
     */
    public static DenseLayer quantize(DenseLayer layer, boolean half) {
        Codes codes = columns(layer.weights(), layer.inputs(), layer.units(), half);
        float[] bias = layer.bias();
        if (half && layer.units() >= HALF_MIN_UNITS) {
            float[] b = new float[bias.length];
            boolean finite = true;
            for (int j = 0; j < b.length; j++) {
                b[j] = Float16.round(bias[j]);
                finite &= Float.isFinite(b[j]);
            }
            if (finite) {
                bias = b;
            }
        }
        return new DenseLayer(layer.inputs(), layer.units(), dequantize(codes.codes(), codes.scales(), layer.units()),
                bias, layer.activation());
    }

    /**
     * The int8 codes and scales of a weight matrix {@code w} laid out {@code [rows][columns]}, one scale per column
     * ({@code max |w| / 127}); with {@code half} and at least {@link #HALF_MIN_UNITS} columns, the scales rounded to
     * float16 first when all are normal halves.
     */
    public static Codes columns(float[] w, int rows, int columns, boolean half) {
        float[] scales = scales(w, rows, columns);
        if (half && columns >= HALF_MIN_UNITS) {
            float[] s = new float[scales.length];
            boolean normal = true;
            for (int j = 0; j < s.length; j++) {
                s[j] = Float16.round(scales[j]);
                normal &= s[j] >= Float16.MIN_NORMAL && s[j] <= Float16.MAX;
            }
            if (normal) {
                scales = s;
            }
        }
        byte[] codes = new byte[w.length];
        for (int k = 0; k < w.length; k++) {
            codes[k] = (byte) code(w[k], scales[k % columns]);
        }
        return new Codes(codes, scales);
    }

    /** Whether the writer stores these per-unit values (scales or biases) as float16: enough of them, all halves. */
    public static boolean halfStored(float[] values) {
        return values.length >= HALF_MIN_UNITS && Float16.exact(values);
    }

    /**
     * The codes and scales that give back this layer's weights bit for bit, or null when there are none: for a layer
     * {@link #quantize(DenseLayer)} produced, the scale is found again from the largest weight (within a few float
     * steps of {@code max / 127}), so that a writer stores exactly the network that was judged.
     */
    public static Codes exactCodes(DenseLayer layer) {
        float[] w = layer.weights();
        int units = layer.units();
        float[] base = scales(w, layer.inputs(), units);
        float[] scales = new float[units];
        byte[] codes = new byte[w.length];
        for (int j = 0; j < units; j++) {
            boolean found = false;
            float candidate = base[j];
            // Try the scale max/127 first, then its float neighbours in both directions.
            for (int step = 0; step <= 8 && !found; step++) {
                for (int sign : step == 0 ? new int[] {0} : new int[] {1, -1}) {
                    float s = nudge(candidate, sign * step);
                    if (s > 0 && fits(w, layer.inputs(), units, j, s)) {
                        scales[j] = s;
                        found = true;
                        break;
                    }
                }
            }
            if (!found) {
                return null;
            }
            for (int i = 0; i < layer.inputs(); i++) {
                codes[i * units + j] = (byte) code(w[i * units + j], scales[j]);
            }
        }
        return new Codes(codes, scales);
    }

    /** Largest |w_ij| over i, divided by 127; 1 for a unit whose weights are all zero (any scale gives zeros). */
    static float[] scales(float[] w, int inputs, int units) {
        float[] max = new float[units];
        for (int i = 0; i < inputs; i++) {
            for (int j = 0; j < units; j++) {
                max[j] = Math.max(max[j], Math.abs(w[i * units + j]));
            }
        }
        float[] scales = new float[units];
        for (int j = 0; j < units; j++) {
            scales[j] = max[j] > 0 && Float.isFinite(max[j]) ? max[j] / MAX_CODE : 1f;
        }
        return scales;
    }

    private static int code(float w, float scale) {
        long q = Math.round((double) w / scale);
        return (int) Math.max(-MAX_CODE, Math.min(MAX_CODE, q));
    }

    /** {@code (float) q * s}: DequantizeLinear's arithmetic with a zero point of 0. */
    public static float[] dequantize(byte[] codes, float[] scales, int units) {
        float[] w = new float[codes.length];
        for (int k = 0; k < codes.length; k++) {
            w[k] = (float) codes[k] * scales[k % units];
        }
        return w;
    }

    private static boolean fits(float[] w, int inputs, int units, int unit, float scale) {
        for (int i = 0; i < inputs; i++) {
            float v = w[i * units + unit];
            double q = (double) v / scale;
            if (Math.abs(q) > MAX_CODE + 0.5) {
                return false;
            }
            if ((float) code(v, scale) * scale != v) {
                return false;
            }
        }
        return true;
    }

    private static float nudge(float value, int steps) {
        float v = value;
        for (int s = 0; s < Math.abs(steps); s++) {
            v = steps > 0 ? Math.nextUp(v) : Math.nextDown(v);
        }
        return v;
    }

    /** The weight bytes: per layer as {@link #weightBytes(DenseLayer, boolean)}. */
    public static long weightBytes(DenseNetwork network, boolean[] int8) {
        long bytes = 0;
        for (int l = 0; l < network.layers().size(); l++) {
            bytes += weightBytes(network.layer(l), int8 != null && int8[l]);
        }
        return bytes;
    }

    /**
     * A layer's weight bytes as stored: 4 per float weight; int8, a byte per weight and per unit a scale of 4 bytes,
     * 2 where the scales are float16 ({@link #HALF_MIN_UNITS}). {@code layer} may be the float layer or its int8
     * form (quantizing again changes nothing).
     */
    public static long weightBytes(DenseLayer layer, boolean int8) {
        long n = (long) layer.inputs() * layer.units();
        if (!int8) {
            return 4 * n;
        }
        Codes codes = exactCodes(quantize(layer, true));
        return n + (codes != null && halfStored(codes.scales()) ? 2L : 4L) * layer.units();
    }
}
