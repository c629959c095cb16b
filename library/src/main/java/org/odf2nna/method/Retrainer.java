package org.odf2nna.method;

import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.prune.RowSource;
import org.odf2nna.report.Retraining;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.Conditioning;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingData;
import org.odf2nna.tf.TrainingResult;
import org.odf2nna.tf.TrainingSet;
import org.odf2nna.tf.StreamedRows;

/**
 * The paper's light retraining of a pruned network: the training rows are loaded once (through the
 * model's prefix), split once into training and validation rows ({@link RetrainingRows}), and every pruned network
 * starts from its pruned, bias-folded weights. It is set up by {@link RetrainingSetup}, keeps the teacher's outputs
 * in {@link TeacherOutputs}, and judges networks through {@link RetrainingJudge}; this class holds the retraining
 * itself (epochs, early stopping) and the variants of its rows (fewer inputs, watched training rows, clipped inputs).
 */
final class Retrainer {

    /** The rows it trains on, watches and judges on ({@link Rows}). */
    private final Rows rows;
    private final Conditioning conditioning;
    private final Loss loss;
    private final TrainingOptions options;
    private final Settings settings;
    /** How much the teacher guides training (its soft targets for the training rows are in {@link Rows#train}). */
    private final Distillation distillation;
    /** How networks are judged on these rows. */
    private final RetrainingJudge judging;

    /**
     * The settings that do not depend on the network trained: the report's rows and steps ({@link Retraining}), and
     * {@code trainingRange}, the per-column range of the training part as the chain reads it, in the model's
     * coordinates.
     */
    record Settings(Retraining.Rows rows, Retraining.Steps steps, String signal, boolean validationLabelled,
            org.odf2nna.network.InputRange trainingRange, float[] targetRange) {
    }

    /**
     * The rows a retraining reads: it trains on {@code train}, watches {@code validation} (named {@code watchedRows})
     * to keep the best epoch and stop early, and {@code judge} is what the rounds are judged on ({@code clipped}: as
     * the candidates read them).
     *
     * @param train         the rows retraining steps on, in training coordinates: in memory, or streamed from disk
     *                      when many
     * @param validation    the rows retraining watches to pick its epoch: the judged rows, unless
     *                      {@link #watchingTraining} put training rows there
     * @param judge         the rows choices are judged on ({@link RetrainingJudge#bound}): the validation rows
     * @param watchedRows   what {@code validation} holds, for the report: "validation" or "training" ("agreement" only
     *                      in reports of earlier versions, see TrainingSummary)
     * @param clipped       the judged rows as each candidate reads them: {@code judge}, or with inputs clipped
     *                      ({@link #clipping})
     * @param teacherLogits the teacher's outputs on the training rows, or null (see
     *                      {@link TeacherOutputs.TeacherLogits})
     * @param watchedAt     where the watched rows ({@code validation}, when {@link #watchingTraining} drew them) lie
     *                      among the training rows, ascending; null when they are the validation rows or where that
     *                      is not known
     */
    record Rows(TrainingSet train, TrainingData validation, TrainingData judge, String watchedRows,
            TrainingData clipped, TeacherOutputs.TeacherLogits teacherLogits, int[] watchedAt) {
        Rows(TrainingSet train, TrainingData validation, TrainingData judge, String watchedRows) {
            this(train, validation, judge, watchedRows, judge, null, null);
        }

        Rows(TrainingSet train, TrainingData validation, TrainingData judge, String watchedRows,
                TrainingData clipped) {
            this(train, validation, judge, watchedRows, clipped, null, null);
        }

        /** The same rows, the candidates reading the judged ones as {@code value}. */
        Rows withClipped(TrainingData value) {
            return new Rows(train, validation, judge, watchedRows, value, teacherLogits, watchedAt);
        }
    }

    Retrainer(Rows rows, Conditioning conditioning, Loss loss, TrainingOptions options, Settings settings,
            Distillation distillation) {
        this.rows = rows;
        this.conditioning = conditioning;
        this.loss = loss;
        this.options = options;
        this.settings = settings;
        this.distillation = distillation;
        this.judging = new RetrainingJudge(rows, conditioning, loss, settings);
    }

