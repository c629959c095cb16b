package org.odf2nna.method;

import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.report.Retraining;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.Conditioning;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.StreamedRows;
import org.odf2nna.tf.TrainingData;
import org.odf2nna.tf.TrainingSet;

/**
 * How a {@link Retrainer} is set up from its rows: the teacher's labels and soft targets, the coordinates training
 * works in ({@link Conditioning}), the options and the report's settings. Its own room: everything decided once,
 * before the first network is retrained.
 */
final class RetrainingSetup {

    private RetrainingSetup() {
    }

    static Retrainer prepare(OnnxDenseModel model, RetrainOptions retrain, Task task, EvalData rows, Device device,
            Progress progress) {
        return prepare(model, retrain, task, RetrainingRows.loadParts(model, retrain, task, rows, device, progress),
                device);
    }

    /** Training on rows already in memory (the chain's inputs and the targets), without a teacher. */
    static Retrainer of(TrainingData all, RetrainOptions retrain, RetrainSettings.Epochs epochs, Loss loss,
            OutputHead head, Device device) {
        RowsOrigin origin = retrain.origin();
        if (!TrainingRows.labelled(all)) {
            throw origin.inTraining("line 1", "has no target column to train on");
        }
        return of(RetrainingRows.split(all, retrain.retraining(), origin),
                retrain.retraining().withDistillation(Distillation.NONE),
                origin, epochs, new Objective(loss, head, null), true, device, null);
    }

    /**
     * Training from scratch on rows as {@link TrainingRows#loadRaw} loads them, without a teacher: in memory as
     * {@link #of(TrainingData, RetrainOptions, RetrainSettings.Epochs, Loss, OutputHead, Device)}, or on disk, streamed
     * ({@link StreamedTraining}: the validation rows held out as they pass, the rest read a window at a time each
     * epoch) and deleted when the retraining is {@link Retrainer#release}d.
     *
     * @param initial the network trained (its head; it labels nothing, the rows have targets)
     */
    static Retrainer of(TrainingRows.Loaded all, RetrainOptions retrain, RetrainSettings.Epochs epochs, Loss loss,
            DenseNetwork initial, Device device) {
        if (all.onDisk() == null) {
            return of(all.inMemory(), retrain, epochs, loss, initial.head(), device);
        }
        StreamedTraining.Plan plan = new StreamedTraining.Plan(retrain.retraining().withDistillation(
                Distillation.NONE), epochs, retrain.origin(), loss, initial, true, device);
        return StreamedTraining.prepare(all.onDisk(), true, null, plan);
    }

    /**
     * Retraining of {@code model}'s pruned networks on rows already loaded and split (see
     * {@link RetrainingRows#split}); the original network is the teacher when the options distil. Rows without
     * targets (a training file of the model's input columns only) are labelled by the teacher (its predicted class,
     * or its output) and trained on the teacher alone; without distillation they are refused.
     */
    static Retrainer prepare(OnnxDenseModel model, RetrainOptions retrain, Task task, TrainingData[] parts,
            Device device) {
        return prepare(model.network(), RecordedEpochs.of(model), retrain.retraining(), retrain.origin(), task, parts,
                device);
    }

    /** The same for rows loaded by {@link RetrainingRows#loadParts}. */
    static Retrainer prepare(OnnxDenseModel model, RetrainOptions retrain, Task task, RetrainingRows.Parts parts,
            Device device) {
        return prepare(model.network(), RecordedEpochs.of(model), retrain.retraining(), retrain.origin(), task, parts,
                device);
    }

    /**
     * The same for a network in memory, on rows loaded by {@link RetrainingRows#loadParts}: those on disk stream
     * ({@link StreamedTraining}), and are deleted when the retraining is {@link Retrainer#release}d.
     */
    static Retrainer prepare(DenseNetwork teacher, String recordedEpochs, RetrainSettings retrain, RowsOrigin origin,
            Task task, RetrainingRows.Parts parts, Device device) {
        if (parts.onDisk() == null) {
            return prepare(teacher, recordedEpochs, retrain, origin, task, parts.inMemory(), device);
        }
        TrainingRows.Loaded loaded = parts.onDisk();
        try {
            RetrainSettings.Epochs epochs = retrain.epochs(recordedEpochs);
            Loss loss = Loss.forTask(task, teacher.outputs());
            boolean unlabelled = !loaded.labelled();
            if (unlabelled && !retrain.distillation().usesTeacher()) {
                throw origin.inTraining("line 1", "has no target column: retraining on the targets "
                        + "alone needs one (distillation from the original network trains without targets)");
            }
            RetrainSettings settings = unlabelled ? retrain.withDistillation(retrain.distillation().teacherOnly())
                    : retrain;
            TrainingData validationFile = parts.validationFile() == null ? null
                    : TeacherOutputs.labelByTeacher(parts.validationFile(), teacher, loss);
            boolean validationLabelled = parts.validationFile() != null ? TrainingRows.labelled(parts.validationFile())
                    : loaded.labelled();
            StreamedTraining.Plan plan = new StreamedTraining.Plan(settings, epochs, origin, loss, teacher,
                    validationLabelled, device);
            return StreamedTraining.prepare(loaded.onDisk(), loaded.labelled(), validationFile, plan);
        } finally {
            loaded.onDisk().close();
        }
    }

