package org.odf2nna.settings;

import org.odf2nna.Setting;

/**
 * What a graph sweep keeps each pruned block's width a multiple of (Torch-Pruning's {@code round_to}): a
 * convolution's channels a multiple of {@code channels}, a MatMul or Gemm block's units a multiple of {@code units}.
 * An attention's heads are not rounded (their head size stays as it is). 1 turns it off.
 *
 * <p>Why the default (16 channels, 8 units): ONNX Runtime's CPU provider runs a float Conv in its blocked NCHWc layout
 * only when its output channels (and, past one block, its input channels) are a multiple of the block, 8 channels
 * with AVX2 and 16 with AVX-512 ({@code MlasNchwcGetBlockSize}, {@code NchwcTransformer}); a depthwise Conv needs its
 * channels so. Off the layout a convolution runs in plain NCHW with reorder nodes around it: a MobileNetV2 pruned to
 * widths such as 187 and 450 ran 2.1 times slower than its original (issue 69). 16 holds for both instruction sets.
 * A MatMul or Gemm has no such layout: its packed weights come in panels of 16 columns, so a width off a multiple
 * only pads the last panel; 8 keeps that waste at most half a panel while pruning twice as finely.
 *
 * @param channels a Conv block's (or a residual stream of convolutions') width is kept a multiple of this
 * @param units    a MatMul or Gemm block's (or such a stream's) width is kept a multiple of this
 */
public record RoundTo(int channels, int units) {

    /** 16 channels for convolutions, 8 units for MatMul and Gemm blocks. */
    public static final RoundTo DEFAULT = new RoundTo(16, 8);

    /**
     * 8 for every block: what a model written back as {@code .keras} or {@code .h5} keeps by default. Its runtime is
     * TensorFlow Lite on a phone or board (XNNPACK's and the NEON kernels' channel tiles of 4 and 8), not ONNX Runtime's
     * x86 NCHWc blocks of 16; and 16 makes every round's step on a narrow mobile backbone twice as coarse. On the Keras
     * MobileNetV2 (alpha 0.35) of docs/research/KERAS.md the default sweep wrote round 3 with 16 (29.7% fewer parameters, a
     * round-4 refit that failed stopping the rounds) and round 9 with 8 (82.8%, 41.1% fewer multiply-adds).
     */
    public static final RoundTo MOBILE = new RoundTo(8, 8);

    /** The default for a model written to {@code output}: {@link #MOBILE} for a Keras file, else {@link #DEFAULT}. */
    public static RoundTo defaultFor(java.nio.file.Path output) {
        String name = output == null || output.getFileName() == null ? ""
                : output.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".keras") || name.endsWith(".h5") ? MOBILE : DEFAULT;
    }

    /** No rounding: any width. */
    public static final RoundTo OFF = new RoundTo(1, 1);

    public RoundTo {
        InvalidSetting.require(channels >= 1 && units >= 1, Setting.ROUND_TO.ref() + " must be at least 1, got "
                + Math.min(channels, units));
    }

    /** Every block's width a multiple of {@code multiple} (1: off). */
    public static RoundTo of(int multiple) {
        return new RoundTo(multiple, multiple);
    }

    /** Whether any width is rounded. */
    public boolean on() {
        return channels > 1 || units > 1;
    }

    /** In words: {@code 16 (convolutions), 8 (MatMul/Gemm)}, {@code 16}, or {@code off}. */
    public String describe() {
        return !on() ? "off" : channels == units ? Integer.toString(channels)
                : channels + " (convolution channels), " + units + " (MatMul/Gemm units)";
    }
}
