package org.odf2nna.onnx;

/**
 * Axes as ONNX and TensorFlow both give them: a negative axis counts from the end. The one reading for the two
 * translations between them ({@code tf.ops}, ONNX into TensorFlow; {@code tf.graphdef}, TensorFlow into ONNX).
 */
public final class Axes {

    private Axes() {
    }

    /** {@code axis} of a tensor of {@code rank} dimensions, a negative one counted from the end. */
    public static int of(long axis, int rank) {
        return (int) (axis < 0 ? axis + rank : axis);
    }
}
