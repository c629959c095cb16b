package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odf2nna.InputException;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.SideBySide;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.Latency;
import org.odf2nna.settings.LatencyCheck;

/**
 * The speed judge's rule on made-up timings: no model is run, the timer answers from a table of each model's batch-1
 * and batch-N time per thread count, and records what it was asked to time.
 */
class SpeedJudgeTest {

    /** A model told apart by its doc string (its name in the timings table). */
    private static ModelProto model(String name) {
        return ModelProto.newBuilder().setDocString(name).build();
    }

    /** Multiply-adds made up from the name: the original 1,000, round K 100 × K. */
    private static long macs(ModelProto m) {
        String name = m.getDocString();
        return name.equals("original") ? 1000 : 100L * Integer.parseInt(name.substring("round ".length()));
    }

    private static final SpeedJudge.Timed WHAT = new SpeedJudge.Timed(model("original"), Path.of("m.onnx"),
            new InputSignature("x", 1, new long[] {-1, 4}), new float[4], SpeedJudgeTest::macs);

    /** Made-up timings: per model name, {batch 1 µs, batch N µs} at one thread and (when given) at more. */
    private static final class Table implements SideBySide.Timer {
        final Map<String, double[]> one;
        final Map<String, double[]> many;
        final List<List<String>> asked = new ArrayList<>();

        Table(Map<String, double[]> one, Map<String, double[]> many) {
            this.one = one;
            this.many = many;
        }

        @Override
        public SideBySide time(List<ModelProto> models, List<Path> files, InputSignature input, float[] rows,
                int batch, int threads) {
            asked.add(models.stream().map(ModelProto::getDocString).toList());
            double[] b1 = new double[models.size()];
            double[] bn = new double[models.size()];
            for (int m = 0; m < models.size(); m++) {
                double[] t = (threads == 1 ? one : many).get(models.get(m).getDocString());
                b1[m] = t[0];
                bn[m] = t[1];
            }
            return new SideBySide(threads, batch, SideBySide.REPEATS, b1, bn);
        }
    }

    /** Candidates named "round K" for each K, in the order given (the preferred first). */
    private static List<SpeedJudge.Candidate> rounds(int... k) {
        List<SpeedJudge.Candidate> c = new ArrayList<>();
        for (int r : k) {
            c.add(new SpeedJudge.Candidate("round " + r, () -> model("round " + r)));
        }
        return c;
    }

    /**
     * A model whose height and width are open (a dynamic Ultralytics export) is counted at the rows' size, not at the
     * made-up 1 × 1; a model with every size fixed the same either way.
     */
    @Test
    void anOpenImageIsCountedAtTheRowsSize() {
        ModelProto open = org.odf2nna.graph.GraphFeedTest.openImage(new org.odf2nna.graph.Graphs(61));
        Path file = Path.of("open.onnx");
        long atOne = SpeedJudge.count(open, file);
        long atSixteen = SpeedJudge.count(open, file, new InputSignature("x", 1, new long[] {-1, 3, 4, 4}));
        assertTrue(atOne > 0 && atSixteen > 10 * atOne, atOne + " " + atSixteen);
    }

    @Test
    void theSmallestIsWrittenWhenItIsNotSlowerAndNothingElseIsTimed() {
        Table t = new Table(Map.of("original", new double[] {100, 2000}, "round 7", new double[] {60, 1100},
                "round 6", new double[] {70, 1300}), Map.of());
        SpeedJudge.Verdict v = SpeedJudge.judge(WHAT, rounds(7, 6), LatencyCheck.DEFAULT, t);
        assertEquals(0, v.index());
        assertEquals(List.of(List.of("original", "round 7")), t.asked, "one run: the original and the smallest");
        Latency l = v.latency();
        assertEquals("round 7", l.written());
        assertFalse(l.slowerWritten());
        Latency.Timing timing = l.timings().get(0);
        assertEquals(0.6, timing.oneRatio(), 1e-12);
        assertEquals(0.55, timing.batchRatio(), 1e-12);
        assertTrue(l.verdict().contains("0.60× at batch 1, 0.55× at batch 32"), l.verdict());
        assertEquals(1000, l.originalMultiplyAdds());
        assertEquals(700, timing.multiplyAdds(), "the candidate's multiply-adds beside its times");
    }

