package org.odf2nna.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Direct buffers that a run's input tensors are built over, one set per thread, reused run after run.
 *
 * <p>ONNX Runtime's Java API copies an input given as a Java array into a new direct buffer of its own, which only the
 * garbage collector frees. A batch of rows is small on the heap and makes little garbage there, so the collector ran
 * seldom while those copies piled up outside the heap: a sweep's table, 16 sessions fed 1,024 rows each per batch,
 * grew by hundreds of megabytes of resident memory (docs/research/PERFORMANCE.md, "The sweep's table over one reading of the
 * rows"). A tensor built over a direct buffer is not copied; this keeps one such buffer per input slot and thread.
 * A tensor built here must be closed before the same thread builds another in the same slot.
 */
final class InputStaging {

    /** Inputs larger than this are left to ONNX Runtime's copy, so that a thread does not keep a buffer this large. */
    static final int MAX_STAGED_BYTES = 32 << 20;
    /** Input slots of one run: a run with several inputs stages each in its own, up to this many (then copied). */
    static final int SLOTS = 4;

    private static final ThreadLocal<ByteBuffer[]> BUFFERS = ThreadLocal.withInitial(() -> new ByteBuffer[SLOTS]);
    /**
     * Each slot's buffer for an input over {@link #MAX_STAGED_BYTES} (a wide solve's product of 128 MB matrices):
     * freed, not left to the collector, when the slot is next used or {@link #releaseLarge} is called. ONNX Runtime's
     * own copies of such inputs piled up outside the heap: 900 MB of direct memory at a 4,096-wide solve.
     */
    private static final ThreadLocal<ByteBuffer[]> LARGE = ThreadLocal.withInitial(() -> new ByteBuffer[SLOTS]);
    /** Unsafe's invokeCleaner, which frees a direct buffer now; null where the JDK does not give it. */
    private static final MethodHandle FREE = freeHandle();

    private InputStaging() {
    }

    /** A float tensor of {@code count} values of {@code data} from {@code offset}, shaped {@code shape}. */
    static OnnxTensor floats(int slot, float[] data, int offset, int count, long[] shape) throws OrtException {
        return tensor(slot, count, OnnxJavaType.FLOAT, shape, staged -> staged.asFloatBuffer().put(data, offset, count),
                () -> OnnxTensor.createTensor(OnnxRunner.environment(), FloatBuffer.wrap(data, offset, count), shape));
    }

    /** A double tensor of {@code count} values of {@code data} from {@code offset}, shaped {@code shape}. */
    static OnnxTensor doubles(int slot, double[] data, int offset, int count, long[] shape) throws OrtException {
        return tensor(slot, count, OnnxJavaType.DOUBLE, shape, staged -> staged.asDoubleBuffer().put(data, offset, count),
                () -> OnnxTensor.createTensor(OnnxRunner.environment(), DoubleBuffer.wrap(data, offset, count), shape));
    }

    /** A double tensor of float values, each widened. */
    static OnnxTensor widened(int slot, float[] data, int offset, int count, long[] shape) throws OrtException {
        return tensor(slot, count, OnnxJavaType.DOUBLE, shape, staged -> {
            DoubleBuffer values = staged.asDoubleBuffer();
            for (int i = 0; i < count; i++) {
                values.put(data[offset + i]);
            }
        }, () -> {
            double[] values = new double[count];
            for (int i = 0; i < count; i++) {
                values[i] = data[offset + i];
            }
            return OnnxTensor.createTensor(OnnxRunner.environment(), DoubleBuffer.wrap(values), shape);
        });
    }

    /**
     * An int64, int32 or bool tensor of float values, each cast (token ids and masks fed as float rows): in the
     * slot's buffer, or where {@link #buffer} gives none, in a direct buffer of its own.
     */
    static OnnxTensor cast(int slot, float[] data, int offset, int count, long[] shape, OnnxJavaType type)
            throws OrtException {
        long bytes = (long) count * type.size;
        ByteBuffer staged = buffer(slot, bytes);
        ByteBuffer b = staged != null ? staged : ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        for (int i = 0; i < count; i++) {
            float x = data[offset + i];
            switch (type) {
                case INT64 -> b.putLong((long) x);
                case INT32 -> b.putInt((int) x);
                default -> b.put(x != 0 ? (byte) 1 : 0);
            }
        }
        return OnnxTensor.createTensor(OnnxRunner.environment(), b.flip(), shape, type);
    }

    /** Writes a tensor's values into the start of a staging buffer (through a view: its own position stays 0). */
    private interface Fill {
        void into(ByteBuffer staged);
    }

    /** A tensor over ONNX Runtime's own copy of the values, where they are not staged. */
    private interface Copied {
        OnnxTensor tensor() throws OrtException;
    }

    /**
     * The one path of every staged type: {@code count} values of {@code type} filled into this thread's buffer of the
     * slot and a tensor built over it (not copied), or, where {@link #buffer} gives none, ONNX Runtime's copy.
     */
    private static OnnxTensor tensor(int slot, int count, OnnxJavaType type, long[] shape, Fill fill, Copied copied)
            throws OrtException {
        long bytes = (long) count * type.size;
        ByteBuffer buffer = buffer(slot, bytes);
        if (buffer == null) {
            return copied.tensor();
        }
        fill.into(buffer);
        buffer.limit((int) bytes);
        return OnnxTensor.createTensor(OnnxRunner.environment(), buffer, shape, type);
    }

    /**
     * This thread's buffer of the slot, at least {@code bytes} long and cleared; null when it would be over
     * {@link #MAX_STAGED_BYTES} or the slot past {@link #SLOTS}. It grows by doubling, so that batches of slowly
     * growing sizes do not each allocate.
     */
    static ByteBuffer buffer(int slot, long bytes) {
        if (slot >= SLOTS) {
            return null;
        }
        ByteBuffer[] large = LARGE.get();
        if (large[slot] != null) {
            // The tensor built over it was closed before this slot was asked for again (this class's rule).
            free(large[slot]);
            large[slot] = null;
        }
        if (bytes > MAX_STAGED_BYTES) {
            if (FREE == null || bytes > Integer.MAX_VALUE) {
                return null;
            }
            large[slot] = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
            return large[slot];
        }
        ByteBuffer[] buffers = BUFFERS.get();
        ByteBuffer buffer = buffers[slot];
        if (buffer == null || buffer.capacity() < bytes) {
            long size = Math.max(bytes, buffer == null ? 0 : Math.min(MAX_STAGED_BYTES, 2L * buffer.capacity()));
            buffer = ByteBuffer.allocateDirect((int) size).order(ByteOrder.nativeOrder());
            buffers[slot] = buffer;
        }
        buffer.clear();
        return buffer;
    }

    /** Frees this thread's buffers of inputs over {@link #MAX_STAGED_BYTES}; their tensors must be closed. */
    static void releaseLarge() {
        ByteBuffer[] large = LARGE.get();
        for (int slot = 0; slot < SLOTS; slot++) {
            if (large[slot] != null) {
                free(large[slot]);
                large[slot] = null;
            }
        }
    }

    /** Whether {@link #free} frees a buffer now (else the collector does, some time later). */
    static boolean canFree() {
        return FREE != null;
    }

    /**
     * Frees a direct buffer this package allocated (not a view of one) now, where the JDK allows it; else the collector
     * frees it. Nothing may use it afterwards.
     */
    static void free(ByteBuffer buffer) {
        if (FREE == null || !buffer.isDirect()) {
            return;
        }
        try {
            FREE.invokeExact(buffer);
        } catch (Throwable e) {
            // Left to the collector, as every direct buffer was before.
        }
    }

    private static MethodHandle freeHandle() {
        try {
            Class<?> unsafe = Class.forName("sun.misc.Unsafe");
            java.lang.reflect.Field field = unsafe.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return MethodHandles.lookup().findVirtual(unsafe, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class)).bindTo(field.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
