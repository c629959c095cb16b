package org.odf2nna.settings;

import org.odf2nna.Setting;

/**
 * How a run reads its CSV files, the same for every file of the run.
 *
 * @param label          name of the target column, or null: a column named {@code label} or {@code target} (any
 *                       case), else the last column when the file has one more column than the model has inputs
 * @param inferenceBatch rows per runtime call when scoring and evaluating
 * @param acceptChance   take evaluation and validation rows on which the original scores no better than chance
 *                       (Cohen's kappa 0.1 or less); without it such rows, most likely rows for
 *                       another model or read another way, are refused before anything is written
 */
public record CsvReading(String label, int inferenceBatch, boolean acceptChance) {

    public static final int DEFAULT_INFERENCE_BATCH = 1024;

    /** The defaults: the target found by name or place, 1024 rows per call. */
    public static final CsvReading DEFAULT = new CsvReading(null, DEFAULT_INFERENCE_BATCH);

    /** Rows the original is at chance on are refused. */
    public CsvReading(String label, int inferenceBatch) {
        this(label, inferenceBatch, false);
    }

    /** @throws InvalidSetting when the inference batch is not positive */
    public CsvReading {
        InvalidSetting.require(inferenceBatch > 0, Setting.INFERENCE_BATCH.ref() + " must be a positive number, got "
                + inferenceBatch);
    }
}