    /** Deletes the file of training rows when they stream from disk (a run's temporary folder goes at its end anyway). */
    void release() {
        if (rows.train() instanceof StreamedRows streamed) {
            streamed.close();
        }
    }

    /** Whether the training rows stream from disk. */
    boolean streams() {
        return rows.train() instanceof StreamedRows;
    }

    /** Rows per batch handed to least-squares compensation. */
    private static final int FIT_BATCH = 1024;

    /**
     * The training part of the split as the model's chain input (the validation rows held out, so that choices made
     * on them judge a refit that never saw them), for least-squares compensation. The rows are held in training
     * coordinates; each batch is mapped back.
     */
    RowSource fittingRows() {
        return fittingRows(rows.train().rows());
    }

    /** The first {@code maxRows} rows of {@link #fittingRows()}. */
    RowSource fittingRows(int maxRows) {
        return consumer -> rows.train().inOrder(FIT_BATCH, maxRows, (x, targets, soft, n) -> consumer.accept(
                conditioning.toModelInputs(x, 0, n), n));
    }

    /** How many rows {@link #fittingRows} gives. */
    int fittingRowCount() {
        return rows.train().rows();
    }

    /** How many rows {@link #fittingRows(int)} gives. */
    int fittingRowCount(int maxRows) {
        return Math.min(maxRows, rows.train().rows());
    }

    /** Where the runtimes compute (the least-squares sums of the rounds included). */
    Device device() {
        return options.device();
    }

    /** Epochs each retraining runs at most (0: the pruned weights are kept as they are). */
    int epochs() {
        return settings.steps().epochs();
    }

    /** The same retraining with another number of epochs. */
    Retrainer withEpochs(int epochs, String source) {
        TrainingOptions o = new TrainingOptions(epochs, options.batchSize(), options.learningRate(), options.seed(),
                options.patience(), options.device());
        Settings t = settings;
        Settings withEpochs = new Settings(t.rows(), t.steps().withEpochs(epochs, source), t.signal(),
                t.validationLabelled(), t.trainingRange(), t.targetRange());
        return new Retrainer(rows,
                conditioning, loss, o,
                withEpochs, distillation);
    }

    /**
     * The per-column range of the rows retraining trains on, at the chain's input over all the original's columns
     * (null without rows).
     */
    org.odf2nna.network.InputRange trainingRange() {
        return settings.trainingRange();
    }

    /** Why retraining runs as many epochs as it does. */
    String epochsSource() {
        return settings.steps().epochsSource();
    }

    /** The settings for the report, with {@code original}'s metric on the validation rows. */
    Retraining settings(DenseNetwork original) {
        return new Retraining(settings.rows(), settings.steps(), validationMetric(original), settings.signal());
    }

    /**
     * The same retraining for a network that reads only the given inputs (feature selection): the rows keep
     * those columns, and the conditioning is the one those columns alone would get.
     */
    Retrainer keepInputs(int[] kept) {
        TrainingData judge = rows.judge();
        TrainingData watch = rows.validation().keepColumns(kept);
        TrainingData judged = judge == rows.validation() ? watch : judge.keepColumns(kept);
        TrainingData clipped = rows.clipped() == judge ? judged : rows.clipped().keepColumns(kept);
        // The teacher reads every input: its outputs are no longer this retrainer's to reuse.
        return new Retrainer(new Rows(rows.train().keepColumns(kept), watch, judged, rows.watchedRows(), clipped, null,
                rows.watchedAt()), conditioning.keepInputs(kept),
                loss, options,
                settings, distillation);
    }

    /**
     * The same retraining watching a seeded sample of at most {@code rows} training rows instead of the validation
     * rows: epochs are picked there and the search judged there ({@link #watchedChange}), so that the validation rows
     * are only looked at by {@link #bound}. Returns this retrainer when it has already set rows apart.
     */
    Retrainer watchingTraining(int count) {
        if (rows.judge() != rows.validation()) {
            return this;
        }
        TrainingData watch = rows.train().sample(count, options.seed());
        return new Retrainer(new Rows(rows.train(), watch, rows.validation(), "training", rows.clipped(),
                rows.teacherLogits(), rows.train().sampleRows(count, options.seed())), conditioning, loss, options,
                settings, distillation);
    }

