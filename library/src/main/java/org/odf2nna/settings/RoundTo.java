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
