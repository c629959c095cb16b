package org.odf2nna.method;

import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.metrics.Task;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;
import org.odf2nna.prune.RowSource;
import org.odf2nna.report.Retraining;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.tf.Conditioning;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingData;
import org.odf2nna.tf.TrainingOptions;
import org.odf2nna.tf.TrainingResult;

/**
 * The paper's light retraining of a pruned network: the training rows are loaded once (through the
 * model's prefix), split once into training and validation rows, and every pruned network starts from
 * its pruned, bias-folded weights.
 */
final class Retrainer {

    private final TrainingData train;
    private final TrainingData validation;
    private final Conditioning conditioning;
    private final Loss loss;
    private final TrainingOptions options;
    private final Settings settings;

    /** The settings that do not depend on the network trained. */
    private record Settings(String trainData, int trainRows, int validationRows, int epochs, String epochsSource,
            int batchSize, double learningRate, long seed) {
    }

    private Retrainer(TrainingData train, TrainingData validation, Conditioning conditioning, Loss loss,
            TrainingOptions options, Settings settings) {
        this.train = train;
        this.validation = validation;
        this.conditioning = conditioning;
        this.loss = loss;
        this.options = options;
        this.settings = settings;
    }

    static Retrainer prepare(OnnxDenseModel model, RetrainOptions retrain, Task task, int inferenceBatch,
            Device device, Progress progress) {
        EvalData rows = new EvalData(retrain.train(), ColumnRequest.of(-1, null, ColumnRequest.Target.REQUIRED),
                inferenceBatch).forModel(model);
        return prepare(model, retrain, task, rows, device, progress);
    }

    static Retrainer prepare(OnnxDenseModel model, RetrainOptions retrain, Task task, EvalData rows, Device device,
            Progress progress) {
        TrainingData all = TrainingRows.load(model, rows, task, device, progress);
        return prepare(model, retrain, task, parts(model, all, retrain, task, rows, device, progress));
    }

    /**
     * {training, validation} rows: the seeded split of the training rows, or, when {@code --validation} names a
     * file, every training row and that file's rows (read with the same columns as {@code like}).
     */
    static TrainingData[] parts(OnnxDenseModel model, TrainingData all, RetrainOptions retrain, Task task,
            EvalData like, Device device, Progress progress) {
        if (retrain.validation() == null) {
            return split(all, retrain);
        }
        EvalData rows = new EvalData(retrain.validation(), like.columns(), like.batchSize()).forModel(model);
        TrainingData validation = TrainingRows.load(model, rows, task, device, progress);
        if (validation.rows() == 0) {
            throw new InputException(retrain.validation(), null, "has no data rows to validate on");
        }
        return new TrainingData[] {all, validation};
    }

    /** Training on rows already in memory (the chain's inputs and the targets). */
    static Retrainer of(TrainingData all, RetrainOptions retrain, RetrainOptions.Epochs epochs, Loss loss,
            OutputHead head) {
        return of(split(all, retrain), retrain, epochs, loss, head);
    }

    /** The seeded split into {training, validation} rows that retraining uses. */
    static TrainingData[] split(TrainingData all, RetrainOptions retrain) {
        if (all.rows() < 2) {
            throw new InputException(retrain.train(), null, "has " + all.rows() + " row; training needs at least 2 "
                    + "(some are held out for validation)");
        }
        return all.split(retrain.validationFraction(), retrain.seed());
    }

    /** Retraining of {@code model}'s pruned networks on rows already loaded and split (see {@link #split}). */
    static Retrainer prepare(OnnxDenseModel model, RetrainOptions retrain, Task task, TrainingData[] parts) {
        RetrainOptions.Epochs epochs = retrain.epochs(metadata(model, RetrainOptions.EPOCHS_METADATA));
        return of(parts, retrain, epochs, Loss.forTask(task, model.network().outputs()), model.network().head());
    }

    private static Retrainer of(TrainingData[] parts, RetrainOptions retrain, RetrainOptions.Epochs epochs, Loss loss,
            OutputHead head) {
        TrainingOptions options = new TrainingOptions(epochs.count(), retrain.batchSize(), retrain.learningRate(),
                retrain.seed(), retrain.patience());
        String source = retrain.validation() == null ? retrain.train().toString()
                : retrain.train() + " (validation: " + retrain.validation() + ")";
        Settings settings = new Settings(source, parts[0].rows(), parts[1].rows(),
                epochs.count(), epochs.source(), retrain.batchSize(), retrain.learningRate(), retrain.seed());
        Conditioning conditioning = RAW_COORDINATES ? Conditioning.identity(parts[0].width())
                : Conditioning.fit(parts[0], loss, head);
        return new Retrainer(conditioning.apply(parts[0]), conditioning.apply(parts[1]), conditioning, loss, options,
                settings);
    }

