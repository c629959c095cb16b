package org.odf2nna.harness.bench;

/** Wall-clock timing of one piece of work. */
final class Timer {

    private Timer() {
    }

    /** Seconds {@code work} took. */
    static double seconds(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e9;
    }
}