    /**
     * The same for a network in memory ({@code recordedEpochs}: the original's epochs as text, or null), its rows
     * named as {@code origin} says.
     */
    static Retrainer prepare(DenseNetwork teacher, String recordedEpochs, RetrainSettings retrain, RowsOrigin origin,
            Task task, TrainingData[] parts, Device device) {
        return prepare(teacher, recordedEpochs, retrain, origin, task, parts, device, null);
    }

    /** The same, in {@code conditioning}'s coordinates (null: standardised on the training rows). */
    private static Retrainer prepare(DenseNetwork teacher, String recordedEpochs, RetrainSettings retrain,
            RowsOrigin origin, Task task, TrainingData[] parts, Device device, Conditioning conditioning) {
        RetrainSettings.Epochs epochs = retrain.epochs(recordedEpochs);
        Loss loss = Loss.forTask(task, teacher.outputs());
        boolean unlabelled = !TrainingRows.labelled(parts[0]);
        if (unlabelled && !retrain.distillation().usesTeacher()) {
            throw origin.inTraining("line 1", "has no target column: retraining on the targets "
                    + "alone needs one (distillation from the original network trains without targets)");
        }
        RetrainSettings settings = unlabelled ? retrain.withDistillation(retrain.distillation().teacherOnly())
                : retrain;
        TrainingData[] labelled = {TeacherOutputs.labelByTeacher(parts[0], teacher, loss),
            TeacherOutputs.labelByTeacher(parts[1], teacher, loss)};
        return of(labelled, settings, origin, epochs, new Objective(loss, teacher.head(),
                settings.distillation().usesTeacher() ? teacher : null), TrainingRows.labelled(parts[1]), device,
                conditioning);
    }

    /**
     * Retraining of {@code teacher}'s pruned networks on {@code training}, rows in memory, in the model's own
     * coordinates (no standardisation: what the facade's in-memory shrink and retrain have always done): the task is
     * the teacher's, the rows are split by the settings' share and seed, and rows without targets train on the teacher
     * alone whatever the distillation says.
     */
    static Retrainer inModelCoordinates(DenseNetwork teacher, RetrainSettings retrain, TrainingData training,
            Device device) {
        RetrainSettings settings = TrainingRows.labelled(training) ? retrain
                : retrain.withDistillation(retrain.distillation().teacherOnly());
        // Split without RetrainingRows.split()'s two-row minimum: a network in memory has always retrained on any
        // rows given.
        TrainingData[] parts = training.split(settings.validationShare(), settings.seed());
        return prepare(teacher, null, settings, RowsOrigin.IN_MEMORY, Task.givenOrInferred(null, teacher), parts,
                device, Conditioning.identity(training.width()));
    }

    /** What retraining fits: the loss, the output head, and the teacher whose outputs it also follows (or null). */
    private record Objective(Loss loss, OutputHead head, DenseNetwork teacher) {
    }