    /**
     * Set the system property {@code odf2nna.retrain.rawCoordinates=true} to train in the model's own coordinates,
     * without standardising inputs and regression targets: only to measure what the standardisation buys (README,
     * "Compensation"), never a better choice.
     */
    static final boolean RAW_COORDINATES = Boolean.getBoolean("odf2nna.retrain.rawCoordinates");

    /** Rows per batch handed to least-squares compensation. */
    private static final int FIT_BATCH = 1024;

    /**
     * The training part of the split as the model's chain input (the validation rows held out, so that choices made
     * on them judge a refit that never saw them), for least-squares compensation. The rows are held in training
     * coordinates; each batch is mapped back.
     */
    RowSource fittingRows() {
        return consumer -> {
            for (int from = 0; from < train.rows(); from += FIT_BATCH) {
                int n = Math.min(FIT_BATCH, train.rows() - from);
                consumer.accept(conditioning.toModelInputs(train.inputs(), from, n), n);
            }
        };
    }

    /** How many rows {@link #fittingRows} gives. */
    int fittingRowCount() {
        return train.rows();
    }

    /** The settings for the report, with {@code original}'s metric on the validation rows. */
    /** Epochs each retraining runs at most (0: the pruned weights are kept as they are). */
    int epochs() {
        return settings.epochs();
    }

    Retraining settings(DenseNetwork original) {
        Settings s = settings;
        return new Retraining(s.trainData(), s.trainRows(), s.validationRows(), s.epochs(), s.epochsSource(),
                s.batchSize(), s.learningRate(), s.seed(), validationMetric(original));
    }

    /**
     * The same retraining for a network that reads only the given inputs (feature selection): the rows keep
     * those columns, and the conditioning is the one those columns alone would get.
     */
    Retrainer keepInputs(int[] kept) {
        return new Retrainer(train.keepColumns(kept), validation.keepColumns(kept), conditioning.keepInputs(kept), loss,
                options, settings);
    }

    /**
     * A short fine-tune of {@code pruned} as a fitness: {@code epochs} epochs on the training rows, and the
     * best validation figure seen (the pruned weights competing as epoch 0), as accuracy, or as minus the
     * mean squared error in target units, so that higher is always better.
     */
    double fineTunedFitness(DenseNetwork pruned, int epochs) {
        TrainingOptions brief = new TrainingOptions(epochs, options.batchSize(), options.learningRate(),
                options.seed(), 0);
        TrainingResult result = DenseTrainer.train(conditioning.toTraining(pruned), train, validation, loss, brief,
                (epoch, total) -> { });
        double best = result.history().get(result.bestEpoch()).validationMetric();
        return loss == Loss.MEAN_SQUARED_ERROR ? -conditioning.mseInTargetUnits(best) : best;
    }

    /** Rows the fidelity check looks at, at most: enough to resolve a few tenths of a percent. */
    static final int FIDELITY_ROWS = 10_000;

    /**
     * How far {@code candidate}'s predictions are from {@code original}'s on the training rows (validation
     * rows included; at most {@link #FIDELITY_ROWS}): the share of rows whose predicted class differs, or
     * for regression the mean squared difference as a share of the original's MSE. It measures what the
     * candidate changed, which varies much less from sample to sample than its accuracy does.
     */
    double changeFrom(DenseNetwork original, DenseNetwork candidate) {
        DenseNetwork a = conditioning.toTraining(original);
        DenseNetwork b = conditioning.toTraining(candidate);
        double changed = 0;
        double originalError = 0;
        int counted = 0;
        for (TrainingData part : new TrainingData[] {validation, train}) {
            int rows = Math.min(part.rows(), FIDELITY_ROWS - counted);
            if (rows <= 0) {
                break;
            }
            float[] x = java.util.Arrays.copyOf(part.inputs(), rows * part.width());
            float[] pa = a.forward(x, rows);
            float[] pb = b.forward(x, rows);
            int width = original.outputs();
            for (int r = 0; r < rows; r++) {
                if (loss == Loss.MEAN_SQUARED_ERROR) {
                    double d = pa[r] - pb[r];
                    changed += d * d;
                    double e = pa[r] - part.targets()[r];
                    originalError += e * e;
                } else {
                    changed += predictedClass(pa, r, width, original.head()) != predictedClass(pb, r, width,
                            original.head()) ? 1 : 0;
                }
            }
            counted += rows;
        }
        if (counted == 0) {
            return Double.NaN;
        }
        return loss == Loss.MEAN_SQUARED_ERROR ? (originalError > 0 ? changed / originalError : 0) : changed / counted;
    }

