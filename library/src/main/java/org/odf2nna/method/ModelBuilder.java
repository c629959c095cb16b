package org.odf2nna.method;

import com.google.gson.Gson;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.io.OutputPaths;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Initialization;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.BuildSummary;
import org.odf2nna.report.NetworkSummary;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.BuildFiles;
import org.odf2nna.settings.BuildSettings;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.Loss;

/**
 * Builds the paper's general model from a CSV: sizes it with eq. 2 ({@link GeneralModel}), initialises
 * it (Glorot uniform, seeded), trains it with TensorFlow Java (Adam, validation split, early stopping,
 * best epoch kept, in standardised coordinates folded back into the weights), and writes it as ONNX
 * with its training settings in the metadata, so later steps can retrain for 15% of its epochs.
 */
public final class ModelBuilder {

    /** Metadata keys written into built models. */
    public static final String FEATURES_METADATA = ModelColumns.FEATURES_KEY;
    public static final String TARGET_METADATA = ModelColumns.TARGET_KEY;

    private ModelBuilder() {
    }

    /**
     * What was built.
     *
     * @param network      the trained general model
     * @param size         its sizing by eq. 2
     * @param task         classification or regression
     * @param training     how training went
     * @param split        how the training rows were split
     * @param columns      the feature columns, in the model's input order, and the target column
     */
    public record Built(DenseNetwork network, GeneralModel size, Task task, TrainingSummary training,
            BuildSummary.Split split, BuildSummary.Columns columns) {

        /** The summary for reports. */
        public BuildSummary summary(BuildFiles files) {
            return new BuildSummary(files.output().toString(), files.train().toString(), task.displayName(),
                    NetworkSummary.of(network), sizing(size, network), split, training, columns);
        }
    }

    static String sizing(GeneralModel size, DenseNetwork network) {
        return String.format(Locale.ROOT, "NU = (NP - NC) / (D + NL*(NC+1)) = (%d - %d) / (%d + %d*(%d+1)) = %.3f -> %d",
                size.budget(), size.outputs(), size.inputs(), size.layers(), size.outputs(), size.exact(),
                network.layer(0).units());
    }

    /** Trains the general model {@code settings} describe on the rows {@code files} names, and writes it. */
    public static Built build(BuildFiles files, BuildSettings settings, Progress progress) {
        return build(new BuildOptions(files, settings.task(), settings.layers(), settings.budget(), settings.units(),
                settings.activation(), new RetrainOptions(files.train(), settings.training())), progress);
    }