    private static Retrainer of(TrainingData[] parts, RetrainSettings retrain, RowsOrigin origin,
            RetrainSettings.Epochs epochs, Objective objective, boolean validationLabelled, Device device,
            Conditioning given) {
        Loss loss = objective.loss();
        OutputHead head = objective.head();
        DenseNetwork teacher = objective.teacher();
        TrainingOptions options = new TrainingOptions(epochs.count(), retrain.batchSize(), retrain.learningRate(),
                retrain.seed(), retrain.patience(), device);
        String source = origin.describe();
        Distillation distillation = teacher == null ? Distillation.NONE : retrain.distillation();
        Retrainer.Settings settings = new Retrainer.Settings(
                new Retraining.Rows(source, parts[0].rows(), parts[1].rows()),
                steps(epochs, retrain), signal(distillation, loss), validationLabelled, parts[0].rows() == 0 ? null
                        : org.odf2nna.network.InputRange.of(parts[0].inputs(), parts[0].rows(), parts[0].width()),
                targetRange(parts[0]));
        Conditioning conditioning = given != null ? given : RAW_COORDINATES ? Conditioning.identity(parts[0].width())
                : Conditioning.fit(parts[0], loss, head);
        TrainingData train = conditioning.apply(parts[0]);
        float[] soft = null;
        TeacherOutputs.TeacherLogits kept = null;
        if (teacher != null) {
            // The teacher's outputs before its head, in the coordinates the trainer works in, computed once.
            DenseNetwork conditioned = conditioning.toTraining(teacher);
            DenseNetwork logits = new DenseNetwork(conditioned.prefix(), conditioned.layers(), OutputHead.NONE);
            float[] onTraining = TeacherOutputs.forward(logits, train.inputs(), train.rows());
            soft = DenseTrainer.softTargets(onTraining, train.rows(), teacher.outputs(), loss,
                    distillation.temperature());
            kept = Int8Quantization.integerKernels(teacher) ? null
                    : new TeacherOutputs.TeacherLogits(teacher, onTraining);
        }
        TrainingData validation = conditioning.apply(parts[1]);
        return new Retrainer(new Retrainer.Rows(
                TrainingSet.inMemory(train, soft, teacher == null ? 0 : teacher.outputs()),
                validation, validation, "validation", validation, kept, null), conditioning, loss, options, settings,
                distillation);
    }

    /**
     * Retraining on rows streamed from disk ({@link StreamedTraining} prepared them): {@code train} in training
     * coordinates with the teacher's soft targets, {@code validation} in the model's coordinates, labelled.
     *
     * @param range       the per-column range of the training rows in the model's coordinates
     * @param targetRange the training targets' {lo, hi} in the model's units
     */
    static Retrainer streamed(StreamedRows train, TrainingData validation, Conditioning conditioning,
            StreamedTraining.Plan plan, org.odf2nna.network.InputRange range, float[] targetRange) {
        RetrainSettings retrain = plan.settings();
        RetrainSettings.Epochs epochs = plan.epochs();
        TrainingOptions options = new TrainingOptions(epochs.count(), retrain.batchSize(), retrain.learningRate(),
                retrain.seed(), retrain.patience(), plan.device());
        Distillation distillation = plan.teacher() == null ? Distillation.NONE : retrain.distillation();
        Retrainer.Settings settings = new Retrainer.Settings(new Retraining.Rows(plan.origin().describe(), train.rows(),
                validation.rows()), steps(epochs, retrain), signal(distillation, plan.loss()),
                plan.validationLabelled(), range, targetRange);
        TrainingData conditioned = conditioning.apply(validation);
        return new Retrainer(new Retrainer.Rows(train, conditioned, conditioned, "validation"), conditioning,
                plan.loss(),
                options, settings, distillation);
    }

    /** How a retraining of {@code epochs} with {@code retrain}'s batch size, learning rate and seed steps. */
    private static Retraining.Steps steps(RetrainSettings.Epochs epochs, RetrainSettings retrain) {
        return new Retraining.Steps(epochs.count(), epochs.source(), retrain.batchSize(), retrain.learningRate(),
                retrain.seed());
    }

    /** What retraining trains towards, in words for the report. */
    private static String signal(Distillation d, Loss loss) {
        if (!d.usesTeacher()) {
            return "the targets";
        }
        String teacher = loss == Loss.MEAN_SQUARED_ERROR ? "the original network's outputs"
                : "the original network's probabilities at temperature " + ReportFormat.number(d.temperature());
        if (d.hardWeight() == 0) {
            return teacher + " only (distillation)";
        }
        return teacher + " (weight " + ReportFormat.number(1 - d.hardWeight()) + ") and the targets (weight "
                + ReportFormat.number(d.hardWeight()) + ")";
    }

    /**
     * Set the system property {@code odf2nna.retrain.rawCoordinates=true} to train in the model's own coordinates,
     * without standardising inputs and regression targets: only to measure what the standardisation buys (README,
     * "Compensation"), never a better choice.
     */
    static final boolean RAW_COORDINATES = Boolean.getBoolean("odf2nna.retrain.rawCoordinates");

    /** The range {lo, hi} of {@code rows}' targets in the model's units, or null without rows. */
    private static float[] targetRange(TrainingData rows) {
        if (rows.rows() == 0) {
            return null;
        }
        org.odf2nna.metrics.BoundedRegression.Range r = org.odf2nna.metrics.BoundedRegression.trainingRange(
                rows.targets(), rows.rows());
        return new float[] {(float) r.lo(), (float) r.hi()};
    }
}
