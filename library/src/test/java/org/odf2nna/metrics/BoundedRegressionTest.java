package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.ChainCertificate.Reading;

/**
 * {@link BoundedRegression}: simulations whose true MSE rise is known (computed on a large sample of the simulated
 * distribution, outputs clipped as the judge clips them). Targets are uniform on [0, 1], the training targets' range;
 * the original's output is the target plus normal noise; the candidate's is the original's plus noise of a strength
 * tuned so that its true rise lies just above the tolerance.
 */
class BoundedRegressionTest {

    private static final double TOLERANCE = 0.1;
    private static final BoundedRegression.Range UNIT = BoundedRegression.Range.of(0, 1);

    /** How the candidate errs beyond the original. */
    private enum Kind { HEAVY_ROWS, T_2_1, NORMAL }

    /**
     * @param sigma the original's noise
     * @param heavy HEAVY_ROWS: the share of rows where the candidate's output is at the far end of the range
     */
    private record Scenario(String name, Kind kind, double sigma, double heavy) {
    }

    /** One draw of rows: targets, the original's outputs, the candidate's (unclipped: the judge clips). */
    private record Rows(float[] y, float[] original, float[] candidate) {
    }

    private static Rows draw(Random random, Scenario s, double strength, int n) {
        float[] y = new float[n];
        float[] o = new float[n];
        float[] c = new float[n];
        for (int r = 0; r < n; r++) {
            double target = random.nextDouble();
            double original = target + s.sigma() * random.nextGaussian();
            double noise = s.kind() == Kind.T_2_1 ? studentT(random, 2.1) : random.nextGaussian();
            double candidate = original + strength * noise;
            if (s.kind() == Kind.HEAVY_ROWS && random.nextDouble() < s.heavy()) {
                candidate = target < 0.5 ? 1 : 0;
            }
            y[r] = (float) target;
            o[r] = (float) original;
            c[r] = (float) candidate;
        }
        return new Rows(y, o, c);
    }

    /** Student's t with {@code dof} degrees of freedom: a normal over the root of a scaled chi-square. */
    private static double studentT(Random random, double dof) {
        return random.nextGaussian() / Math.sqrt(2 * gamma(random, dof / 2) / dof);
    }

