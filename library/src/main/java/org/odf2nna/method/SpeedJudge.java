package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.MultiplyAdds;
import org.odf2nna.onnx.SideBySide;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.Latency;
import org.odf2nna.settings.LatencyCheck;

/**
 * Speed as a judge of what a pruning run writes: the user's original model and the candidates the validation rule
 * certified are timed side by side in ONNX Runtime ({@link SideBySide}, one process, interleaved repetitions after a
 * warm-up, the median of each) at batch 1 and at the check's batch, with one intra-op thread and with the check's
 * thread count when it names one. The rule:
 *
 * <ol>
 *   <li>The candidates come in the order the run prefers them: the one the certificate writes (the smallest) first,
 *       then the other certified ones, larger and larger.</li>
 *   <li>The first is timed against the original. When it is not slower at either batch and either thread count, it
 *       is written, and nothing else is timed.</li>
 *   <li>Otherwise up to {@link #MORE} more candidates, spread evenly over the rest, are timed against the original in
 *       one run, and the first of them (the smallest) that is not slower anywhere is written.</li>
 *   <li>When none is, nothing is written, unless {@link LatencyCheck#allowSlower()}: then the first is written, and the
 *       verdict says loudly that it is slower.</li>
 * </ol>
 *
 * "Slower" is beyond the timing's noise: more than {@link #TOLERANCE} and more than {@link #FLOOR_MICROS} µs above
 * the original's median, and slower in every one of the interleaved repetitions (a chance of 1 in 32 when neither is
 * faster; {@link SideBySide#slowerInEveryRepeat}). The cost is bounded: at most 1 + {@link #MORE} candidates are timed, each run about a
 * second (two batch sizes, {@link SideBySide#REPEATS} repetitions of about 60 ms), per thread count.
 */
final class SpeedJudge {

    /** A candidate within this share of the original's time is not slower (the median's noise). */
    static final double TOLERANCE = 0.05;
    /**
     * Nor one within this many µs of it: below that, ONNX Runtime's own cost per run and the machine's scheduling decide
     * (a 1,480-parameter chain's batch of 32 took 8 µs, then 20 µs, under load), and no deployment feels it.
     */
    static final double FLOOR_MICROS = 50;
    /** Candidates timed after the first when it is slower. */
    static final int MORE = 3;

    private SpeedJudge() {
    }

    /**
     * A candidate the run could write.
     *
     * @param label as the table names it ("round 7")
     * @param model the model as it would be written, made when it is timed
     */
    record Candidate(String label, java.util.function.Supplier<ModelProto> model) {
    }

    /**
     * The judgement.
     *
     * @param index   the candidate to write (its index in the list judged), or -1 for none
     * @param latency what the report says (null when nothing was timed because there was nothing to judge)
     */
    record Verdict(int index, Latency latency) {

        /** Whether a candidate is written. */
        boolean writes() {
            return index >= 0;
        }
    }

    /**
     * The original and the candidates as one timing run sees them.
     *
     * @param original the user's original model
     * @param file     where it came from (the candidates' external data are read beside it)
     * @param input    the input the rows feed
     * @param rows     rows of that input, repeated to fill a batch
     */
    record Timed(ModelProto original, Path file, InputSignature input, float[] rows,
            java.util.function.ToLongFunction<ModelProto> multiplyAdds) {

        /** Multiply-adds per row counted by {@link MultiplyAdds} on one made-up row (-1 where it cannot run). */
        Timed(ModelProto original, Path file, InputSignature input, float[] rows) {
            this(original, file, input, rows, m -> count(m, file, input));
        }
    }

    /** Rows the models are timed on, at most (repeated to fill a batch): a graph's validation rows, a chain's scored. */
    static final int TIMING_ROWS = 256;

    /** The progress phase of timing the certified rounds. */
    static final String TIMING_ROUNDS = "timing the original and the certified rounds in ONNX Runtime";

    /**
     * The certified rounds of a sweep, chain or graph ({@link org.odf2nna.metrics.ChainCertificate#certified}: the
     * chosen one first), timed against the user's original: the file as the user gave it when it is ONNX, else the
     * graph read from it ({@code read}), on {@code rows} of {@code input}.
     *
     * @param written   a round (0-based) as its file would hold it, made when it is timed
     * @return the verdict, its index the round to write (-1: none)
     */
    static Verdict judgeRounds(Path source, ModelProto read, InputSignature input, float[] rows,
            List<Integer> certified, java.util.function.IntFunction<ModelProto> written, LatencyCheck check,
            org.odf2nna.Progress progress) {
        List<Candidate> candidates = new ArrayList<>();
        for (int round : certified) {
            candidates.add(new Candidate("round " + (round + 1), () -> written.apply(round)));
        }
        ModelProto original = ModelFiles.formatOf(source) == org.odf2nna.settings.ModelFormat.ONNX
                ? org.odf2nna.onnx.OnnxModelFile.read(source) : read;
        if (check.on()) {
            progress.update(TIMING_ROUNDS, 0, -1, null);
        }
        // An export whose batch is fixed at 1 (Ultralytics' default) takes no larger batch: timed at batch 1 alone.
        LatencyCheck timed = check.on() && batchFixedAtOne(original, input.name())
                ? new LatencyCheck(1, check.threads(), check.allowSlower()) : check;
        Verdict v = judge(new Timed(original, source, input, rows), candidates, timed, SideBySide.Timer.ORT);
        if (check.on()) {
            progress.done(TIMING_ROUNDS);
        }
        return new Verdict(v.writes() ? certified.get(v.index()) : -1, v.latency());
    }

