package org.odf2nna.method;

import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.network.OutputHead;
import org.odf2nna.tf.Conditioning;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingData;
import org.odf2nna.tf.TrainingSet;

/**
 * The judging of a retrained (or pruned) network against the original: on the validation rows (its loss bound and
 * metric), on the watched rows (what a search goes by) and on the fidelity rows (how far it moved). Its own room: it
 * reads the rows and coordinates a {@link Retrainer} holds, but never trains.
 */
final class RetrainingJudge {

    private final TrainingSet train;
    private final TrainingData validation;
    private final TrainingData judge;
    private final TrainingData clipped;
    private final TeacherOutputs.TeacherLogits teacherLogits;
    private final int[] watchedAt;
    private final Conditioning conditioning;
    private final Loss loss;
    private final Retrainer.Settings settings;

    /** The judging of a retrainer's {@code rows}, in its coordinates, with its loss and settings. */
    RetrainingJudge(Retrainer.Rows rows, Conditioning conditioning, Loss loss, Retrainer.Settings settings) {
        this.train = rows.train();
        this.validation = rows.validation();
        this.judge = rows.judge();
        this.clipped = rows.clipped();
        this.teacherLogits = rows.teacherLogits();
        this.watchedAt = rows.watchedAt();
        this.conditioning = conditioning;
        this.loss = loss;
        this.settings = settings;
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
     * {@code candidate}'s outputs on rows in training coordinates. A network on integer kernels quantizes its layers'
     * inputs as ONNX Runtime does, which depends on their scale: it runs on the rows mapped back to the model's own
     * coordinates, as the written file would, and its outputs are mapped to training coordinates after.
     */
    private float[] outputs(DenseNetwork candidate, float[] inputs, int rows) {
        if (!Int8Quantization.integerKernels(candidate)) {
            return TeacherOutputs.forward(conditioning.toTraining(candidate), inputs, rows);
        }
        return conditioning.toTrainingOutputs(candidate.forward(conditioning.toModelInputs(inputs, 0, rows), rows));
    }

    /** Rows the fidelity check looks at, at most: enough to resolve a few tenths of a percent. */
    static final int FIDELITY_ROWS = 10_000;

    /**
     * The original network's outputs on the rows the fidelity checks read (the validation rows, then the validation
     * and training rows up to {@link #FIDELITY_ROWS}), computed once: a retrainer narrowed to fewer inputs
     * ({@link Retrainer#keepInputs}) can no longer run the original itself.
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

    static int predictedClass(float[] out, int row, int width, OutputHead head) {
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
}
