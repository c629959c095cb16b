package org.odf2nna.report;

import java.util.List;
import java.util.Locale;

/**
 * What ONNX Runtime measured of the user's original model and of the candidates a run would write, timed side by side
 * in one process before anything was written (interleaved repetitions after a warm-up, the median of each), and which
 * candidate that let through.
 *
 * @param originalMultiplyAdds the original's multiply-adds per row (-1: not counted)
 * @param batch         the larger batch timed (batch 1 is always timed)
 * @param repeats       the interleaved repetitions each figure is the median of
 * @param timings       per candidate timed and thread count, its figures beside the original's (timed in the same run)
 * @param written       the candidate written, as the table names it ("round 7"), or null when none was
 * @param slowerWritten whether the one written is slower than the original (written as asked, with a warning)
 * @param verdict       what the timing decided, in words
 */
public record Latency(long originalMultiplyAdds, int batch, int repeats, List<Timing> timings, String written,
        boolean slowerWritten, String verdict) {

    public Latency {
        timings = List.copyOf(timings);
    }

    /** Without multiply-adds counted. */
    public Latency(int batch, int repeats, List<Timing> timings, String written, boolean slowerWritten,
            String verdict) {
        this(-1, batch, repeats, timings, written, slowerWritten, verdict);
    }

    /** The same timings with the original's multiply-adds per row. */
    public Latency withMultiplyAdds(long original) {
        return new Latency(original, batch, repeats, timings, written, slowerWritten, verdict);
    }

    /**
     * One candidate against the original, at one thread count.
     *
     * @param candidate    as the table names it ("round 7", "ε=0.05")
     * @param threads      ONNX Runtime's intra-op threads in both sessions
     * @param one          the median latency at batch 1
     * @param batch        the median time of one run of the larger batch
     * @param slower       whether the candidate counts as slower at either batch (beyond the timing's noise)
     * @param multiplyAdds the candidate's multiply-adds per row (-1: not counted)
     */
    public record Timing(String candidate, int threads, Times one, Times batch, boolean slower, long multiplyAdds) {

        /** The candidate's batch-1 latency over the original's (below 1: faster). */
        public double oneRatio() {
            return one.ratio();
        }

        /** The candidate's time at the larger batch over the original's (below 1: faster). */
        public double batchRatio() {
            return batch.ratio();
        }

        /** The two ratios in words: "0.62× at batch 1, 0.55× at batch 32, 1 thread". */
        public String ratios(int rows) {
            return String.format(Locale.ROOT, "%.2f× at batch 1, %.2f× at batch %d, %d thread%s", oneRatio(),
                    batchRatio(), rows, threads, threads == 1 ? "" : "s");
        }
    }

    /**
     * The original's and the candidate's median time at one batch size, timed in the same run.
     *
     * @param originalMicros the original's, µs
     * @param micros         the candidate's, µs
     * @param ratio          the candidate's over the original's (below 1: faster)
     */
    public record Times(double originalMicros, double micros, double ratio) {

        /** The two times and their ratio. */
        public Times(double originalMicros, double micros) {
            this(originalMicros, micros, micros / originalMicros);
        }
    }

    /** The timings of {@code candidate}, one per thread count. */
    public List<Timing> of(String candidate) {
        return timings.stream().filter(t -> t.candidate().equals(candidate)).toList();
    }
}
