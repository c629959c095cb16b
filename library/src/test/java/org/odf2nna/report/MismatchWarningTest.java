package org.odf2nna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.metrics.RecordedMetric;

/** A model that does no better than chance on the rows it is given gets a warning under its metric. */
class MismatchWarningTest {

    @Test
    void belowChanceIsFlaggedAndAGoodModelIsNot() {
        String warning = ReportFormat.mismatch(new Metrics.Classification(150, 3, 0.2, 0.1, Double.NaN));
        assertTrue(warning.contains("no better than chance among 3 classes") && warning.contains("20.00%"), warning);
        assertEquals("", ReportFormat.mismatch(new Metrics.Classification(150, 3, 0.9, 0.9, Double.NaN)));
        // Too few rows to say, and regression has no chance level.
        assertEquals("", ReportFormat.mismatch(new Metrics.Classification(10, 3, 0.2, 0.1, Double.NaN)));
        assertEquals("", ReportFormat.mismatch(new Metrics.Regression(150, 1, 1, 0)));
    }

    @Test
    void farBelowTheSidecarsMetricMeansTenPointsAndMoreThanChanceExplains() {
        Metrics.Classification eighty = new Metrics.Classification(30, 3, 0.8, 0.8, Double.NaN);
        String warning = ReportFormat.recordedMismatch(eighty, 0.97, "m.json");
        assertTrue(warning.contains("80.00% here, 17 points below the 97.00% accuracy its sidecar m.json records"),
                warning);
        assertTrue(ReportFormat.recordedMismatch(new Metrics.Classification(30, 3, 0.5, 0.5, Double.NaN), 1.0, "m.json")
                .contains("50 points below"), "a recorded 100%");
        // Within 10 points: no warning, however many rows.
        assertEquals("", ReportFormat.recordedMismatch(new Metrics.Classification(5000, 3, 0.9, 0.9, Double.NaN), 0.97,
                "m.json"));
        // 15 points below on 20 rows: P(at most 15 of 20 right | 90%) = 0.043, which chance explains.
        assertFalse(RecordedMetric.farWorse(new Metrics.Classification(20, 3, 0.75, 0.75, Double.NaN), 0.9));
        // ... but not on 200 rows (150 of 200).
        assertTrue(RecordedMetric.farWorse(new Metrics.Classification(200, 3, 0.75, 0.75, Double.NaN), 0.9));
        // Too few rows, nothing recorded.
        assertFalse(RecordedMetric.farWorse(new Metrics.Classification(10, 3, 0.1, 0.1, Double.NaN), 0.97));
        assertEquals("", ReportFormat.recordedMismatch(eighty, null, "m.json"));
        // Regression: an MSE more than 4 times the recorded one.
        assertTrue(ReportFormat.recordedMismatch(new Metrics.Regression(100, 5, 2, 0.1), 1.0, "r.json")
                .contains("is 5 times the 1 its sidecar r.json records"));
        assertEquals("", ReportFormat.recordedMismatch(new Metrics.Regression(100, 3, 2, 0.1), 1.0, "r.json"));
    }
}
