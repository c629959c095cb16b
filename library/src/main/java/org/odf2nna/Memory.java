package org.odf2nna;

import java.nio.file.Path;

/**
 * Checks, before a large array is allocated, that the Java heap can hold it, so that input too large for
 * memory is refused with a message that names the file instead of ending in an OutOfMemoryError.
 */
public final class Memory {

    /** Bytes the check leaves for everything else (runtime sessions, batches, the report). */
    static final long RESERVE = 32L << 20;

    private Memory() {
    }

    /** Bytes of heap that can still be allocated (after a collection, when that is what it takes). */
    public static long available() {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return Math.max(0, free - RESERVE);
    }

    /**
     * Refuses to go on when {@code bytes} more cannot fit in the heap.
     *
     * @param what what needs the memory, for the message ("its 2,000,000,000 values")
     */
    public static void require(long bytes, Path file, String place, String what) {
        if (fits(bytes)) {
            return;
        }
        throw new InputException(file, place, what + " need " + megabytes(bytes) + " of memory, more than Java "
                + "can give (at most " + megabytes(Runtime.getRuntime().maxMemory()) + " in all, "
                + megabytes(available()) + " free); run with more, e.g. JAVA_OPTS=-Xmx"
                + suggestedHeapGigabytes(bytes) + "g");
    }

    /** Whether {@code bytes} more fit in the heap (16 MB or less always do), collecting garbage first if need be. */
    public static boolean fits(long bytes) {
        if (bytes <= 16L << 20 || bytes <= available()) {
            return true;
        }
        System.gc();
        return bytes <= available();
    }

    /**
     * The most bytes of outputs one runtime call is given ({@link #rowsPerBatch}), whatever the heap's ceiling. The
     * runtime's own tensors for the call are several times its outputs (a GPT block's prefix: every layer's attention
     * scores and MLP units); at 256 MB a 3 M-parameter GPT's refit held 4 GB resident. Under 16 MB, the outputs are
     * not G1's humongous objects at the launcher's 32 MB regions, so the young generation's ceiling bounds them.
     */
    static final long MOST_BATCH_BYTES = 16L << 20;

    /**
     * Rows per runtime call when each row's outputs take {@code bytesPerRow}: as many as a sixteenth of the heap holds
     * (the runtime's native copy is about as large again), at most {@link #MOST_BATCH_BYTES} (the launcher's ceiling
     * is half the machine's memory, and larger calls are no faster, only larger), at least 1 row, at most
     * {@code most}.
     */
    public static int rowsPerBatch(long bytesPerRow, int most) {
        long budget = Math.min(MOST_BATCH_BYTES, Runtime.getRuntime().maxMemory() / 16);
        return (int) Math.max(1, Math.min(most, budget / Math.max(1, bytesPerRow)));
    }

    /** Bytes as whole megabytes, rounded up: "1 MB" for anything from 1 byte. */
    public static String megabytes(long bytes) {
        return (bytes + (1 << 20) - 1 >> 20) + " MB";
    }

    /** A heap size in GB that leaves room for {@code bytes} beside what is in use now. */
    public static long suggestedHeapGigabytes(long bytes) {
        Runtime rt = Runtime.getRuntime();
        long used = rt.totalMemory() - rt.freeMemory();
        return Math.max(1, (2 * bytes + used + RESERVE + (1L << 30) - 1) >> 30);
    }
}
