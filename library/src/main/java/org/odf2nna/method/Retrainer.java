package org.odf2nna.method;

import java.util.Locale;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.network.OutputHead;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.prune.RowSource;
import org.odf2nna.report.Retraining;
import org.odf2nna.report.TrainingSummary;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Task;
import org.odf2nna.settings.TrainingOptions;
import org.odf2nna.tf.Conditioning;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingData;
import org.odf2nna.tf.TrainingResult;
import org.odf2nna.tf.TrainingSet;
import org.odf2nna.tf.StreamedRows;

/**
 * The paper's light retraining of a pruned network: the training rows are loaded once (through the
 * model's prefix), split once into training and validation rows, and every pruned network starts from
 * its pruned, bias-folded weights.
 */
final class Retrainer {

    /** The rows retraining steps on, in training coordinates: in memory, or streamed from disk when many. */
    private final TrainingSet train;
    private final TrainingData validation;
    /**
     * The rows choices are judged on ({@link #bound}): the validation rows. {@code validation} is the rows retraining
     * watches to pick its epoch: the same rows, unless {@link #watchingTraining} put training rows there.
     */
    private final TrainingData judge;
    /** The judged rows as each candidate reads them: {@link #judge}, or with inputs clipped ({@link #clipping}). */
    private final TrainingData clipped;
    /**
     * What {@code validation} holds, for the report: "validation" or "training" ("agreement" only in reports of
     * earlier versions, see TrainingSummary).
     */
    private final String watchedRows;
    /** The teacher's outputs on the training rows, or null (see {@link TeacherLogits}). */
    private final TeacherLogits teacherLogits;
    /**
     * Where the watched rows ({@link #validation}, when {@link #watchingTraining} drew them) lie among the training
     * rows, ascending; null when they are the validation rows or where that is not known.
     */
    private final int[] watchedAt;
    private final Conditioning conditioning;
    private final Loss loss;
    private final TrainingOptions options;
    private final Settings settings;
    /** How much the teacher guides training (its soft targets for the training rows are in {@link #train}). */
    private final Distillation distillation;

    /**
     * The settings that do not depend on the network trained: the report's rows and steps ({@link Retraining}), and
     * {@code trainingRange}, the per-column range of the training part as the chain reads it, in the model's
     * coordinates.
     */
    private record Settings(Retraining.Rows rows, Retraining.Steps steps, String signal, boolean validationLabelled,
            org.odf2nna.network.InputRange trainingRange, float[] targetRange) {
    }

    /**
     * The rows a retraining reads: it trains on {@code train}, watches {@code validation} (named {@code watchedRows})
     * to keep the best epoch and stop early, and {@code judge} is what the rounds are judged on ({@code clipped}: as
     * the candidates read them).
     */
    private record Rows(TrainingSet train, TrainingData validation, TrainingData judge, String watchedRows,
            TrainingData clipped, TeacherLogits teacherLogits, int[] watchedAt) {
        Rows(TrainingSet train, TrainingData validation, TrainingData judge, String watchedRows) {
            this(train, validation, judge, watchedRows, judge, null, null);
        }

        Rows(TrainingSet train, TrainingData validation, TrainingData judge, String watchedRows,
                TrainingData clipped) {
            this(train, validation, judge, watchedRows, clipped, null, null);
        }
    }

    /**
     * The teacher's outputs before its head on the training rows ({@link #train}, in their order and in training
     * coordinates), kept from the soft targets' pass so that {@link #reference} of the same network does not run it
     * over those rows again (a plain-Java pass: 78 CPU s on 8,000 rows at width 4,096).
     *
     * @param teacher the network as {@link #reference} is given it (the model's coordinates)
     */
    private record TeacherLogits(DenseNetwork teacher, float[] logits) {
    }

    private Retrainer(Rows rows, Conditioning conditioning, Loss loss, TrainingOptions options, Settings settings,
            Distillation distillation) {
        this.train = rows.train();
        this.validation = rows.validation();
        this.judge = rows.judge();
        this.clipped = rows.clipped();
        this.watchedRows = rows.watchedRows();
        this.teacherLogits = rows.teacherLogits();
        this.watchedAt = rows.watchedAt();
        this.conditioning = conditioning;
        this.loss = loss;
        this.options = options;
        this.settings = settings;
        this.distillation = distillation;
    }