    @Test
    void aSlowerSmallestGivesWayToTheSmallestCertifiedRoundThatIsNot() {
        // Rounds 7 (the certificate's) to 1: 7 and 5 slower at batch 32 only, 3 faster, 1 faster still.
        Table t = new Table(Map.of("original", new double[] {100, 2000}, "round 7", new double[] {80, 2600},
                "round 6", new double[] {80, 2600}, "round 5", new double[] {90, 2300}, "round 3",
                new double[] {95, 1900}, "round 1", new double[] {99, 1950}), Map.of());
        SpeedJudge.Verdict v = SpeedJudge.judge(WHAT, rounds(7, 6, 5, 4, 3, 2, 1), LatencyCheck.DEFAULT, t);
        // After round 7, three of the six others spread from the smallest to the largest: 6, 3 and 1.
        assertEquals(2, t.asked.size(), t.asked.toString());
        assertEquals("original", t.asked.get(1).get(0));
        assertEquals(List.of("round 6", "round 3", "round 1"), t.asked.get(1).subList(1, 4));
        assertEquals(4, v.index(), "round 3, the smallest of those timed that is not slower");
    }

    @Test
    void theSmallestNotSlowerAmongThoseTimedIsWritten() {
        Map<String, double[]> one = new java.util.HashMap<>(Map.of("original", new double[] {100, 2000}));
        for (int r = 1; r <= 7; r++) {
            one.put("round " + r, r >= 5 ? new double[] {80, 2600} : new double[] {90, 1800});
        }
        Table t = new Table(one, Map.of());
        SpeedJudge.Verdict v = SpeedJudge.judge(WHAT, rounds(7, 6, 5, 4, 3, 2, 1), LatencyCheck.DEFAULT, t);
        assertEquals(4, v.index(), "round 3 (index 4): round 4 is not timed, round 6 is slower");
        assertEquals("round 3", v.latency().written());
        assertTrue(v.latency().verdict().startsWith("round 7, the smallest certified, is slower"),
                v.latency().verdict());
    }

    @Test
    void nothingIsWrittenWhenEveryCandidateIsSlowerUnlessAllowed() {
        Table t = new Table(Map.of("original", new double[] {100, 2000}, "round 2", new double[] {210, 7200},
                "round 1", new double[] {150, 4000}), Map.of());
        SpeedJudge.Verdict v = SpeedJudge.judge(WHAT, rounds(2, 1), LatencyCheck.DEFAULT, t);
        assertEquals(-1, v.index());
        assertFalse(v.writes());
        assertNull(v.latency().written());
        assertTrue(v.latency().verdict().startsWith("nothing written: round 2, the smallest certified, is slower "
                + "than the original (2.10× at batch 1, 3.60× at batch 32, 1 thread)"), v.latency().verdict());
        assertTrue(v.latency().verdict().contains("round 1: 1.50× at batch 1"), v.latency().verdict());

        SpeedJudge.Verdict allowed = SpeedJudge.judge(WHAT, rounds(2, 1), new LatencyCheck(32, 1, true), t);
        assertEquals(0, allowed.index(), "the smallest certified, as without timing");
        assertTrue(allowed.latency().slowerWritten());
        assertTrue(allowed.latency().verdict().startsWith("WARNING: round 2 is written although"),
                allowed.latency().verdict());
    }

