package org.odf2nna.api;

import org.odf2nna.tf.TfRuns;

/**
 * What a program that halts its own JVM (on a signal, say) waits for first: the native work of this process that the
 * C library's exit handlers would tear down under it. Today that is TensorFlow's session runs (a retraining step):
 * halting during one crashed the JVM in TensorFlow's kernels after the program had said it stopped.
 */
public final class Halting {

    private Halting() {
    }

    /**
     * Keeps every TensorFlow run not yet started from starting, for good (the threads that would start one wait until
     * the JVM ends), and waits up to {@code millis} milliseconds for the runs under way, one step each at most.
     *
     * @return whether no run is under way any more, so that halting now is safe
     */
    public static boolean settleNativeRuns(long millis) {
        return TfRuns.closeAndAwait(millis);
    }
}