    static Retrainer prepare(OnnxDenseModel model, RetrainOptions retrain, Task task, EvalData rows, Device device,
            Progress progress) {
        return prepare(model, retrain, task, loadParts(model, retrain, task, rows, device, progress), device);
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
        KeptApart.check(retrain.train(), KeptApart.rows(all), retrain.validation(), KeptApart.rows(validation), progress);
        return validation;
    }

    /** Training on rows already in memory (the chain's inputs and the targets), without a teacher. */
    static Retrainer of(TrainingData all, RetrainOptions retrain, RetrainSettings.Epochs epochs, Loss loss,
            OutputHead head, Device device) {
        RowsOrigin origin = retrain.origin();
        if (!TrainingRows.labelled(all)) {
            throw origin.inTraining("line 1", "has no target column to train on");
        }
        return of(split(all, retrain.retraining(), origin), retrain.retraining().withDistillation(Distillation.NONE),
                origin, epochs, new Objective(loss, head, null), true, device, null);
    }

    /**
     * Training from scratch on rows as {@link TrainingRows#loadRaw} loads them, without a teacher: in memory as
     * {@link #of(TrainingData, RetrainOptions, RetrainSettings.Epochs, Loss, OutputHead, Device)}, or on disk, streamed
     * ({@link StreamedTraining}: the validation rows held out as they pass, the rest read a window at a time each
     * epoch) and deleted when the retraining is {@link #release}d.
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

    /** The seeded split into {training, validation} rows that retraining uses. */
    static TrainingData[] split(TrainingData all, RetrainSettings retrain, RowsOrigin origin) {
        if (all.rows() < 2) {
            throw origin.inTraining(null, "has " + all.rows() + " row; training needs at least 2 "
                    + "(some are held out for validation)");
        }
        return all.split(retrain.validationShare(), retrain.seed());
    }

    /**
     * Retraining of {@code model}'s pruned networks on rows already loaded and split (see {@link #split}); the
     * original network is the teacher when the options distil. Rows without targets (a training file of the model's
     * input columns only) are labelled by the teacher (its predicted class, or its output) and trained on the
     * teacher alone; without distillation they are refused.
     */
    static Retrainer prepare(OnnxDenseModel model, RetrainOptions retrain, Task task, TrainingData[] parts,
            Device device) {
        return prepare(model.network(), RecordedEpochs.of(model), retrain.retraining(), retrain.origin(), task, parts,
                device);
    }

    /** The same for rows loaded by {@link #loadParts}. */
    static Retrainer prepare(OnnxDenseModel model, RetrainOptions retrain, Task task, Parts parts, Device device) {
        return prepare(model.network(), RecordedEpochs.of(model), retrain.retraining(), retrain.origin(), task, parts,
                device);
    }

    /**
     * The same for a network in memory, on rows loaded by {@link #loadParts}: those on disk stream
     * ({@link StreamedTraining}), and are deleted when the retraining is {@link #release}d.
     */
    static Retrainer prepare(DenseNetwork teacher, String recordedEpochs, RetrainSettings retrain, RowsOrigin origin,
            Task task, Parts parts, Device device) {
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
                    : labelByTeacher(parts.validationFile(), teacher, loss);
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
        TrainingData[] labelled = {labelByTeacher(parts[0], teacher, loss), labelByTeacher(parts[1], teacher, loss)};
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
        // Split without split()'s two-row minimum: a network in memory has always retrained on any rows given.
        TrainingData[] parts = training.split(settings.validationShare(), settings.seed());
        return prepare(teacher, null, settings, RowsOrigin.IN_MEMORY, Task.givenOrInferred(null, teacher), parts,
                device, Conditioning.identity(training.width()));
    }

    /** Rows without targets get the teacher's prediction as their target; labelled rows are returned as they are. */
    static TrainingData labelByTeacher(TrainingData rows, DenseNetwork teacher, Loss loss) {
        return TrainingRows.labelled(rows) ? rows : withTeacherTargets(rows, teacher, loss);
    }