    /**
     * The same retraining judging every candidate on the validation rows with each input held to {@code range} (the
     * chain's input in the model's coordinates), the original still on the rows as they are: the clip the written model
     * holds in front of its chain. The bounds are mapped into the training coordinates by the same conditioning as the
     * rows, which preserves order, so the clipped rows are exactly the conditioned clipped ones.
     */
    Retrainer clipping(org.odf2nna.network.InputRange range) {
        TrainingData judge = rows.judge();
        int width = judge.width();
        float[] bounds = new float[2 * width];
        System.arraycopy(range.min(), 0, bounds, 0, width);
        System.arraycopy(range.max(), 0, bounds, width, width);
        TrainingData conditioned = conditioning.apply(new TrainingData(bounds, new float[2], 2, width));
        float[] lo = java.util.Arrays.copyOfRange(conditioned.inputs(), 0, width);
        float[] hi = java.util.Arrays.copyOfRange(conditioned.inputs(), width, 2 * width);
        float[] held = new org.odf2nna.network.InputRange(lo, hi, range.rows()).clip(judge.inputs(), judge.rows());
        TrainingData clippedRows = new TrainingData(held, judge.targets(), judge.rows(), width);
        return new Retrainer(rows.withClipped(clippedRows),
                conditioning, loss,
                options, settings, distillation);
    }

    /** Rows choices are judged on. */
    int validationRows() {
        return rows.judge().rows();
    }

    /** Whether the task is regression (the loss is the MSE). */
    boolean regression() {
        return loss == Loss.MEAN_SQUARED_ERROR;
    }

    /** The judged rows in the model's coordinates ({@link RetrainingJudge#judgedInModelCoordinates}). */
    TrainingData judgedInModelCoordinates() {
        return judging.judgedInModelCoordinates();
    }

    /** How far {@code candidate} moved on the watched rows ({@link RetrainingJudge#watchedChange}). */
    double watchedChange(RetrainingJudge.Reference reference, DenseNetwork candidate) {
        return judging.watchedChange(reference, candidate);
    }

    /** What {@code candidate} lost on the watched rows ({@link RetrainingJudge#watchedLoss}). */
    double watchedLoss(RetrainingJudge.Reference reference, DenseNetwork candidate) {
        return judging.watchedLoss(reference, candidate);
    }

    /** {@code original}'s outputs on this retrainer's rows ({@link RetrainingJudge#reference}). */
    RetrainingJudge.Reference reference(DenseNetwork original) {
        return judging.reference(original);
    }

    /** {@code network}'s outputs on the watched rows only ({@link RetrainingJudge#watchedReference}). */
    RetrainingJudge.Reference watchedReference(DenseNetwork network) {
        return judging.watchedReference(network);
    }

    /** How far {@code candidate} is from {@code original} ({@link RetrainingJudge#changeFrom}). */
    double changeFrom(DenseNetwork original, DenseNetwork candidate) {
        return judging.changeFrom(original, candidate);
    }

    /** {@link #changeFrom(DenseNetwork, DenseNetwork)} against outputs computed before. */
    double changeFrom(RetrainingJudge.Reference reference, DenseNetwork candidate) {
        return judging.changeFrom(reference, candidate);
    }

    /** A round's change and watched loss in one ({@link RetrainingJudge#moved}). */
    RetrainingJudge.Moved moved(RetrainingJudge.Reference reference, DenseNetwork network, DenseNetwork judged) {
        return judging.moved(reference, network, judged);
    }

    /** Agreement with the validation labels beyond chance ({@link RetrainingJudge#validationChance}). */
    org.odf2nna.metrics.ChanceAgreement validationChance(DenseNetwork network) {
        return judging.validationChance(network);
    }

    /** Whether the validation rows have targets of their own (else they hold the original's predictions). */
    boolean validationLabelled() {
        return judging.validationLabelled();
    }

    /** The loss bound of {@code candidate} against {@code original} ({@link RetrainingJudge#bound}). */
    LossBound bound(DenseNetwork original, DenseNetwork candidate, double tolerance) {
        return judging.bound(original, candidate, tolerance);
    }

