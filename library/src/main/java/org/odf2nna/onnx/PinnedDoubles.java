package org.odf2nna.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Double outputs of known shapes that ONNX Runtime writes in place, run after run (pinned outputs): a caller that
 * sums them reads each where it was written, with no copy of a large block per run (a 4096-wide refit's HᵀH is
 * 128 MB, which a returned output copied twice). Direct memory, freed by {@link #close}. Filled by
 * {@link OnnxRunner#runInto}.
 */
public final class PinnedDoubles implements AutoCloseable {
    private final Map<String, OnnxTensor> tensors = new HashMap<>();
    private final Map<String, DoubleBuffer> buffers = new HashMap<>();
    /** The direct buffers under them, freed at close (a 4,096-wide Gram is 128 MB the collector was left). */
    private final List<ByteBuffer> memory = new ArrayList<>();

    private PinnedDoubles() {
    }

    /** Buffers for double outputs of these shapes, in the order given, for {@link OnnxRunner#runInto}. */
    public static PinnedDoubles of(Map<String, long[]> shapes) {
        PinnedDoubles pinned = new PinnedDoubles();
        try {
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                long count = 1;
                for (long d : e.getValue()) {
                    count *= d;
                }
                ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(count * Double.BYTES))
                        .order(ByteOrder.nativeOrder());
                pinned.memory.add(bytes);
                DoubleBuffer buffer = bytes.asDoubleBuffer();
                pinned.buffers.put(e.getKey(), buffer);
                pinned.tensors.put(e.getKey(), OnnxTensor.createTensor(OnnxRunner.environment(), buffer,
                        e.getValue()));
            }
            return pinned;
        } catch (OrtException | RuntimeException e) {
            pinned.close();
            throw new IllegalStateException("ONNX Runtime cannot hold outputs in place: " + e.getMessage(), e);
        }
    }

    /** The output's values as ONNX Runtime last wrote them (index 0 to its limit). */
    public DoubleBuffer get(String name) {
        DoubleBuffer buffer = buffers.get(name);
        if (buffer == null) {
            throw new IllegalArgumentException("no pinned output '" + name + "'");
        }
        return buffer;
    }

    /** The tensors ONNX Runtime writes into, by output name (for a run's pinned outputs). */
    Map<String, OnnxTensor> tensors() {
        return tensors;
    }

    @Override
    public void close() {
        for (OnnxTensor tensor : tensors.values()) {
            tensor.close();
        }
        tensors.clear();
        buffers.clear();
        memory.forEach(InputStaging::free);
        memory.clear();
    }
}