    static Built build(BuildOptions options, Progress progress) {
        BuildFiles files = options.files();
        OutputPaths.checkWritable(files.output(), files.train());
        EvalData rows = new EvalData(files.train(), ColumnRequest.of(-1, files.csv().label(),
                ColumnRequest.Target.REQUIRED), files.csv().inferenceBatch());
        TrainingRows.LabelledRows labelled = TrainingRows.loadRaw(rows, progress);
        TrainingRows.Loaded data = labelled.rows();
        Task task;
        int outputs;
        GeneralModel size;
        ScanResult.Sample check;
        try {
            task = options.task() != null ? options.task() : labelled.targets().task();
            outputs = task == Task.CLASSIFICATION ? classes(labelled.targets(), options) : 1;
            size = GeneralModel.size(options.budget() != null ? options.budget() : data.rows(), data.width(),
                    outputs, options.layers());
            // The rows the written file is checked on: the first ones, read before streamed rows are prepared.
            check = sampleRows(data);
        } catch (RuntimeException e) {
            if (data.onDisk() != null) {
                data.onDisk().close();
            }
            throw e;
        }
        int[] widths = size.widths();
        if (options.units() != null) {
            for (int l = 1; l <= options.layers(); l++) {
                widths[l] = options.units();
            }
        }
        OutputHead head = task == Task.CLASSIFICATION ? OutputHead.SOFTMAX : OutputHead.NONE;
        DenseNetwork initial = Initialization.glorotUniform(widths, options.activation(), head,
                options.training().retraining().seed());
        RetrainOptions training = options.training();
        int epochs = training.retraining().epochs();
        // Rows past what memory holds stream from disk, as shrink's, sweep's and evolve's retraining does.
        Retrainer trainer = RetrainingSetup.of(data, training,
                new RetrainSettings.Epochs(epochs, "{{EPOCHS}} " + epochs), Loss.forTask(task, outputs), initial,
                Device.CPU);
        Retrainer.Outcome outcome;
        try {
            // Glorot's weights are drawn for the standardised coordinates the trainer works in.
            outcome = trainer.retrain(trainer.fromTrainingCoordinates(initial), "training", progress);
        } finally {
            trainer.release();
        }
        DenseNetwork network = outcome.network();

        Map<String, String> metadata = new LinkedHashMap<>();
        // Epochs actually run: what "15% of the original epochs" should refer to after early stopping.
        metadata.put(RetrainOptions.EPOCHS_METADATA, Integer.toString(outcome.summary().epochsRun()));
        metadata.put("odf2nna.training.max_epochs", Integer.toString(epochs));
        metadata.put("odf2nna.training.best_epoch", Integer.toString(outcome.summary().bestEpoch()));
        metadata.put("odf2nna.training.batch_size", Integer.toString(training.retraining().batchSize()));
        metadata.put("odf2nna.training.learning_rate", Float.toString(training.retraining().learningRate()));
        metadata.put("odf2nna.training.seed", Long.toString(training.retraining().seed()));
        metadata.put("odf2nna.training.validation_split", Double.toString(training.retraining().validationShare()));
        metadata.put("odf2nna.training.data", options.files().train().getFileName().toString());
        metadata.put("odf2nna.general_model", sizing(size, network));
        metadata.put("odf2nna.task", task.displayName());
        metadata.put(FEATURES_METADATA, new Gson().toJson(labelled.featureNames()));
        metadata.put(TARGET_METADATA, labelled.targetName());
        ModelProto model = OnnxModelBuilder.build(network, "input", "output", metadata);

        check = new ScanResult.Sample(check.features(), check.featureWidth(), check.chainInput(), check.chainWidth(),
                network.forward(check.features(), check.rows()), check.rows());
        ModelWriter.writeOnnx(model, options.files().output(), network, check, Device.CPU, true);
        org.odf2nna.report.Retraining.Rows split = trainer.settings(network).rows();
        return new Built(network, size, task, outcome.summary(), new BuildSummary.Split(split.trainRows(),
                split.validationRows()), new BuildSummary.Columns(labelled.featureNames(), labelled.targetName()));
    }

    /** The first rows (at most {@link ModelScan#SAMPLE_ROWS}), their outputs left to fill in once trained. */
    private static ScanResult.Sample sampleRows(TrainingRows.Loaded data) {
        int rows = Math.min(ModelScan.SAMPLE_ROWS, data.rows());
        float[] sample = data.onDisk() != null ? StreamedTraining.head(data.onDisk(), rows).inputs()
                : java.util.Arrays.copyOf(data.inMemory().inputs(), rows * data.width());
        return new ScanResult.Sample(sample, data.width(), sample, data.width(), null, rows);
    }

    /** Classes of a classification target: its values must be class ids 0..K−1, K ≥ 2. */
    private static int classes(Task.TargetTally targets, BuildOptions options) {
        Task.TargetTally.Target other = targets.firstOther();
        if (other != null) {
            float t = other.value();
            throw new InputException(options.files().train(), "data row " + (other.row() + 1), "target " + t
                    + " is not a class id (0, 1, ..., " + (Task.MAX_CLASSES - 1) + "); use {{TASK}} regression for "
                    + "values");
        }
        if (targets.maxClass() < 1) {
            throw new InputException(options.files().train(), null, "has a single class in its target column; "
                    + "classification needs at least two");
        }
        return targets.maxClass() + 1;
    }
}