    /** {@code rows} with the teacher's prediction (its output, or its predicted class) as every row's target. */
    private static TrainingData withTeacherTargets(TrainingData rows, DenseNetwork teacher, Loss loss) {
        float[] out = forward(teacher, rows.inputs(), rows.rows());
        float[] targets = new float[rows.rows()];
        for (int r = 0; r < rows.rows(); r++) {
            targets[r] = loss == Loss.MEAN_SQUARED_ERROR ? out[r]
                    : predictedClass(out, r, teacher.outputs(), teacher.head());
        }
        return new TrainingData(rows.inputs(), targets, rows.rows(), rows.width());
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
        Settings settings = new Settings(new Retraining.Rows(source, parts[0].rows(), parts[1].rows()),
                steps(epochs, retrain), signal(distillation, loss), validationLabelled, parts[0].rows() == 0 ? null
                        : org.odf2nna.network.InputRange.of(parts[0].inputs(), parts[0].rows(), parts[0].width()),
                targetRange(parts[0]));
        Conditioning conditioning = given != null ? given : RAW_COORDINATES ? Conditioning.identity(parts[0].width())
                : Conditioning.fit(parts[0], loss, head);
        TrainingData train = conditioning.apply(parts[0]);
        float[] soft = null;
        TeacherLogits kept = null;
        if (teacher != null) {
            // The teacher's outputs before its head, in the coordinates the trainer works in, computed once.
            DenseNetwork conditioned = conditioning.toTraining(teacher);
            DenseNetwork logits = new DenseNetwork(conditioned.prefix(), conditioned.layers(), OutputHead.NONE);
            float[] onTraining = forward(logits, train.inputs(), train.rows());
            soft = DenseTrainer.softTargets(onTraining, train.rows(), teacher.outputs(), loss,
                    distillation.temperature());
            kept = Int8Quantization.integerKernels(teacher) ? null : new TeacherLogits(teacher, onTraining);
        }
        TrainingData validation = conditioning.apply(parts[1]);
        return new Retrainer(new Rows(TrainingSet.inMemory(train, soft, teacher == null ? 0 : teacher.outputs()),
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
        Settings settings = new Settings(new Retraining.Rows(plan.origin().describe(), train.rows(),
                validation.rows()), steps(epochs, retrain), signal(distillation, plan.loss()),
                plan.validationLabelled(), range, targetRange);
        TrainingData conditioned = conditioning.apply(validation);
        return new Retrainer(new Rows(train, conditioned, conditioned, "validation"), conditioning, plan.loss(),
                options, settings, distillation);
    }

    /** How a retraining of {@code epochs} with {@code retrain}'s batch size, learning rate and seed steps. */
    private static Retraining.Steps steps(RetrainSettings.Epochs epochs, RetrainSettings retrain) {
        return new Retraining.Steps(epochs.count(), epochs.source(), retrain.batchSize(), retrain.learningRate(),
                retrain.seed());
    }

    /** Deletes the file of training rows when they stream from disk (a run's temporary folder goes at its end anyway). */
    void release() {
        if (train instanceof StreamedRows streamed) {
            streamed.close();
        }
    }

    /**
     * The rows choices are judged on, back in the model's coordinates (inputs, and regression targets in its units): for
     * a search that reads validation rows as the model does ({@code evolve}'s fitness), where they were held out of
     * streamed rows and only their training coordinates are kept.
     */
    TrainingData judgedInModelCoordinates() {
        float[] targets = judge.targets().clone();
        for (int r = 0; r < targets.length && loss == Loss.MEAN_SQUARED_ERROR; r++) {
            targets[r] = inModelUnits(targets[r]);
        }
        return new TrainingData(conditioning.toModelInputs(judge.inputs(), 0, judge.rows()), targets, judge.rows(),
                judge.width());
    }

    /** Whether the training rows stream from disk. */
    boolean streams() {
        return train instanceof StreamedRows;
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

    /** Rows per batch handed to least-squares compensation. */
    private static final int FIT_BATCH = 1024;

    /**
     * The training part of the split as the model's chain input (the validation rows held out, so that choices made
     * on them judge a refit that never saw them), for least-squares compensation. The rows are held in training
     * coordinates; each batch is mapped back.
     */
    RowSource fittingRows() {
        return fittingRows(train.rows());
    }

    /** The first {@code maxRows} rows of {@link #fittingRows()}. */
    RowSource fittingRows(int maxRows) {
        return consumer -> train.inOrder(FIT_BATCH, maxRows, (x, targets, soft, n) -> consumer.accept(
                conditioning.toModelInputs(x, 0, n), n));
    }

    /** How many rows {@link #fittingRows} gives. */
    int fittingRowCount() {
        return train.rows();
    }

    /** How many rows {@link #fittingRows(int)} gives. */
    int fittingRowCount(int maxRows) {
        return Math.min(maxRows, train.rows());
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
        return new Retrainer(new Rows(train, validation, judge, watchedRows, clipped, teacherLogits, watchedAt),
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
        TrainingData watch = validation.keepColumns(kept);
        TrainingData judged = judge == validation ? watch : judge.keepColumns(kept);
        // The teacher reads every input: its outputs are no longer this retrainer's to reuse.
        return new Retrainer(new Rows(train.keepColumns(kept), watch, judged, watchedRows,
                clipped == judge ? judged : clipped.keepColumns(kept), null, watchedAt), conditioning.keepInputs(kept),
                loss, options,
                settings, distillation);
    }

    /**
     * The same retraining watching a seeded sample of at most {@code rows} training rows instead of the validation
     * rows: epochs are picked there and the search judged there ({@link #watchedChange}), so that the validation rows
     * are only looked at by {@link #bound}. Returns this retrainer when it has already set rows apart.
     */
    Retrainer watchingTraining(int rows) {
        if (judge != validation) {
            return this;
        }
        TrainingData watch = train.sample(rows, options.seed());
        return new Retrainer(new Rows(train, watch, validation, "training", clipped, teacherLogits,
                train.sampleRows(rows, options.seed())), conditioning, loss, options,
                settings, distillation);
    }

    /**
     * The same retraining judging every candidate on the validation rows with each input held to {@code range} (the
     * chain's input in the model's coordinates), the original still on the rows as they are: the clip the written model
     * holds in front of its chain. The bounds are mapped into the training coordinates by the same conditioning as the
     * rows, which preserves order, so the clipped rows are exactly the conditioned clipped ones.
     */
    Retrainer clipping(org.odf2nna.network.InputRange range) {
        int width = judge.width();
        float[] bounds = new float[2 * width];
        System.arraycopy(range.min(), 0, bounds, 0, width);
        System.arraycopy(range.max(), 0, bounds, width, width);
        TrainingData conditioned = conditioning.apply(new TrainingData(bounds, new float[2], 2, width));
        float[] lo = java.util.Arrays.copyOfRange(conditioned.inputs(), 0, width);
        float[] hi = java.util.Arrays.copyOfRange(conditioned.inputs(), width, 2 * width);
        float[] held = new org.odf2nna.network.InputRange(lo, hi, range.rows()).clip(judge.inputs(), judge.rows());
        TrainingData clippedRows = new TrainingData(held, judge.targets(), judge.rows(), width);
        return new Retrainer(new Rows(train, validation, judge, watchedRows, clippedRows, teacherLogits, watchedAt),
                conditioning, loss,
                options, settings, distillation);
    }

    /** Whether the task is regression (the loss is the MSE). */
    boolean regression() {
        return loss == Loss.MEAN_SQUARED_ERROR;
    }

    /**
     * How far {@code candidate} moved from the original on the watched rows: the share whose class changed, or the
     * MSE's relative increase there.
     */
    double watchedChange(Reference reference, DenseNetwork candidate) {
        int rows = validation.rows();
        if (rows == 0) {
            return Double.NaN;
        }
        if (loss != Loss.MEAN_SQUARED_ERROR) {
            return change(reference.original(), reference.watched(), outputs(candidate, validation.inputs(), rows),
                    validation.targets(), rows);
        }
        return watchedMseRise(reference, outputs(candidate, validation.inputs(), rows));
    }

    /**
     * Regression: two equally good regressors differ by about twice their MSE, so how far the outputs moved says
     * little; the MSE's relative increase on the watched rows ({@code pb}: the candidate's outputs there) is what the
     * search goes by.
     */
    private double watchedMseRise(Reference reference, float[] pb) {
        int rows = validation.rows();
        float[] pa = reference.watched();
        double before = 0;
        double after = 0;
        for (int r = 0; r < rows; r++) {
            double ea = pa[r] - validation.targets()[r];
            double eb = pb[r] - validation.targets()[r];
            before += ea * ea;
            after += eb * eb;
        }
        return before > 0 ? (after - before) / before : (after > 0 ? Double.POSITIVE_INFINITY : 0);
    }

    /**
     * How much {@code candidate} lost against the original on the watched rows: the accuracy it lost there (rows
     * without labels carry the original's predicted class, so there it is the share whose class changed), or the
     * MSE's relative increase. Unlike {@link #watchedChange}, changes that cancel (a row lost, another gained) cost
     * nothing, as on the rows that judge.
     */
    double watchedLoss(Reference reference, DenseNetwork candidate) {
        int rows = validation.rows();
        if (rows == 0 || loss == Loss.MEAN_SQUARED_ERROR) {
            return watchedChange(reference, candidate);
        }
        return watchedLoss(reference, outputs(candidate, validation.inputs(), rows));
    }

    /** {@link #watchedLoss(Reference, DenseNetwork)} from the candidate's outputs on the watched rows, {@code pb}. */
    private double watchedLoss(Reference reference, float[] pb) {
        int rows = validation.rows();
        if (rows == 0) {
            return Double.NaN;
        }
        if (loss == Loss.MEAN_SQUARED_ERROR) {
            return watchedMseRise(reference, pb);
        }
        float[] pa = reference.watched();
        int width = reference.original().outputs();
        OutputHead head = reference.original().head();
        int net = 0;
        for (int r = 0; r < rows; r++) {
            int target = Math.round(validation.targets()[r]);
            net += (predictedClass(pa, r, width, head) == target ? 1 : 0)
                    - (predictedClass(pb, r, width, head) == target ? 1 : 0);
        }
        return (double) net / rows;
    }

    /**
     * A short fine-tune of {@code pruned} as a fitness: {@code epochs} epochs on the training rows, and the
     * best validation figure seen (the pruned weights competing as epoch 0), as accuracy, or as minus the
     * mean squared error in target units, so that higher is always better.
     */
    double fineTunedFitness(DenseNetwork pruned, int epochs) {
        TrainingOptions brief = new TrainingOptions(epochs, options.batchSize(), options.learningRate(),
                options.seed(), 0, options.device());
        TrainingResult result = DenseTrainer.train(conditioning.toTraining(pruned), train, validation, loss, brief,
                distillation, (epoch, total) -> { });
        double best = result.history().get(result.bestEpoch()).validationMetric();
        return loss == Loss.MEAN_SQUARED_ERROR ? -conditioning.mseInTargetUnits(best) : best;
    }

    /**
     * {@code candidate}'s outputs on rows in training coordinates. A network on integer kernels quantizes its layers'
     * inputs as ONNX Runtime does, which depends on their scale: it runs on the rows mapped back to the model's own
     * coordinates, as the written file would, and its outputs are mapped to training coordinates after.
     */
    private float[] outputs(DenseNetwork candidate, float[] inputs, int rows) {
        if (!Int8Quantization.integerKernels(candidate)) {
            return forward(conditioning.toTraining(candidate), inputs, rows);
        }
        return conditioning.toTrainingOutputs(candidate.forward(conditioning.toModelInputs(inputs, 0, rows), rows));
    }

    /** Rows a plain-Java forward pass takes at once: its layers' activations are this many rows wide, not all rows. */
    static final int FORWARD_BLOCK = 8192;

    /**
     * {@code network}'s outputs on {@code rows} rows, computed {@link #FORWARD_BLOCK} rows at a time: the same values
     * as one pass over all rows (a float network computes each row on its own), without holding every row's
     * activations (200,000 rows of 300 units are 240 MB a layer). A network on integer kernels, which quantizes each
     * batch by its own range, runs on all rows at once as before.
     */
    static float[] forward(DenseNetwork network, float[] inputs, int rows) {
        if (rows <= FORWARD_BLOCK || Int8Quantization.integerKernels(network)) {
            return network.forward(inputs, rows);
        }
        int width = network.inputs();
        int outputs = network.outputs();
        float[] out = new float[rows * outputs];
        for (int from = 0; from < rows; from += FORWARD_BLOCK) {
            int n = Math.min(FORWARD_BLOCK, rows - from);
            float[] block = network.forward(java.util.Arrays.copyOfRange(inputs, from * width, (from + n) * width), n);
            System.arraycopy(block, 0, out, from * outputs, n * outputs);
        }
        return out;
    }

    /** Rows the fidelity check looks at, at most: enough to resolve a few tenths of a percent. */
    static final int FIDELITY_ROWS = 10_000;

    /**
     * The original network's outputs on the rows the fidelity checks read (the validation rows, then the validation
     * and training rows up to {@link #FIDELITY_ROWS}), computed once: a retrainer narrowed to fewer inputs
     * ({@link #keepInputs}) can no longer run the original itself.
     */
    record Reference(DenseNetwork original, float[] validation, float[] watched, float[] fidelity,
            float[] fidelityTargets, int fidelityRows) {
    }

    /** {@code original}'s outputs on this retrainer's rows (see {@link Reference}). */
    Reference reference(DenseNetwork original) {
        int rows = fidelityRows();
        float[] judged = outputs(original, judge.inputs(), judge.rows());
        float[] onTraining = teacherOutputs(original);
        if (onTraining == null) {
            // Watching agreement, the watched rows are the judged rows' inputs: their outputs are the same.
            float[] watched = validation.inputs() == judge.inputs() ? judged
                    : outputs(original, validation.inputs(), validation.rows());
            return new Reference(original, judged, watched, outputs(original, fidelityInputs(), rows),
                    fidelityTargets(), rows);
        }
        // The teacher's own outputs on the training rows: each row's outputs are those of a pass over it alone.
        int width = original.outputs();
        int fromValidation = Math.min(rows, judge.rows());
        float[] fidelity = new float[rows * width];
        System.arraycopy(judged, 0, fidelity, 0, fromValidation * width);
        System.arraycopy(onTraining, 0, fidelity, fromValidation * width, (rows - fromValidation) * width);
        float[] watched = validation.inputs() == judge.inputs() ? judged : watchedAt != null
                ? gather(onTraining, watchedAt, width) : outputs(original, validation.inputs(), validation.rows());
        return new Reference(original, judged, watched, fidelity, fidelityTargets(), rows);
    }

    /**
     * {@code original}'s outputs on the training rows (training coordinates) from the teacher's outputs kept before
     * its head, the head applied as a forward pass applies it; null when {@code original} is not that teacher.
     */
    private float[] teacherOutputs(DenseNetwork original) {
        if (teacherLogits == null || teacherLogits.teacher() != original) {
            return null;
        }
        float[] out = teacherLogits.logits().clone();
        conditioning.toTraining(original).head().apply(out, train.rows(), original.outputs());
        return out;
    }

    /** The rows {@code at} of {@code values} ({@code width} a row), in that order. */
    private static float[] gather(float[] values, int[] at, int width) {
        float[] out = new float[at.length * width];
        for (int k = 0; k < at.length; k++) {
            System.arraycopy(values, at[k] * width, out, k * width, width);
        }
        return out;
    }

    /** A {@link Reference} holding only {@code network}'s outputs on the watched rows, for {@link #watchedChange}. */
    Reference watchedReference(DenseNetwork network) {
        float[] watched = outputs(network, validation.inputs(), validation.rows());
        return new Reference(network, null, watched, null, null, 0);
    }

    private int fidelityRows() {
        return Math.min(FIDELITY_ROWS, judge.rows() + train.rows());
    }

    private float[] fidelityInputs() {
        int rows = fidelityRows();
        int width = judge.width();
        float[] x = new float[rows * width];
        int fromValidation = Math.min(rows, judge.rows());
        System.arraycopy(judge.inputs(), 0, x, 0, fromValidation * width);
        System.arraycopy(train.head(rows - fromValidation).inputs(), 0, x, fromValidation * width,
                (rows - fromValidation) * width);
        return x;
    }

    private float[] fidelityTargets() {
        int rows = fidelityRows();
        float[] y = new float[rows];
        int fromValidation = Math.min(rows, judge.rows());
        System.arraycopy(judge.targets(), 0, y, 0, fromValidation);
        System.arraycopy(train.head(rows - fromValidation).targets(), 0, y, fromValidation, rows - fromValidation);
        return y;
    }

    /**
     * How far {@code candidate}'s predictions are from {@code original}'s on the training rows (validation
     * rows included; at most {@link #FIDELITY_ROWS}): the share of rows whose predicted class differs, or
     * for regression the mean squared difference as a share of the original's MSE. It measures what the
     * candidate changed, which varies much less from sample to sample than its accuracy does.
     */
    double changeFrom(DenseNetwork original, DenseNetwork candidate) {
        return changeFrom(reference(original), candidate);
    }

    /** {@link #changeFrom(DenseNetwork, DenseNetwork)} against outputs computed before. */
    double changeFrom(Reference reference, DenseNetwork candidate) {
        int rows = reference.fidelityRows();
        if (rows == 0) {
            return Double.NaN;
        }
        return change(reference.original(), reference.fidelity(), outputs(candidate, fidelityInputs(), rows),
                reference.fidelityTargets(), rows);
    }

    /**
     * How far a round's {@code network} moved from the original ({@link #changeFrom(Reference, DenseNetwork)}) and
     * what {@code judged} lost on the watched rows ({@link #watchedLoss}).
     */
    record Moved(double change, double watchedLoss) {
    }

    /**
     * {@link #changeFrom(Reference, DenseNetwork)} and {@link #watchedLoss} in one: where {@code judged} is
     * {@code network} and the watched rows are among the fidelity rows, their outputs are taken from the fidelity
     * rows' pass (the same values: a float network computes each row on its own) rather than computed again (5,000
     * rows of a plain-Java pass a round).
     */
    Moved moved(Reference reference, DenseNetwork network, DenseNetwork judged) {
        int rows = reference.fidelityRows();
        if (rows == 0) {
            return new Moved(Double.NaN, watchedLoss(reference, judged));
        }
        float[] onFidelity = outputs(network, fidelityInputs(), rows);
        double change = change(reference.original(), reference.fidelity(), onFidelity, reference.fidelityTargets(),
                rows);
        float[] watched = judged == network && !Int8Quantization.integerKernels(network)
                ? watchedAmongFidelity(onFidelity, rows, network.outputs()) : null;
        return new Moved(change, watched == null ? watchedLoss(reference, judged)
                : watchedLoss(reference, watched));
    }

    /** The watched rows' outputs out of the fidelity rows' ({@code rows}), or null when some are not among them. */
    private float[] watchedAmongFidelity(float[] onFidelity, int rows, int width) {
        int fromValidation = Math.min(rows, judge.rows());
        if (watchedAt == null || validation.inputs() == judge.inputs()) {
            return null;
        }
        for (int at : watchedAt) {
            if (at >= rows - fromValidation) {
                return null;
            }
        }
        float[] out = new float[watchedAt.length * width];
        for (int k = 0; k < watchedAt.length; k++) {
            System.arraycopy(onFidelity, (fromValidation + watchedAt[k]) * width, out, k * width, width);
        }
        return out;
    }

    /** Share of the rows whose class changed, or for regression the mean squared change over the original's MSE. */
    private double change(DenseNetwork original, float[] pa, float[] pb, float[] targets, int rows) {
        int width = original.outputs();
        double changed = 0;
        double originalError = 0;
        for (int r = 0; r < rows; r++) {
            if (loss == Loss.MEAN_SQUARED_ERROR) {
                double d = pa[r] - pb[r];
                changed += d * d;
                double e = pa[r] - targets[r];
                originalError += e * e;
            } else {
                changed += predictedClass(pa, r, width, original.head()) != predictedClass(pb, r, width,
                        original.head()) ? 1 : 0;
            }
        }
        return loss == Loss.MEAN_SQUARED_ERROR ? (originalError > 0 ? changed / originalError : 0) : changed / rows;
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

    /**
     * How far {@code network}'s classes agree with the validation rows' own labels beyond chance; null for regression
     * or for rows without labels (their targets are then the original's own predictions).
     */
    org.odf2nna.metrics.ChanceAgreement validationChance(DenseNetwork network) {
        if (loss == Loss.MEAN_SQUARED_ERROR || !validationLabelled()) {
            return null;
        }
        TrainingData rows = judge;
        float[] out = outputs(network, rows.inputs(), rows.rows());
        int width = network.outputs();
        int classes = Math.max(2, width);
        long[][] confusion = new long[classes][classes];
        for (int r = 0; r < rows.rows(); r++) {
            int label = (int) rows.targets()[r];
            if (label >= 0 && label < classes) {
                confusion[label][predictedClass(out, r, width, network.head())]++;
            }
        }
        return org.odf2nna.metrics.ChanceAgreement.of(confusion);
    }

    /** Whether the validation rows have targets of their own (else they hold the original's predictions). */
    boolean validationLabelled() {
        return settings.validationLabelled();
    }

    /** Rows choices are judged on. */
    int validationRows() {
        return judge.rows();
    }

    /**
     * How much worse {@code candidate} is than {@code original} on the validation rows, with a one-sided 95% prediction
     * bound ({@link LossBound}); {@code tolerance} as a share (accuracy points / 100, or relative MSE increase).
     */
    LossBound bound(DenseNetwork original, DenseNetwork candidate, double tolerance) {
        return bound(reference(original), candidate, tolerance);
    }

    /** {@link #bound(DenseNetwork, DenseNetwork, double)} against outputs computed before. */
    LossBound bound(Reference reference, DenseNetwork candidate, double tolerance) {
        return bound(reference, candidate, tolerance, 0.05);
    }

    /** {@link #bound(Reference, DenseNetwork, double)} at another level (0.05 for 95%), on the new-set reading. */
    LossBound bound(Reference reference, DenseNetwork candidate, double tolerance, double level) {
        return bound(reference, candidate, tolerance, level, org.odf2nna.metrics.ChainCertificate.Reading.NEW_SET);
    }

    /**
     * {@link #bound(Reference, DenseNetwork, double, double)} for the promise {@code reading} speaks of. Regression is
     * judged by {@link org.odf2nna.metrics.BoundedRegression}: both models' outputs clipped to the training targets'
     * range ({@link #targetRange}), as the written model clips them.
     */
    LossBound bound(Reference reference, DenseNetwork candidate, double tolerance, double level,
            org.odf2nna.metrics.ChainCertificate.Reading reading) {
        DenseNetwork original = reference.original();
        TrainingData rows = judge;
        int n = rows.rows();
        float[] pa = reference.validation();
        float[] pb = outputs(candidate, clipped.inputs(), n);
        if (loss == Loss.MEAN_SQUARED_ERROR) {
            // In training coordinates targets are standardised: the relative MSE increase is the same in both.
            return org.odf2nna.metrics.BoundedRegression.judge(pa, pb, rows.targets(), n, targetRange(), tolerance,
                    level, reading);
        }
        int width = original.outputs();
        int[] ca = new int[n];
        int[] cb = new int[n];
        int[] targets = settings.validationLabelled() ? new int[n] : null;
        for (int r = 0; r < n; r++) {
            ca[r] = predictedClass(pa, r, width, original.head());
            cb[r] = predictedClass(pb, r, width, original.head());
            if (targets != null) {
                targets[r] = (int) rows.targets()[r];
            }
        }
        return LossBound.classification(ca, cb, targets, tolerance, level, reading);
    }

    /**
     * Regression: the range of the training targets in training coordinates (what the judge clips outputs to), named
     * in the targets' own units.
     */
    org.odf2nna.metrics.BoundedRegression.Range targetRange() {
        if (train.rows() < 1) {
            throw new IllegalArgumentException("no training targets to take a range from");
        }
        double[] bounds = train.targetBounds();
        org.odf2nna.metrics.BoundedRegression.Range inTraining = org.odf2nna.metrics.BoundedRegression.Range.of(
                bounds[0], bounds[1]);
        float[] model = outputRange();
        return new org.odf2nna.metrics.BoundedRegression.Range(inTraining.lo(), inTraining.hi(),
                org.odf2nna.metrics.BoundedRegression.Range.of(model[0], model[1]).words());
    }

    /** Regression: the training targets' range {lo, hi} in the model's units, the clip the written model holds. */
    float[] outputRange() {
        return settings.targetRange().clone();
    }

    /** The range {lo, hi} of {@code rows}' targets in the model's units, or null without rows. */
    private static float[] targetRange(TrainingData rows) {
        if (rows.rows() == 0) {
            return null;
        }
        org.odf2nna.metrics.BoundedRegression.Range r = org.odf2nna.metrics.BoundedRegression.trainingRange(
                rows.targets(), rows.rows());
        return new float[] {(float) r.lo(), (float) r.hi()};
    }

    private float inModelUnits(double target) {
        return (float) (target * conditioning.targetScale() + conditioning.targetMean());
    }

    /**
     * Regression: the first validation row (0-based) whose target lies outside the training targets' range, with its
     * target in the model's units; null when every target lies within it.
     */
    double[] targetOutsideRange() {
        int r = org.odf2nna.metrics.BoundedRegression.firstOutside(judge.targets(), judge.rows(), targetRange());
        return r < 0 ? null : new double[] {r, inModelUnits(judge.targets()[r])};
    }

    /** A network's metric on the validation rows: accuracy, or MSE in target units. */
    double validationMetric(DenseNetwork network) {
        TrainingData validation = judge;
        float[] out = outputs(network, validation.inputs(), validation.rows());
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
        return retrain(pruned, label, progress, options);
    }

    private Outcome retrain(DenseNetwork pruned, String label, Progress progress, TrainingOptions options) {
        boolean regression = loss == Loss.MEAN_SQUARED_ERROR;
        String metric = regression ? "mse" : "accuracy";
        String watched = watchedRows;
        TrainingResult result = DenseTrainer.train(conditioning.toTraining(pruned), train, validation, loss,
                options, distillation, (epoch, total) -> progress.update("retraining " + label, epoch.epoch(), total,
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
