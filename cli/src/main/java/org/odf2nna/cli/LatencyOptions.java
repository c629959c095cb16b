package org.odf2nna.cli;

import org.odf2nna.settings.LatencyCheck;
import picocli.CommandLine.Option;

/** How sweep and shrink time what they would write against the original before writing it (issue 69). */
final class LatencyOptions {

    @Option(names = "--latency-batch", paramLabel = "N", defaultValue = "" + LatencyCheck.DEFAULT_BATCH,
            description = "The larger batch the original and each model that could be written are timed at, side by "
                    + "side in ONNX Runtime, beside batch 1 (default: ${DEFAULT-VALUE}; 0: no timing, the validation "
                    + "rule alone chooses). A model slower than the original at either batch is not written: the "
                    + "smallest certified round that is not is written instead, and when none is, nothing is "
                    + "(exit 3).")
    int batch;

    @Option(names = "--latency-threads", paramLabel = "N", defaultValue = "1",
            description = "Also time with N ONNX Runtime intra-op threads (the target's cores), beside one thread; "
                    + "the written model must not be slower with either (default: one thread only).")
    int threads;

    @Option(names = "--allow-slower",
            description = "Write the smallest certified model even when ONNX Runtime runs it slower than the "
                    + "original, with a warning.")
    boolean allowSlower;

    /** The check these flags ask for (a value out of range is the usage error that names its flag). */
    LatencyCheck check() {
        return Flags.built(() -> new LatencyCheck(batch, threads, allowSlower));
    }
}