    /** {@link #bound(DenseNetwork, DenseNetwork, double)} against outputs computed before. */
    LossBound bound(RetrainingJudge.Reference reference, DenseNetwork candidate, double tolerance) {
        return judging.bound(reference, candidate, tolerance);
    }

    /** {@link #bound(RetrainingJudge.Reference, DenseNetwork, double)} at another level (0.05 for 95%). */
    LossBound bound(RetrainingJudge.Reference reference, DenseNetwork candidate, double tolerance, double level) {
        return judging.bound(reference, candidate, tolerance, level);
    }

    /** The same for the promise {@code reading} speaks of. */
    LossBound bound(RetrainingJudge.Reference reference, DenseNetwork candidate, double tolerance, double level,
            org.odf2nna.metrics.ChainCertificate.Reading reading) {
        return judging.bound(reference, candidate, tolerance, level, reading);
    }

    /** Regression: the training targets' range the judge clips outputs to ({@link RetrainingJudge#targetRange}). */
    org.odf2nna.metrics.BoundedRegression.Range targetRange() {
        return judging.targetRange();
    }

    /** Regression: the training targets' range {lo, hi} in the model's units, the clip the written model holds. */
    float[] outputRange() {
        return judging.outputRange();
    }

    /** Regression: the first validation row outside the training targets' range, or null. */
    double[] targetOutsideRange() {
        return judging.targetOutsideRange();
    }

    /** A network's metric on the validation rows: accuracy, or MSE in target units. */
    double validationMetric(DenseNetwork network) {
        return judging.validationMetric(network);
    }

    /**
     * A short fine-tune of {@code pruned} as a fitness: {@code epochs} epochs on the training rows, and the
     * best validation figure seen (the pruned weights competing as epoch 0), as accuracy, or as minus the
     * mean squared error in target units, so that higher is always better.
     */
    double fineTunedFitness(DenseNetwork pruned, int epochs) {
        TrainingOptions brief = new TrainingOptions(epochs, options.batchSize(), options.learningRate(),
                options.seed(), 0, options.device());
        TrainingResult result = DenseTrainer.train(conditioning.toTraining(pruned), rows.train(), rows.validation(),
                loss, brief, distillation, (epoch, total) -> { });
        double best = result.history().get(result.bestEpoch()).validationMetric();
        return loss == Loss.MEAN_SQUARED_ERROR ? -conditioning.mseInTargetUnits(best) : best;
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
        return retrain(pruned, label, progress, options);
    }

    private Outcome retrain(DenseNetwork pruned, String label, Progress progress, TrainingOptions options) {
        boolean regression = loss == Loss.MEAN_SQUARED_ERROR;
        String metric = regression ? "mse" : "accuracy";
        String watched = rows.watchedRows();
        TrainingResult result = DenseTrainer.train(conditioning.toTraining(pruned), rows.train(), rows.validation(),
                loss, options, distillation, (epoch, total) -> progress.update("retraining " + label, epoch.epoch(),
                        total,
                        // Epoch 0 is the start, before any training step: it has no training loss yet.
                        String.format(Locale.ROOT, "epoch %d/%d, %s%s %s %.4g", epoch.epoch(), total,
                                Double.isNaN(epoch.trainLoss()) ? "" : String.format(Locale.ROOT, "loss %.4g, ",
                                        epoch.trainLoss()), TrainingSummary.rowsInWords(watched),
                                metric, figure(epoch.validationMetric(), regression))));
        progress.done("retraining " + label);
        TrainingResult.Epoch before = result.history().get(0);
        TrainingResult.Epoch kept = result.history().get(result.bestEpoch());
        // Epoch 0 kept: return the pruned network itself, not its round trip through the coordinates.
        DenseNetwork network = result.bestEpoch() == 0 ? pruned : conditioning.toModel(result.network());
        return new Outcome(network, new TrainingSummary(result.epochsRun(), result.bestEpoch(),
                new TrainingSummary.Figures(figure(before.validationMetric(), regression),
                        figure(kept.validationMetric(), regression), metric, before.validationLoss(),
                        kept.validationLoss()), Double.NaN, watched));
    }

    private double figure(double metric, boolean regression) {
        return regression ? conditioning.mseInTargetUnits(metric) : metric;
    }

    record Outcome(DenseNetwork network, TrainingSummary summary) {
    }
}