    /** Gamma(shape, 1) for shape ≥ 1 (Marsaglia and Tsang 2000). */
    private static double gamma(Random random, double shape) {
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = random.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    /**
     * The MSE's true relative rise, outputs clipped to [0, 1]: the rows without far outputs from {@code n} rows drawn
     * with a fixed seed, and the far rows' share exactly (a far output errs by max(y, 1 − y), whose mean square is
     * 7/12 for y uniform on [0, 1]); the original errs alike on both.
     */
    private static double rise(Scenario s, double strength, int n) {
        Scenario bulk = new Scenario(s.name(), s.kind() == Kind.HEAVY_ROWS ? Kind.NORMAL : s.kind(), s.sigma(), 0);
        Rows rows = draw(new Random(7), bulk, strength, n);
        double eo = 0;
        double ec = 0;
        for (int r = 0; r < n; r++) {
            double a = UNIT.clip(rows.original()[r]) - rows.y()[r];
            double b = UNIT.clip(rows.candidate()[r]) - rows.y()[r];
            eo += a * a;
            ec += b * b;
        }
        double candidate = (1 - s.heavy()) * ec / n + s.heavy() * 7.0 / 12;
        return candidate / (eo / n) - 1;
    }

    /** The noise strength whose true rise is {@code target} (bisection on a common sample: the rise grows with it). */
    private static double strengthFor(Scenario s, double target) {
        double lo = 0;
        double hi = 1;
        for (int i = 0; i < 22; i++) {
            double mid = (lo + hi) / 2;
            if (rise(s, mid, 200_000) < target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    private static final Scenario[] SCENARIOS = {
        new Scenario("heavy rows 1/1000", Kind.HEAVY_ROWS, 0.1, 1e-3),
        new Scenario("heavy rows 0.1/1000", Kind.HEAVY_ROWS, 0.03, 1e-4),
        new Scenario("t(2.1) candidate errors", Kind.T_2_1, 0.2, 0),
        new Scenario("normal", Kind.NORMAL, 0.3, 0),
    };

    @Test
    void candidatesJustAboveTheToleranceAreWrittenAtMostFivePercentOfRuns() {
        StringBuilder printed = new StringBuilder("BoundedRegressionTest, population reading, true rise just above "
                + TOLERANCE + ":");
        for (Scenario s : SCENARIOS) {
            double strength = strengthFor(s, 1.05 * TOLERANCE);
            double trueRise = rise(s, strength, 1_000_000);
            assertTrue(trueRise > TOLERANCE && trueRise < 1.12 * TOLERANCE, s.name() + ": true rise " + trueRise);
            if (s.kind() == Kind.HEAVY_ROWS) {
                // The far rows carry a good part of the rise: without them it is well below the tolerance.
                Scenario bulk = new Scenario(s.name(), Kind.NORMAL, s.sigma(), 0);
                double withoutFar = rise(bulk, strength, 1_000_000);
                assertTrue(withoutFar < 0.7 * TOLERANCE, s.name() + ": " + withoutFar);
            }
            for (int n : new int[] {300, 1000, 5000}) {
                int runs = n == 5000 ? 400 : 1000;
                Random random = new Random(31L * n + s.name().hashCode());
                int written = 0;
                for (int run = 0; run < runs; run++) {
                    Rows rows = draw(random, s, strength, n);
                    if (BoundedRegression.judge(rows.original(), rows.candidate(), rows.y(), n, UNIT, TOLERANCE, 0.05,
                            Reading.POPULATION).holds()) {
                        written++;
                    }
                }
                double rate = (double) written / runs;
                double limit = 0.05 + 2 * Math.sqrt(0.05 * 0.95 / runs);
                printed.append(String.format(Locale.ROOT, " %s n=%d: %.1f%%;", s.name(), n, 100 * rate));
                assertTrue(rate <= limit, s.name() + " n=" + n + ": written in " + rate + " of runs");
            }
        }
        System.out.println(printed);
    }

    @Test
    void theNewSetReadingKeepsItsPromiseAtTheTolerance() {
        // At a true rise of exactly the tolerance a new set breaks about half the time: the worst case for this reading.
        Scenario s = SCENARIOS[3];
        double strength = strengthFor(s, TOLERANCE);
        for (int n : new int[] {300, 1000}) {
            Random random = new Random(n);
            int broken = 0;
            int runs = 600;
            for (int run = 0; run < runs; run++) {
                Rows rows = draw(random, s, strength, n);
                boolean holds = BoundedRegression.judge(rows.original(), rows.candidate(), rows.y(), n, UNIT,
                        TOLERANCE, 0.05, Reading.NEW_SET).holds();
                Rows fresh = draw(random, s, strength, n);
                if (holds && rise(fresh) > TOLERANCE) {
                    broken++;
                }
            }
            assertTrue((double) broken / runs <= 0.05 + 2 * Math.sqrt(0.05 * 0.95 / runs), "n=" + n + ": " + broken);
        }
    }

    private static double rise(Rows rows) {
        double eo = 0;
        double ec = 0;
        for (int r = 0; r < rows.y().length; r++) {
            double a = UNIT.clip(rows.original()[r]) - rows.y()[r];
            double b = UNIT.clip(rows.candidate()[r]) - rows.y()[r];
            eo += a * a;
            ec += b * b;
        }
        return ec / eo - 1;
    }

    @Test
    void candidatesWellBelowTheTolerancePassOftenAtFiveThousandRows() {
        Scenario s = SCENARIOS[3];
        double strength = strengthFor(s, 0.02);
        Random random = new Random(5);
        int population = 0;
        int newSet = 0;
        int runs = 100;
        for (int run = 0; run < runs; run++) {
            Rows rows = draw(random, s, strength, 5000);
            population += BoundedRegression.judge(rows.original(), rows.candidate(), rows.y(), 5000, UNIT, TOLERANCE,
                    0.05, Reading.POPULATION).holds() ? 1 : 0;
            newSet += BoundedRegression.judge(rows.original(), rows.candidate(), rows.y(), 5000, UNIT, TOLERANCE,
                    0.05, Reading.NEW_SET).holds() ? 1 : 0;
        }
        System.out.println("BoundedRegressionTest, true rise 2%, 5,000 rows, R² about 16 times the MSE: population "
                + population + "%, new set " + newSet + "% of runs pass");
        assertTrue(population >= 50, "population: " + population + " of " + runs);
        // The new set's own noise makes its bound wider: it passes no more often.
        assertTrue(newSet <= population, "new set " + newSet + ", population " + population);
    }

    @Test
    void certifiedIsTheLeastToleranceThatPasses() {
        Rows rows = draw(new Random(3), SCENARIOS[3], 0.03, 5000);
        LossBound b = BoundedRegression.judge(rows.original(), rows.candidate(), rows.y(), 5000, UNIT, TOLERANCE,
                0.05, Reading.POPULATION);
        assertTrue(b.holds(), b.rule());
        assertTrue(b.certified() <= TOLERANCE && b.certified() > b.estimate(), b.certified() + " " + b.estimate());
        assertTrue(BoundedRegression.judge(rows.original(), rows.candidate(), rows.y(), 5000, UNIT,
                b.certified() + 1e-6, 0.05, Reading.POPULATION).holds());
        assertFalse(BoundedRegression.judge(rows.original(), rows.candidate(), rows.y(), 5000, UNIT,
                b.certified() - 1e-3, 0.05, Reading.POPULATION).holds());
        assertTrue(b.rule().contains("rows drawn independently from one distribution; outputs clipped to the "
                + "training targets' range [0, 1]"), b.rule());
    }

    @Test
    void fewRowsSayHowManyTheRangeNeeds() {
        Rows rows = draw(new Random(4), SCENARIOS[0], 0, 300);
        LossBound b = BoundedRegression.judge(rows.original(), rows.candidate(), rows.y(), 300, UNIT, TOLERANCE,
                0.05, Reading.POPULATION);
        assertFalse(b.holds());
        assertTrue(b.smallSet(), "a candidate equal to the original cannot pass on 300 rows with R² ~ 100 MSE");
        assertTrue(b.rule().contains("range term alone needs"), b.rule());
        long population = BoundedRegression.rowsNeeded(100, TOLERANCE, 0.05, Reading.POPULATION);
        long newSet = BoundedRegression.rowsNeeded(100, TOLERANCE, 0.05, Reading.NEW_SET);
        // 1 + 7·2.1·100·ln 40 / 0.3
        assertEquals(Math.ceil(1 + 7 * 2.1 * 100 * Math.log(40) / 0.3), population, 1);
        assertTrue(newSet > population, newSet + " " + population);
        assertTrue(BoundedRegression.rowsNeeded(200, TOLERANCE, 0.05, Reading.POPULATION) > population);
    }

    @Test
    void targetsOutsideTheTrainingRangeAreRefusedByRow() {
        float[] targets = {0.2f, 0.5f, 1.5f, 0.1f};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BoundedRegression.judge(
                targets, targets, targets, 4, UNIT, TOLERANCE, 0.05, Reading.POPULATION));
        assertTrue(e.getMessage().startsWith("row 2: target 1.5 lies outside the training targets' range [0, 1]"),
                e.getMessage());
        assertEquals(-1, BoundedRegression.firstOutside(targets, 2, UNIT));
        BoundedRegression.Range range = BoundedRegression.trainingRange(targets, 4);
        assertEquals(0.1f, range.lo(), 0);
        assertEquals(1.5f, range.hi(), 0);
    }
}
