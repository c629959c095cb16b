package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChanceAgreementTest {

    @Test
    void kappaIsTheAccuracyBeyondWhatTheClassFrequenciesGiveByThemselves() {
        // Accuracy 35/50; by chance (25/50)(30/50) + (25/50)(20/50) = 0.5; κ = (0.7 - 0.5) / (1 - 0.5).
        ChanceAgreement c = ChanceAgreement.of(new long[][] {{20, 5}, {10, 15}});
        assertEquals(0.7, c.accuracy(), 1e-12);
        assertEquals(0.5, c.byChance(), 1e-12);
        assertEquals(0.4, c.kappa(), 1e-12);
        assertFalse(c.atChance());
    }

    @Test
    void aModelThatMostlyPredictsOneClassIsAtChanceEvenAbove1OverK() {
        // Ten balanced classes of 100 rows; the model says 3 for 80% of every class and is right on 10% of the rest.
        int[] labels = new int[1000];
        int[] predicted = new int[1000];
        for (int r = 0; r < 1000; r++) {
            labels[r] = r / 100;
            predicted[r] = r % 100 < 80 ? 3 : r % 100 < 82 ? labels[r] : (labels[r] + 1) % 10;
        }
        ChanceAgreement c = ChanceAgreement.of(predicted, labels, 10);
        assertTrue(c.accuracy() > 0.09 && c.accuracy() < 0.11, "accuracy " + c.accuracy());
        assertTrue(c.atChance(), "κ " + c.kappa());
    }

    @Test
    void aPoorButRealModelIsNotAtChanceAndTooFewRowsSayNothing() {
        // Three classes, 50% right where chance gives a third: κ 0.25.
        ChanceAgreement poor = ChanceAgreement.of(new long[][] {{10, 5, 5}, {5, 10, 5}, {5, 5, 10}});
        assertEquals(0.25, poor.kappa(), 1e-12);
        assertFalse(poor.atChance());
        ChanceAgreement few = ChanceAgreement.of(new long[][] {{1, 5}, {5, 1}});
        assertTrue(few.kappa() < 0);
        assertFalse(few.atChance(), "12 rows are too few to say");
    }

    @Test
    void oneClassPredictedRightEverywhereIsNotChance() {
        ChanceAgreement c = ChanceAgreement.of(new long[][] {{0, 0}, {0, 40}});
        assertEquals(1.0, c.accuracy());
        assertFalse(c.atChance());
    }
}
