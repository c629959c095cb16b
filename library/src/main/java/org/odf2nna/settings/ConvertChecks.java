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
 * @param int8Everywhere with {@code int8}, every layer int8 even where its int8 form alone is slower on this machine
 *                   than its float form (otherwise such a layer stays float: each layer is timed alone at batch 1 and
 *                   at {@code timingBatch})
 * @param int8Operators the operators a static int8 form may hold
 * @param original   the user's original float model the int8 file is judged and timed against (its accuracy within
 *                   the bound, its latency side by side), or null when the input is that model
 */
public record ConvertChecks(Path eval, Path validation, Double maxDrop, CsvReading csv, Task task, Device device,
        int timingBatch, boolean int8Everywhere, Int8Operators int8Operators, Path original) {

    /** The larger batch timed by default. */
    public static final int DEFAULT_TIMING_BATCH = 256;

    /** No rows: only the generated-row check. */
    public static final ConvertChecks NONE = new ConvertChecks(null, null, null, CsvReading.DEFAULT, null,
            Device.CPU);

    /** Standard operators, judged against the input. */
    public ConvertChecks(Path eval, Path validation, Double maxDrop, CsvReading csv, Task task, Device device,
            int timingBatch, boolean int8Everywhere) {
        this(eval, validation, maxDrop, csv, task, device, timingBatch, int8Everywhere, Int8Operators.STANDARD, null);
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
        int8Operators = int8Operators == null ? Int8Operators.STANDARD : int8Operators;
        device = device == null ? Device.CPU : device;
    }

    /** Whether any rows check the written model. */
    public boolean any() {
        return eval != null || validation != null;
    }
}