    private static int predictedClass(float[] out, int row, int width, OutputHead head) {
        if (width == 1) {
            return (head == OutputHead.SIGMOID ? out[row] > 0.5 : out[row] > 0) ? 1 : 0;
        }
        int best = 0;
        for (int j = 1; j < width; j++) {
            if (out[row * width + j] > out[row * width + best]) {
                best = j;
            }
        }
        return best;
    }

    /** A network's metric on the validation rows: accuracy, or MSE in target units. */
    double validationMetric(DenseNetwork network) {
        DenseNetwork conditioned = conditioning.toTraining(network);
        float[] out = conditioned.forward(validation.inputs(), validation.rows());
        int width = network.outputs();
        double sum = 0;
        for (int r = 0; r < validation.rows(); r++) {
            float target = validation.targets()[r];
            if (loss == Loss.MEAN_SQUARED_ERROR) {
                double d = out[r] - target;
                sum += d * d;
            } else if (width == 1) {
                // Sigmoid head: the output is a probability; without head, a logit.
                boolean positive = network.head() == OutputHead.SIGMOID ? out[r] > 0.5 : out[r] > 0;
                sum += (positive ? 1 : 0) == (int) target ? 1 : 0;
            } else {
                int best = 0;
                for (int j = 1; j < width; j++) {
                    if (out[r * width + j] > out[r * width + best]) {
                        best = j;
                    }
                }
                sum += best == (int) target ? 1 : 0;
            }
        }
        double mean = validation.rows() == 0 ? Double.NaN : sum / validation.rows();
        return loss == Loss.MEAN_SQUARED_ERROR ? conditioning.mseInTargetUnits(mean) : mean;
    }

    /**
     * The network that is {@code inTraining} in this retrainer's training coordinates (standardised inputs
     * and regression targets), expressed in the model's own coordinates. Random initial weights must pass
     * through it: Glorot's scale is meant for the standardised inputs the trainer sees, and drawn for the raw
     * columns instead it would be multiplied by each column's spread once training starts (by thousands for
     * a column like compactiv's, whose spread is 4e5).
     */
    DenseNetwork fromTrainingCoordinates(DenseNetwork inTraining) {
        return conditioning.toModel(inTraining);
    }

    /**
     * Retrains {@code pruned} in well-conditioned coordinates (see {@link Conditioning}); returns the kept
     * network, back in the model's coordinates, and a summary.
     */
    Outcome retrain(DenseNetwork pruned, String label, Progress progress) {
        boolean regression = loss == Loss.MEAN_SQUARED_ERROR;
        String metric = regression ? "mse" : "accuracy";
        TrainingResult result = DenseTrainer.train(conditioning.toTraining(pruned), train, validation, loss, options,
                (epoch, total) -> progress.update("retraining " + label, epoch.epoch(), total,
                        String.format(Locale.ROOT, "epoch %d/%d, loss %.4g, validation %s %.4g", epoch.epoch(), total,
                                epoch.trainLoss(), metric, figure(epoch.validationMetric(), regression))));
        progress.done("retraining " + label);
        TrainingResult.Epoch before = result.history().get(0);
        TrainingResult.Epoch kept = result.history().get(result.bestEpoch());
        // Epoch 0 kept: return the pruned network itself, not its round trip through the coordinates.
        DenseNetwork network = result.bestEpoch() == 0 ? pruned : conditioning.toModel(result.network());
        return new Outcome(network, new TrainingSummary(result.epochsRun(), result.bestEpoch(),
                figure(before.validationMetric(), regression), figure(kept.validationMetric(), regression), metric,
                before.validationLoss(), kept.validationLoss(), Double.NaN));
    }

    private double figure(double metric, boolean regression) {
        return regression ? conditioning.mseInTargetUnits(metric) : metric;
    }

    record Outcome(DenseNetwork network, TrainingSummary summary) {
    }

    static String metadata(OnnxDenseModel model, String key) {
        for (StringStringEntryProto entry : model.model().getMetadataPropsList()) {
            if (entry.getKey().equals(key)) {
                return entry.getValue();
            }
        }
        return null;
    }
}
