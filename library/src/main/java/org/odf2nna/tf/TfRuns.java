package org.odf2nna.tf;

import org.tensorflow.Result;
import org.tensorflow.Session;

/**
 * Every TensorFlow session run of the library goes through here, counted, so that a program about to halt its JVM
 * can keep new runs from starting and wait for those under way ({@link #closeAndAwait}).
 *
 * <p>Why: halting the JVM runs the C library's exit handlers, which tear down TensorFlow's static state (oneDNN's
 * kernels among it). A convolution still running on the training thread then fails to create its kernel and the JVM
 * crashes (SIGILL, a fatal-error report) after the stop line was printed. Waiting for the step under way, and for no
 * more, is the difference.
 */
public final class TfRuns {

    private static final Object LOCK = new Object();
    private static int running;
    private static boolean closed;

    private TfRuns() {
    }

    /** Runs {@code runner}, counted; after {@link #closeAndAwait} the calling thread waits here until the JVM ends. */
    public static Result run(Session.Runner runner) {
        enter();
        try {
            return runner.run();
        } finally {
            leave();
        }
    }

    /**
     * Keeps every run not yet started from starting, for good, and waits up to {@code millis} for those under way.
     *
     * @return whether no run is under way any more
     */
    public static boolean closeAndAwait(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (LOCK) {
            closed = true;
            boolean interrupted = false;
            long left;
            while (running > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    LOCK.wait(Math.max(1, left / 1_000_000L));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return running == 0;
        }
    }

    /** How many runs are under way now. */
    static int running() {
        synchronized (LOCK) {
            return running;
        }
    }

    static void enter() {
        synchronized (LOCK) {
            boolean interrupted = false;
            while (closed) {
                try {
                    LOCK.wait();
                } catch (InterruptedException e) {
                    // The JVM is about to halt; an interrupt does not let a run start under it.
                    interrupted = true;
                }
            }
            running++;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void leave() {
        synchronized (LOCK) {
            running--;
            LOCK.notifyAll();
        }
    }

    /** For tests: opens the gate again (a JVM that was to halt never reaches this). */
    static void reopenForTests() {
        synchronized (LOCK) {
            closed = false;
            LOCK.notifyAll();
        }
    }
}
