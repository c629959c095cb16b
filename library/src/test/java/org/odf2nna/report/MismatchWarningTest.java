package org.odf2nna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.odf2nna.metrics.Metrics;

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
}
