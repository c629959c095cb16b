package org.odf2nna.metrics;

import java.nio.file.Path;
import java.util.Locale;
import org.odf2nna.InputException;

/**
 * How far a classifier's predictions agree with the labels beyond chance: Cohen's κ, the accuracy corrected for the
 * agreement that the frequencies of the predicted and of the true classes give by themselves. A model on rows that are
 * not its own (other columns, another column order, another label column, images transposed) agrees with their labels
 * about as often as chance would, whatever its accuracy: 15% on ten classes can still be chance when the model
 * predicts one class for most rows.
 *
 * @param rows     rows compared
 * @param classes  classes the model outputs
 * @param accuracy share of rows whose prediction is the label
 * @param byChance the accuracy the two frequencies alone give: the sum over classes of predicted share × true share
 * @param kappa    (accuracy − byChance) / (1 − byChance); NaN when every row is of one class and predicted so
 */
public record ChanceAgreement(long rows, int classes, double accuracy, double byChance, double kappa) {

    /** At or below this κ the rows are "at chance" (Landis and Koch call below 0.2 slight agreement). */
    public static final double THRESHOLD = 0.1;

    /** Fewer rows than this are too few to say. */
    public static final int MIN_ROWS = 20;

    /** From a confusion matrix, {@code confusion[actual][predicted]}. */
    public static ChanceAgreement of(long[][] confusion) {
        int classes = confusion.length;
        long rows = 0;
        long correct = 0;
        double[] actual = new double[classes];
        double[] predicted = new double[classes];
        for (int a = 0; a < classes; a++) {
            for (int p = 0; p < classes; p++) {
                long n = confusion[a][p];
                rows += n;
                actual[a] += n;
                predicted[p] += n;
                correct += a == p ? n : 0;
            }
        }
        if (rows == 0) {
            return new ChanceAgreement(0, classes, Double.NaN, Double.NaN, Double.NaN);
        }
        double byChance = 0;
        for (int c = 0; c < classes; c++) {
            byChance += actual[c] / rows * (predicted[c] / rows);
        }
        double accuracy = (double) correct / rows;
        double kappa = byChance >= 1 ? Double.NaN : (accuracy - byChance) / (1 - byChance);
        return new ChanceAgreement(rows, classes, accuracy, byChance, kappa);
    }

    /** From predicted and true class ids of the same rows; rows with either outside {@code 0 .. classes-1} are left out. */
    public static ChanceAgreement of(int[] predicted, int[] labels, int classes) {
        if (predicted.length != labels.length) {
            throw new IllegalArgumentException(predicted.length + " predictions for " + labels.length + " labels");
        }
        long[][] confusion = new long[classes][classes];
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] >= 0 && labels[r] < classes && predicted[r] >= 0 && predicted[r] < classes) {
                confusion[labels[r]][predicted[r]]++;
            }
        }
        return of(confusion);
    }

    /** Whether the predictions agree with the labels no more than chance would (κ ≤ {@link #THRESHOLD}). */
    public boolean atChance() {
        return rows >= MIN_ROWS && classes > 1 && kappa <= THRESHOLD;
    }

    /**
     * "scores 9.50% among 10 classes, no better than chance (Cohen's κ 0.01, at most 0.10 counts as chance: the
     * frequencies of the predicted and the true classes alone give 9.80%)".
     */
    public String describe() {
        return String.format(Locale.ROOT, "scores %.2f%% among %d classes, no better than chance (Cohen's κ %.2f, at "
                + "most %.2f counts as chance: the frequencies of the predicted and the true classes alone give "
                + "%.2f%%)", 100 * accuracy, classes, kappa, THRESHOLD, 100 * byChance);
    }

    /**
     * The refusal of rows the original is at chance on: they are most likely not rows for this model, and a model
     * pruned on them keeps nothing worth keeping.
     *
     * @param rowsName what the rows are ("the evaluation rows", "the validation rows")
     */
    public InputException refusal(Path file, String rowsName) {
        return new InputException(file, null, "on " + rowsName + " the original " + describe() + ": are these rows "
                + "for this model (its columns, their order, the label column, the input's layout)? Nothing was "
                + "written ({{ACCEPT_CHANCE}} goes on anyway)");
    }
}
