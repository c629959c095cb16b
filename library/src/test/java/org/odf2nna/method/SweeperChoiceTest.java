package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.NetworkSummary;
import org.odf2nna.report.ShrinkReport;
import org.odf2nna.report.TrainingSummary;

/** The choice rule against a brute-force reading of its definition. */
class SweeperChoiceTest {

    static ShrinkReport table(long[] parameters, double[] validation, double[] change) {
        List<EpsilonOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < parameters.length; i++) {
            TrainingSummary t = new TrainingSummary(5, 3, new TrainingSummary.Figures(0.5, validation[i], "accuracy", 1,
                    0.5), change[i]);
            outcomes.add(new EpsilonOutcome(0.1 * i, null, new NetworkSummary("a", parameters[i], List.of(1)), 0,
                    List.of(1), 0, null, null, 0, t, null, null, List.of(), null, null));
        }
        return new ShrinkReport("m", "d", 1, "classification", "std", new NetworkSummary("a", 1000, List.of(1)), null,
                List.of(), outcomes, null, null, null);
    }

    @Test
    void smallestWithinBothBoundsWinsTiesGoToTheBetterFigure() {
        Random random = new Random(8);
        for (int trial = 0; trial < 500; trial++) {
            int n = 1 + random.nextInt(8);
            long[] p = new long[n];
            double[] v = new double[n];
            double[] c = new double[n];
            for (int i = 0; i < n; i++) {
                p[i] = 10 + random.nextInt(5) * 10;
                v[i] = 0.9 + random.nextInt(10) / 100.0;
                c[i] = random.nextInt(4) / 100.0;
            }
            double original = 0.95;
            double maxDrop = random.nextInt(4);
            boolean accuracy = random.nextBoolean();
            Integer expected = null;
            for (int i = 0; i < n; i++) {
                boolean ok = accuracy ? v[i] >= original - maxDrop / 100 - 1e-12 && c[i] <= maxDrop / 100 + 1e-12
                        : v[i] <= original * (1 + maxDrop / 100);
                if (!ok) {
                    continue;
                }
                if (expected == null || p[i] < p[expected]
                        || (p[i] == p[expected] && (accuracy ? v[i] > v[expected] : v[i] < v[expected]))) {
                    expected = i;
                }
            }
            assertEquals(expected, Sweeper.choose(table(p, v, c), original, maxDrop, accuracy));
        }
    }
}
