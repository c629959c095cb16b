package org.odf2nna.settings;

import org.odf2nna.Setting;

/**
 * How a pruning workflow times what it would write against the user's original model in ONNX Runtime, side by side in
 * one process, before it writes: at batch 1 and at {@code batch} rows, with one intra-op thread and, when
 * {@code threads} is above 1, with that many too. A candidate slower than the original at any of these (beyond the
 * timing's noise) is not written unless {@code allowSlower}; a run whose every candidate is slower writes nothing.
 *
 * @param batch       the larger batch timed (batch 1 is always timed); 0: nothing timed, the choice is the
 *                    certificate's alone
 * @param threads     a second intra-op thread count timed beside one thread (the target's cores); 1: one thread only
 * @param allowSlower write the certified candidate even when ONNX Runtime runs it slower than the original, saying so
 */
public record LatencyCheck(int batch, int threads, boolean allowSlower) {

    /** The larger batch timed by default. */
    public static final int DEFAULT_BATCH = 32;

    /**
     * The larger batch timed by default for a language model: 8 windows (of 128 tokens, say), as a device serves a few
     * prompts at once.
     */
    public static final int LANGUAGE_MODEL_BATCH = 8;

    /** Batch 1 and {@link #DEFAULT_BATCH}, one thread, a slower candidate refused. */
    public static final LatencyCheck DEFAULT = new LatencyCheck(DEFAULT_BATCH, 1, false);

    /** Nothing timed: the certificate alone chooses (what a caller that measures speed itself may want). */
    public static final LatencyCheck OFF = new LatencyCheck(0, 1, false);

    public LatencyCheck {
        InvalidSetting.require(batch >= 0 && batch <= 1 << 16, Setting.LATENCY_BATCH.ref()
                + " must be between 1 and 65536 rows (0: no timing), got " + batch);
        InvalidSetting.require(threads >= 1 && threads <= 1024, Setting.LATENCY_THREADS.ref()
                + " must be between 1 and 1024, got " + threads);
    }

    /** Whether anything is timed. */
    public boolean on() {
        return batch > 0;
    }
}
