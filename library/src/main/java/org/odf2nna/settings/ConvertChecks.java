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
 */
public record ConvertChecks(Path eval, Path validation, Double maxDrop, CsvReading csv, Task task, Device device) {

    /** No rows: only the generated-row check. */
    public static final ConvertChecks NONE = new ConvertChecks(null, null, null, CsvReading.DEFAULT, null,
            Device.CPU);

    /** @throws InvalidSetting when a maximum drop is given without validation rows, or is not positive */
    public ConvertChecks {
        InvalidSetting.require(maxDrop == null || validation != null, Setting.MAX_DROP.ref() + " needs "
                + Setting.VALIDATION.ref() + ": the written model is judged on validation rows the original never saw");
        InvalidSetting.require(maxDrop == null || maxDrop > 0 && Double.isFinite(maxDrop), Setting.MAX_DROP.ref()
                + " must be a positive number, got " + maxDrop);
        csv = csv == null ? CsvReading.DEFAULT : csv;
        device = device == null ? Device.CPU : device;
    }

    /** Whether any rows check the written model. */
    public boolean any() {
        return eval != null || validation != null;
    }
}
