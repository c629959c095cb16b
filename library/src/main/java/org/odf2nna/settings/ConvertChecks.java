package org.odf2nna.settings;

import java.nio.file.Path;
import org.odf2nna.Device;
import org.odf2nna.Setting;

/**
 * What {@code convert} checks the written model against besides its generated rows: its metric before and after on
 * rows of the user's ({@code eval}), and the promise on validation rows ({@code validation}, {@code maxDrop}).
 *
 * @param eval       labelled rows to report the original's and the written model's metric on, or null
 * @param validation rows the original never saw that judge the written model once, or null: a written model that
 *                   may then lose more than {@code maxDrop} on a new set of as many rows (the one-candidate bound at
 *                   95%) is not written
 * @param maxDrop    the most the written model may lose: accuracy points, or percent of the MSE; null for the task's
 *                   default (1 point, 10%)
 * @param csv        how the files are read
 * @param task       the task, or null to infer it from the model
 * @param device     where ONNX Runtime runs
 * @param timingBatch the larger batch an int8 file and its float model are timed at side by side (batch 1 too); 0
 *                   not to time them
 * @param int8       how an int8 file is written and judged ({@link Int8})
 */
public record ConvertChecks(Path eval, Path validation, Double maxDrop, CsvReading csv, Task task, Device device,
        int timingBatch, Int8 int8) {

    /**
     * @param everywhere with {@code int8}, every layer int8 (see {@link ConvertChecks#int8Everywhere})
     * @param operators the operators a static int8 form may hold
     * @param original  the user's original float model the int8 file is judged and timed against (its accuracy
     *                  within the bound, its latency side by side), or null when the input is that model
     */
    public record Int8(boolean everywhere, Int8Operators operators, Path original) {

        public Int8 {
            operators = operators == null ? Int8Operators.STANDARD : operators;
        }
    }

    /**
     * With {@code int8}, every layer int8, also those the rule keeps float (a graph's dynamic-form convolutions, a
     * dense chain's layers timed slower).
     */
    public boolean int8Everywhere() {
        return int8.everywhere();
    }

    /** The operators a static int8 form may hold. */
    public Int8Operators int8Operators() {
        return int8.operators();
    }

    /** The original float model an int8 file is judged against, or null (the input). */
    public Path original() {
        return int8.original();
    }

    /** The larger batch timed by default. */
    public static final int DEFAULT_TIMING_BATCH = 256;

    /** No rows: only the generated-row check. */
    public static final ConvertChecks NONE = new ConvertChecks(null, null, null, CsvReading.DEFAULT, null,
            Device.CPU);

    /** Standard operators, judged against the input. */
    public ConvertChecks(Path eval, Path validation, Double maxDrop, CsvReading csv, Task task, Device device,
            int timingBatch, boolean int8Everywhere) {
        this(eval, validation, maxDrop, csv, task, device, timingBatch, new Int8(int8Everywhere, null, null));
    }

    /** Layers slower as int8 kept float. */
    public ConvertChecks(Path eval, Path validation, Double maxDrop, CsvReading csv, Task task, Device device,
            int timingBatch) {
        this(eval, validation, maxDrop, csv, task, device, timingBatch, false);
    }

    /** Timed at {@link #DEFAULT_TIMING_BATCH}. */
    public ConvertChecks(Path eval, Path validation, Double maxDrop, CsvReading csv, Task task, Device device) {
        this(eval, validation, maxDrop, csv, task, device, DEFAULT_TIMING_BATCH);
    }

    /** @throws InvalidSetting when a maximum drop is given without validation rows, or is not positive */
    public ConvertChecks {
        InvalidSetting.require(maxDrop == null || validation != null, Setting.MAX_DROP.ref() + " needs "
                + Setting.VALIDATION.ref() + ": the written model is judged on validation rows the original never saw");
        InvalidSetting.require(maxDrop == null || maxDrop > 0 && Double.isFinite(maxDrop), Setting.MAX_DROP.ref()
                + " must be a positive number, got " + maxDrop);
        InvalidSetting.require(timingBatch >= 0 && timingBatch <= 1 << 20, Setting.TIMING_BATCH.ref()
                + " must be between 1 and 1048576 rows (0: no timing), got " + timingBatch);
        csv = csv == null ? CsvReading.DEFAULT : csv;
        int8 = int8 == null ? new Int8(false, null, null) : int8;
        device = device == null ? Device.CPU : device;
    }

    /** Whether any rows check the written model. */
    public boolean any() {
        return eval != null || validation != null;
    }
}
