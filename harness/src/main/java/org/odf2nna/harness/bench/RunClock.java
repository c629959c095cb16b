package org.odf2nna.harness.bench;

import java.util.Arrays;
import java.util.List;
import org.odf2nna.api.OnnxSession;
import org.odf2nna.api.Rows;

/**
 * How {@link InferenceBench} times a model's runs, and on which rows: single-row runs over the first rows, then every
 * batch of the rows. Two clocks, each as its benchmark's figures were published: a dense chain and its shrunk forms are
 * timed on the session's run alone, apart from what surrounds it (building the input tensor, reading the output), on
 * batches cut before any timing; any model against a pruned copy ({@code --pruned}) on the whole call, each batch cut
 * from the rows inside the timing.
 */
interface RunClock {

    /** Seconds of each single-row run over the first {@code count} rows; {@code around[0]} gets the seconds around. */
    double[] latencies(OnnxSession session, int count, double[] around);

    /** Seconds of each batch of the rows; {@code around[0]} gets the seconds around them. */
    double[] batches(OnnxSession session, double[] around);

    /** The session's run alone, on {@code singles} (the rows of batch 1, row-major) and on {@code batches}. */
    record SessionRun(float[] singles, List<Rows> batchRows) implements RunClock {

        @Override
        public double[] latencies(OnnxSession session, int count, double[] around) {
            double[] seconds = new double[count];
            long outside = 0;
            for (int r = 0; r < count; r++) {
                OnnxSession.Timing t = session.timedRun(singles, r, 1);
                seconds[r] = t.runNanos() / 1e9;
                outside += t.aroundNanos();
            }
            around[0] = outside / 1e9;
            return seconds;
        }

        @Override
        public double[] batches(OnnxSession session, double[] around) {
            double[] seconds = new double[batchRows.size()];
            long outside = 0;
            for (int k = 0; k < seconds.length; k++) {
                Rows b = batchRows.get(k);
                OnnxSession.Timing t = session.timedRun(b.features(), 0, b.count());
                seconds[k] = t.runNanos() / 1e9;
                outside += t.aroundNanos();
            }
            around[0] = outside / 1e9;
            return seconds;
        }
    }

    /** The whole call, on {@code rows} one at a time and in batches of {@code batch}; nothing is left around it. */
    record WholeCall(Rows rows, int batch) implements RunClock {

        @Override
        public double[] latencies(OnnxSession session, int count, double[] around) {
            int width = rows.width();
            double[] seconds = new double[count];
            float[] one = new float[width];
            for (int r = 0; r < count; r++) {
                System.arraycopy(rows.features(), r * width, one, 0, width);
                long start = System.nanoTime();
                session.run(one, 1);
                seconds[r] = (System.nanoTime() - start) / 1e9;
            }
            around[0] = 0;
            return seconds;
        }

        @Override
        public double[] batches(OnnxSession session, double[] around) {
            int width = rows.width();
            int count = rows.count();
            double[] seconds = new double[(count + batch - 1) / batch];
            for (int k = 0, at = 0; at < count; k++, at += batch) {
                int n = Math.min(batch, count - at);
                // The batch's copy is inside the timing, as the pruned-graph figures always had it.
                long start = System.nanoTime();
                session.run(Arrays.copyOfRange(rows.features(), at * width, (at + n) * width), n);
                seconds[k] = (System.nanoTime() - start) / 1e9;
            }
            around[0] = 0;
            return seconds;
        }
    }
}
