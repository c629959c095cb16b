package org.odf2nna.method;

import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/**
 * The rows a retraining reads, loaded once through the model's prefix and split once into training and validation
 * rows (or given a validation file, kept apart from them). Its own room: loading and splitting are done before any
 * network is retrained, and only once for all of them.
 */
final class RetrainingRows {

    private RetrainingRows() {
    }

    /**
     * {training, validation} rows as shrink and sweep load them: both in memory ({@code inMemory}), or, when the
     * training rows are too many to hold ({@link TrainingRows#heldValues}), the training rows on disk ({@code onDisk})
     * with the validation file's rows ({@code validationFile}, or null: held out of the rows on disk as they stream).
     */
    record Parts(TrainingData[] inMemory, TrainingRows.Loaded onDisk, TrainingData validationFile) {

        static Parts of(TrainingData training, TrainingData validation) {
            return new Parts(new TrainingData[] {training, validation}, null, null);
        }

        /** Deletes the rows on disk, when the parts will not be prepared after all. */
        void discard() {
            if (onDisk != null) {
                onDisk.onDisk().close();
            }
        }
    }

    /** The rows {@code rows} and the options name, the training rows streamed from disk when many (see {@link Parts}). */
    static Parts loadParts(OnnxDenseModel model, RetrainOptions retrain, Task task, EvalData rows, Device device,
            Progress progress) {
        TrainingRows.Loaded all = TrainingRows.loadStreamable(model, rows, task, device, progress);
        if (all.onDisk() == null) {
            TrainingData[] parts = parts(model, all.inMemory(), retrain, task, rows, device, progress);
            return new Parts(parts, null, null);
        }
        if (retrain.validation() == null) {
            return new Parts(null, all, null);
        }
        try {
            // Kept apart from the rows held (in memory, the rest on disk): the check counts overlaps among those.
            TrainingData first = StreamedTraining.head(all.onDisk(), (int) Math.min(Integer.MAX_VALUE,
                    TrainingRows.heldValues() / (all.width() + 1)));
            return new Parts(null, all, validationFile(model, first, retrain, task, rows, device, progress));
        } catch (RuntimeException e) {
            all.onDisk().close();
            throw e;
        }
    }

    /** The {training, validation} rows {@code rows} and the options name, read through the model's prefix. */
    static TrainingData[] load(OnnxDenseModel model, RetrainOptions retrain, Task task, EvalData rows, Device device,
            Progress progress) {
        TrainingData all = TrainingRows.load(model, rows, task, device, progress);
        return parts(model, all, retrain, task, rows, device, progress);
    }

    /**
     * {training, validation} rows: the seeded split of the training rows, or, when validation rows are given as a
     * file, every training row and that file's rows (read with the same columns as {@code like}).
     */
    static TrainingData[] parts(OnnxDenseModel model, TrainingData all, RetrainOptions retrain, Task task,
            EvalData like, Device device, Progress progress) {
        if (retrain.validation() == null) {
            return split(all, retrain.retraining(), retrain.origin());
        }
        return new TrainingData[] {all, validationFile(model, all, retrain, task, like, device, progress)};
    }

    /** The validation file's rows, checked kept apart from the training rows {@code all}. */
    private static TrainingData validationFile(OnnxDenseModel model, TrainingData all, RetrainOptions retrain,
            Task task, EvalData like, Device device, Progress progress) {
        EvalData rows = new EvalData(retrain.validation(), like.columns(), like.inferenceBatch()).forModel(model);
        TrainingData validation = TrainingRows.load(model, rows, task, device, progress);
        if (validation.rows() == 0) {
            throw new InputException(retrain.validation(), null, "has no data rows to validate on");
        }
        ValidationLeakCheck.check(retrain.train(), ValidationLeakCheck.rows(all), retrain.validation(), ValidationLeakCheck.rows(validation), progress);
        return validation;
    }

    /** The seeded split into {training, validation} rows that retraining uses. */
    static TrainingData[] split(TrainingData all, RetrainSettings retrain, RowsOrigin origin) {
        if (all.rows() < 2) {
            throw origin.inTraining(null, "has " + all.rows() + " row; training needs at least 2 "
                    + "(some are held out for validation)");
        }
        return all.split(retrain.validationShare(), retrain.seed());
    }
}