    /** Whether {@code model}'s input {@code name} declares its first dimension as 1. */
    static boolean batchFixedAtOne(ModelProto model, String name) {
        for (var in : model.getGraph().getInputList()) {
            if (in.getName().equals(name) && in.getType().getTensorType().getShape().getDimCount() > 0) {
                var first = in.getType().getTensorType().getShape().getDim(0);
                return first.hasDimValue() && first.getDimValue() == 1;
            }
        }
        return false;
    }

    /**
     * {@code model}'s multiply-adds per row, or -1 where they cannot be counted: on one made-up row, except that an
     * image input {@code input} feeds whose model leaves sizes past the batch open (a dynamic Ultralytics export's
     * height and width) gets a row of the size the rows have, not 1 × 1 (at which its Concats do not meet, and ONNX
     * Runtime logs an error).
     */
    static long count(ModelProto model, Path file, InputSignature input) {
        try {
            List<org.odf2nna.onnx.OnnxRunner.Fed> row = new ArrayList<>(MultiplyAdds.madeUpRow(model));
            int width = input.valuesPerRow();
            for (int i = 0; i < row.size() && width > 0; i++) {
                if (row.get(i).name().equals(input.name()) && openPastBatch(model, input.name())) {
                    row.set(i, new org.odf2nna.onnx.OnnxRunner.Fed(input.name(), row.get(i).elementType(),
                            input.batchShape(1, width), new float[width], 0, width));
                }
            }
            return MultiplyAdds.count(model, file, row).total();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static boolean openPastBatch(ModelProto model, String name) {
        for (var in : model.getGraph().getInputList()) {
            if (in.getName().equals(name)) {
                // Images only ([N, C, H, W]): a language model's open sequence keeps its made-up row, whose length
                // its key/value cache inputs are made up to match.
                var dims = in.getType().getTensorType().getShape().getDimList();
                return dims.size() == 4 && dims.stream().skip(1).anyMatch(d -> !(d.hasDimValue()
                        && d.getDimValue() > 0));
            }
        }
        return false;
    }

    /** {@code model}'s multiply-adds per row, or -1 where they cannot be counted. */
    static long count(ModelProto model, Path file) {
        try {
            return MultiplyAdds.count(model, file).total();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * Judges {@code candidates} (the preferred first; at least one) against the original.
     *
     * @param timer how models are timed ({@link SideBySide.Timer#ORT}, or made-up timings in a test)
     */
    static Verdict judge(Timed what, List<Candidate> candidates, LatencyCheck check, SideBySide.Timer timer) {
        if (candidates.isEmpty()) {
            return new Verdict(-1, null);
        }
        String first = candidates.get(0).label();
        if (!check.on()) {
            return new Verdict(0, new Latency(0, 0, List.of(), first, false, first + " written without timing ("
                    + Setting.LATENCY_BATCH.ref() + " 0)"));
        }
        List<Latency.Timing> timings = new ArrayList<>();
        try {
            int index = firstNotSlower(what, candidates, List.of(0), check, timer, timings);
            if (index < 0 && candidates.size() > 1) {
                index = firstNotSlower(what, candidates, spread(candidates.size() - 1, MORE), check, timer, timings);
            }
            return counted(what, verdict(index, candidates, check, timings));
        } catch (InputException | IllegalArgumentException | IllegalStateException e) {
            // A graph ONNX Runtime cannot run at these batches (a batch fixed inside, several data inputs): written as
            // the certificate chose, and the report says it was not timed.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new Verdict(0, new Latency(check.batch(), SideBySide.REPEATS, timings, first, false, first
                    + " written without its speed judged: ONNX Runtime did not time it against the original ("
                    + why + ")"));
        }
    }

    /**
     * The indices {@code 1..rest} to time after the first: all when there are at most {@code most}, else {@code most}
     * spread evenly from the smallest (index 1) to the largest (index {@code rest}).
     */
    static List<Integer> spread(int rest, int most) {
        List<Integer> picked = new ArrayList<>();
        if (rest <= most) {
            for (int i = 1; i <= rest; i++) {
                picked.add(i);
            }
            return picked;
        }
        for (int k = 0; k < most; k++) {
            int i = 1 + (int) Math.round((double) k * (rest - 1) / (most - 1));
            if (!picked.contains(i)) {
                picked.add(i);
            }
        }
        return picked;
    }

    /** Times the original and the candidates at {@code indices}; the first index not slower anywhere, or -1. */
    private static int firstNotSlower(Timed what, List<Candidate> candidates, List<Integer> indices,
            LatencyCheck check, SideBySide.Timer timer, List<Latency.Timing> timings) {
        List<ModelProto> models = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        models.add(what.original());
        files.add(what.file());
        for (int i : indices) {
            models.add(candidates.get(i).model().get());
            files.add(what.file());
        }
        boolean[] slower = new boolean[indices.size()];
        long[] macs = new long[indices.size()];
        for (int k = 0; k < macs.length; k++) {
            macs[k] = what.multiplyAdds().applyAsLong(models.get(k + 1));
        }
        for (int threads : threadCounts(check)) {
            SideBySide s = timer.time(models, files, what.input(), what.rows(), check.batch(), threads);
            for (int k = 0; k < indices.size(); k++) {
                Latency.Timing t = withMultiplyAdds(timing(candidates.get(indices.get(k)).label(), s, k + 1),
                        macs[k]);
                slower[k] |= t.slower();
                timings.add(t);
            }
        }
        for (int k = 0; k < indices.size(); k++) {
            if (!slower[k]) {
                return indices.get(k);
            }
        }
        return -1;
    }

    /** One thread, and the check's count when it names more. */
    static List<Integer> threadCounts(LatencyCheck check) {
        return check.threads() > 1 ? List.of(1, check.threads()) : List.of(1);
    }

    /** Model {@code m} of a timing run against model 0, the original. */
    static Latency.Timing timing(String label, SideBySide s, int m) {
        Latency.Times one = new Latency.Times(s.oneMicros()[0], s.oneMicros()[m]);
        Latency.Times batch = new Latency.Times(s.batchMicros()[0], s.batchMicros()[m]);
        return new Latency.Timing(label, s.threads(), one, batch, (slower(one.originalMicros(), one.micros())
                && s.slowerInEveryRepeat(m, false)) || (slower(batch.originalMicros(), batch.micros())
                && s.slowerInEveryRepeat(m, true)), -1);
    }

    private static Latency.Timing withMultiplyAdds(Latency.Timing t, long macs) {
        return new Latency.Timing(t.candidate(), t.threads(), t.one(), t.batch(), t.slower(), macs);
    }

    /** The verdict with the original's multiply-adds per row. */
    private static Verdict counted(Timed what, Verdict v) {
        return new Verdict(v.index(), v.latency().withMultiplyAdds(what.multiplyAdds().applyAsLong(what.original())));
    }

    /** Whether {@code micros} is slower than the original's {@code original} beyond the timing's noise. */
    static boolean slower(double original, double micros) {
        return micros > original * (1 + TOLERANCE) && micros - original > FLOOR_MICROS;
    }

    private static Verdict verdict(int index, List<Candidate> candidates, LatencyCheck check,
            List<Latency.Timing> timings) {
        int batch = check.batch();
        String first = candidates.get(0).label();
        if (index == 0) {
            return new Verdict(0, new Latency(batch, SideBySide.REPEATS, timings, first, false, first + " written: "
                    + "not slower than the original in ONNX Runtime (" + ratios(timings, first, batch) + ")"));
        }
        String firstSlower = first + ", the smallest certified, is slower than the original (" + ratios(timings,
                first, batch) + ")";
        if (index > 0) {
            String label = candidates.get(index).label();
            return new Verdict(index, new Latency(batch, SideBySide.REPEATS, timings, label, false, firstSlower + "; "
                    + label + ", the smallest certified candidate timed that is not, is written (" + ratios(timings,
                    label, batch) + ")"));
        }
        List<String> others = new ArrayList<>();
        for (Latency.Timing t : timings) {
            if (!t.candidate().equals(first) && others.stream().noneMatch(o -> o.startsWith(t.candidate() + ":"))) {
                others.add(t.candidate() + ": " + ratios(timings, t.candidate(), batch));
            }
        }
        String rest = others.isEmpty() ? "" : "; so are the other certified candidates timed (" + String.join("; ",
                others) + ")";
        if (check.allowSlower()) {
            return new Verdict(0, new Latency(batch, SideBySide.REPEATS, timings, first, true, "WARNING: " + first
                    + " is written although ONNX Runtime runs it slower than the original (" + ratios(timings, first,
                    batch) + "), as " + Setting.ALLOW_SLOWER.ref() + " asks"));
        }
        return new Verdict(-1, new Latency(batch, SideBySide.REPEATS, timings, null, false, "nothing written: "
                + firstSlower + rest + "; give " + Setting.ALLOW_SLOWER.ref() + " to write " + first + " anyway"));
    }

    /** {@code label}'s ratios at every thread count timed, in words. */
    private static String ratios(List<Latency.Timing> timings, String label, int batch) {
        List<String> parts = new ArrayList<>();
        for (Latency.Timing t : timings) {
            if (t.candidate().equals(label)) {
                parts.add(t.ratios(batch));
            }
        }
        return String.join("; ", parts);
    }
}