    @Test
    void differencesWithinTheTimingsNoiseAreNotSlower() {
        // 4% above the original, and 4 µs above a tiny original: neither counts.
        Table t = new Table(Map.of("original", new double[] {100, 2000}, "round 1", new double[] {104, 2080}),
                Map.of());
        assertEquals(0, SpeedJudge.judge(WHAT, rounds(1), LatencyCheck.DEFAULT, t).index());
        Table tiny = new Table(Map.of("original", new double[] {8, 20}, "round 1", new double[] {12, 24}), Map.of());
        assertEquals(0, SpeedJudge.judge(WHAT, rounds(1), LatencyCheck.DEFAULT, tiny).index());
        assertTrue(SpeedJudge.slower(1000, 1060));
        assertFalse(SpeedJudge.slower(1000, 1050));
        assertFalse(SpeedJudge.slower(400, 449), "12% above, but under 50 µs");
    }

    @Test
    void slowerMeansSlowerInEveryInterleavedRepetition() {
        double[][] b32 = {{1000, 1000, 1000, 1000, 1000}, {900, 900, 900, 900, 900}};
        SideBySide once = new SideBySide(1, 32, 5, new double[] {1000, 1200}, new double[] {1000, 900},
                new double[][] {{1000, 1000, 1000, 1000, 1000}, {1200, 1200, 900, 1200, 1200}}, b32);
        assertFalse(SpeedJudge.timing("round 1", once, 1).slower(), "faster in one repetition of five: noise");
        SideBySide always = new SideBySide(1, 32, 5, new double[] {1000, 1200}, new double[] {1000, 900},
                new double[][] {{1000, 1000, 1000, 1000, 1000}, {1200, 1200, 1070, 1200, 1200}}, b32);
        assertTrue(SpeedJudge.timing("round 1", always, 1).slower());
    }

    @Test
    void theUsersThreadCountIsTimedTooAndMustNotBeSlower() {
        Table t = new Table(Map.of("original", new double[] {100, 2000}, "round 1", new double[] {60, 1000}),
                Map.of("original", new double[] {40, 500}, "round 1", new double[] {45, 700}));
        SpeedJudge.Verdict v = SpeedJudge.judge(WHAT, rounds(1), new LatencyCheck(32, 4, false), t);
        assertEquals(-1, v.index(), "faster on one thread, slower on four");
        assertEquals(List.of(1, 4), v.latency().timings().stream().map(Latency.Timing::threads).toList());
        assertEquals(2, t.asked.size(), "one run per thread count");
    }

    @Test
    void aGraphTheRuntimeCannotTimeIsWrittenAsCertifiedAndSaysSo() {
        SideBySide.Timer fails = (models, files, input, rows, batch, threads) -> {
            throw InputException.usage(Path.of("m.onnx"), "its batch is fixed at 1 inside");
        };
        SpeedJudge.Verdict v = SpeedJudge.judge(WHAT, rounds(3, 2), LatencyCheck.DEFAULT, fails);
        assertEquals(0, v.index());
        assertTrue(v.latency().verdict().contains("without its speed judged"), v.latency().verdict());
        assertTrue(v.latency().verdict().contains("its batch is fixed at 1 inside"), v.latency().verdict());
    }

    @Test
    void offTimesNothing() {
        Table t = new Table(Map.of(), Map.of());
        SpeedJudge.Verdict v = SpeedJudge.judge(WHAT, rounds(3), LatencyCheck.OFF, t);
        assertEquals(0, v.index());
        assertTrue(t.asked.isEmpty());
        assertEquals(-1, SpeedJudge.judge(WHAT, List.of(), LatencyCheck.DEFAULT, t).index());
    }

    @Test
    void theOthersTimedAreSpreadFromTheSmallestToTheLargest() {
        assertEquals(List.of(1, 2), SpeedJudge.spread(2, 3));
        assertEquals(List.of(1, 4, 7), SpeedJudge.spread(7, 3));
        assertEquals(List.of(1, 4, 6), SpeedJudge.spread(6, 3));
    }
}
