package org.odf2nna.report;

import org.odf2nna.metrics.LossBound;
import org.odf2nna.metrics.Metrics;

/**
 * A {@code convert} and what rows of the user's said of the written model.
 *
 * @param conversion the conversion itself, with its check on generated rows
 * @param before     the original's metrics on the evaluation rows, or null without them
 * @param after      the written model's metrics on the same rows, or null
 * @param bound      the written model judged once on the validation rows against the original (it held, or nothing
 *                   was written), or null without them
 * @param eval       the evaluation rows' file, or null
 * @param task       {@code classification} or {@code regression}, or null without rows
 * @param int8       an int8 file judged against its float model (sizes, agreement, speed side by side), or null
 */
public record CheckedConversion(Conversion conversion, Metrics before, Metrics after, LossBound bound, String eval,
        String task, Int8Judgement int8) {
}
