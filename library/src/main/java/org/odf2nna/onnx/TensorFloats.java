package org.odf2nna.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** ONNX Runtime's output tensors read as float arrays (float, double, int64 and int32 outputs), row-major. */
final class TensorFloats {

    private TensorFloats() {
    }

    /** The requested outputs of a run, each as floats; the run's result is closed. */
    static Map<String, float[]> byName(OrtSession.Result run, List<String> outputs) {
        try (OrtSession.Result result = run) {
            Map<String, float[]> values = new HashMap<>();
            for (String name : outputs) {
                Optional<OnnxValue> value = result.get(name);
                if (value.isEmpty() || !(value.get() instanceof OnnxTensor out)) {
                    throw new IllegalStateException("ONNX Runtime returned no tensor '" + name + "'");
                }
                values.put(name, of(out));
            }
            return values;
        }
    }

    /** The tensor's values as floats. */
    static float[] of(OnnxTensor tensor) {
        OnnxJavaType type = tensor.getInfo().type;
        if (type == OnnxJavaType.FLOAT) {
            // getFloatBuffer() already copies into a heap buffer: take its array rather than copy again.
            FloatBuffer buffer = tensor.getFloatBuffer();
            if (buffer.hasArray() && buffer.arrayOffset() == 0 && buffer.position() == 0
                    && buffer.remaining() == buffer.array().length) {
                return buffer.array();
            }
            float[] values = new float[buffer.remaining()];
            buffer.get(values);
            return values;
        }
        if (type == OnnxJavaType.DOUBLE) {
            DoubleBuffer buffer = tensor.getDoubleBuffer();
            return floats(buffer.remaining(), i -> (float) buffer.get(i));
        }
        if (type == OnnxJavaType.INT64) {
            java.nio.LongBuffer buffer = tensor.getLongBuffer();
            return floats(buffer.remaining(), buffer::get);
        }
        if (type == OnnxJavaType.INT32) {
            java.nio.IntBuffer buffer = tensor.getIntBuffer();
            return floats(buffer.remaining(), buffer::get);
        }
        throw new IllegalStateException("output of type " + type + " is not supported");
    }

    /** A value of another type's buffer at an index, as float (each type's own conversion). */
    private interface FloatAt {
        float at(int index);
    }

    private static float[] floats(int length, FloatAt value) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = value.at(i);
        }
        return values;
    }
}
