package org.odf2nna.onnx;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * Two models timed side by side in ONNX Runtime as a user runs them: each in its own session with the same intra-op
 * thread count, at batch 1 and at a larger batch, interleaved over a few repetitions, the median run of each
 * repetition and the median of those. For convert's int8 forms (the float model against its int8 file), and for what
 * sweep would write against the user's original ({@code method.SpeedJudge}).
 *
 * @param threads    ONNX Runtime's intra-op threads in each session
 * @param batch      the rows of the larger batch
 * @param repeats    the interleaved repetitions
 * @param oneMicros  per model, its median batch-1 latency in µs
 * @param batchMicros per model, its median latency of one run of {@code batch} rows in µs
 * @param oneRepeats  per model, each repetition's median batch-1 latency in µs (null when not kept)
 * @param batchRepeats per model, each repetition's median time at {@code batch} rows in µs (null when not kept)
 */
public record SideBySide(int threads, int batch, int repeats, double[] oneMicros, double[] batchMicros,
        double[][] oneRepeats, double[][] batchRepeats) {

    /** Medians alone. */
    public SideBySide(int threads, int batch, int repeats, double[] oneMicros, double[] batchMicros) {
        this(threads, batch, repeats, oneMicros, batchMicros, null, null);
    }

    /**
     * How models are timed side by side: {@link #ORT} in ONNX Runtime; a test gives made-up timings to check a rule
     * that reads them without timing anything.
     */
    @FunctionalInterface
    public interface Timer {

        /** ONNX Runtime, as {@link SideBySide#measure(List, List, InputSignature, float[], int, int)} times. */
        Timer ORT = SideBySide::measure;

        /**
         * {@code models} timed at batch 1 and at {@code batch} rows with {@code threads} intra-op threads each.
         *
         * @throws org.odf2nna.InputException when ONNX Runtime cannot run one at these batches (a batch fixed inside)
         */
        SideBySide time(List<ModelProto> models, List<Path> files, InputSignature input, float[] rows, int batch,
                int threads);
    }

    /** How one model's runs at one batch size are summed up. */
    public enum Summary {
        /** Each repetition's median run, and the median of those: the run a user typically sees. */
        MEDIAN,
        /**
         * The fastest run of all: what the work costs when nothing else on the machine interrupts it. Not what the
         * sweep times by: tried for the latency budget's layers and not kept (research/PERFORMANCE.md, "The latency
         * budget"); scripts/probes/layer_times_spread.py compares the two.
         */
        FASTEST
    }

    /** Repetitions of each timing, interleaved between the models. */
    public static final int REPEATS = 5;
    /** Roughly how long one repetition of one model at one batch size runs, in ns (runs: 3 to 200). */
    private static final long REPEAT_NANOS = 60_000_000L;

    /**
     * Times {@code models} on {@code rows} (row-major values of {@code input}, repeated as needed to fill a batch).
     *
     * @param files per model, where it came from (for messages and external data)
     */
    public static SideBySide measure(List<ModelProto> models, List<Path> files, InputSignature input, float[] rows,
            int batch, int threads) {
        return measure(models, files, input, rows, batch, threads, REPEAT_NANOS);
    }

    /**
     * {@link #measure(List, List, InputSignature, float[], int, int)}, each repetition of each model at each batch
     * size running about {@code repeatNanos} (3 to 200 runs): shorter for many small models (a layer at a time).
     */
    public static SideBySide measure(List<ModelProto> models, List<Path> files, InputSignature input, float[] rows,
            int batch, int threads, long repeatNanos) {
        return measure(models, files, input, rows, batch, threads, repeatNanos, Summary.MEDIAN);
    }

    /**
     * {@link #measure(List, List, InputSignature, float[], int, int, long)}, the runs summed up by {@code summary}
     * (the repetitions' and the result's fields then hold its figure rather than medians).
     */
    public static SideBySide measure(List<ModelProto> models, List<Path> files, InputSignature input, float[] rows,
            int batch, int threads, long repeatNanos, Summary summary) {
        int width = input.valuesPerRow();
        float[] data = filled(rows, width, batch);
        OnnxRunner[] runners = new OnnxRunner[models.size()];
        double[][] one;
        double[][] many;
        try {
            for (int m = 0; m < runners.length; m++) {
                runners[m] = opened(models, files, input, threads, m);
            }
            one = medians(runners, models, data, 1, width, repeatNanos, summary);
            many = medians(runners, models, data, batch, width, repeatNanos, summary);
        } finally {
            for (OnnxRunner runner : runners) {
                if (runner != null) {
                    runner.close();
                }
            }
        }
        return new SideBySide(threads, batch, REPEATS, summed(one, summary), summed(many, summary), one, many);
    }

    /**
     * Model {@code m}'s timing session, at ONNX Runtime's default level (all optimizations). A model after the first
     * that it refuses there is refused in a line that says it is the pruned one: the user's session would refuse it.
     */
    private static OnnxRunner opened(List<ModelProto> models, List<Path> files, InputSignature input, int threads,
            int m) {
        try {
            return OnnxRunner.open(Int8Calibration.exposing(EmptyCache.fed(OnesMask.fed(models.get(m), input.name()),
                    input.name()), List.of(),
                    input.name()), input, Device.CPU,
                    files.get(m), threads);
        } catch (org.odf2nna.InputException e) {
            if (m == 0) {
                throw e;
            }
            String why = String.valueOf(e.getMessage());
            String named = files.get(m) + ": ";
            throw new org.odf2nna.InputException(files.get(m), null, "the model made from it (candidate " + m
                    + " timed) is refused by ONNX Runtime at its default optimization level, as a user's session "
                    + "loads it, so it is not written: " + (why.startsWith(named) ? why.substring(named.length())
                    : why), e);
        }
    }

    /** Per model, its repetitions summed up: their median, or the fastest. */
    private static double[] summed(double[][] repeats, Summary summary) {
        double[] out = new double[repeats.length];
        for (int m = 0; m < out.length; m++) {
            out[m] = summed(repeats[m].clone(), summary);
        }
        return out;
    }

    /** {@code t} (sorted in place) summed up. */
    private static double summed(double[] t, Summary summary) {
        Arrays.sort(t);
        return summary == Summary.FASTEST ? t[0] : t[t.length / 2];
    }

    /**
     * Whether model {@code m} was slower than model 0 in every interleaved repetition at batch 1 ({@code atBatch}
     * false) or at the larger batch: with 5 repetitions, a chance of 1 in 32 when neither is faster. True when the
     * repetitions were not kept.
     */
    public boolean slowerInEveryRepeat(int m, boolean atBatch) {
        double[][] r = atBatch ? batchRepeats : oneRepeats;
        if (r == null) {
            return true;
        }
        for (int k = 0; k < r[m].length; k++) {
            if (r[m][k] <= r[0][k]) {
                return false;
            }
        }
        return true;
    }

    /** Model {@code m}'s batch-1 latency over model 0's (above 1: slower). */
    public double latencyRatio(int m) {
        return oneMicros[m] / oneMicros[0];
    }

    /** Model {@code m}'s rows per second at the larger batch over model 0's (below 1: slower). */
    public double throughputRatio(int m) {
        return batchMicros[0] / batchMicros[m];
    }

    /** Per model, each repetition's median (or fastest) run in µs. */
    private static double[][] medians(OnnxRunner[] runners, List<ModelProto> models, float[] data, int batch,
            int width, long repeatNanos, Summary summary) {
        int[] runs = new int[runners.length];
        for (int m = 0; m < runners.length; m++) {
            String output = models.get(m).getGraph().getOutput(0).getName();
            for (int w = 0; w < 3; w++) {
                runners[m].timedRun(data, 0, batch, width, output); // warm up
            }
            long once = Math.max(1, runners[m].timedRun(data, 0, batch, width, output)[0]);
            runs[m] = (int) Math.max(3, Math.min(200, repeatNanos / once));
        }
        double[][] medians = new double[runners.length][REPEATS];
        for (int r = 0; r < REPEATS; r++) {
            for (int k = 0; k < runners.length; k++) {
                int m = (r + k) % runners.length;
                String output = models.get(m).getGraph().getOutput(0).getName();
                double[] t = new double[runs[m]];
                for (int i = 0; i < t.length; i++) {
                    t[i] = runners[m].timedRun(data, 0, batch, width, output)[0] / 1e3;
                }
                medians[m][r] = summed(t, summary);
            }
        }
        return medians;
    }

    /** {@code batch} rows: the given ones repeated. */
    private static float[] filled(float[] rows, int width, int batch) {
        int have = rows.length / width;
        float[] data = new float[batch * width];
        for (int r = 0; r < batch; r++) {
            System.arraycopy(rows, (r % have) * width, data, r * width, width);
        }
        return data;
    }
}
