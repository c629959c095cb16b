package org.odf2nna.tf;

import java.util.Random;
import org.odf2nna.network.RowMajor;

/**
 * Rows for training the dense chain, as two primitive arrays (never one Java object per row).
 *
 * @param inputs   row-major {@code [rows][width]} chain inputs (what the model's prefix produces)
 * @param targets  one target per row: a class id (0, 1, ...) for classification, a value for regression
 * @param rows     number of rows
 * @param width    values per row
 */
public record TrainingData(float[] inputs, float[] targets, int rows, int width) {

    public TrainingData {
        if (inputs.length < (long) rows * width || targets.length < rows) {
            throw new IllegalArgumentException("arrays too short for " + rows + " rows of " + width);
        }
    }

    /**
     * Splits off a validation part of about {@code fraction} of the rows, chosen by a seeded shuffle.
     * Returns {training, validation}; both keep the rows' original order.
     */
    public TrainingData[] split(double fraction, long seed) {
        int validation = (int) Math.round(rows * fraction);
        if (fraction > 0 && validation == 0 && rows > 1) {
            validation = 1;
        }
        if (validation >= rows) {
            throw new IllegalArgumentException("a validation fraction of " + fraction + " leaves no training rows");
        }
        boolean[] isValidation = heldOut(validation, seed);
        TrainingData train = select(isValidation, false, rows - validation);
        TrainingData held = select(isValidation, true, validation);
        return new TrainingData[] {train, held};
    }

    /** Per row, whether {@link #split} at {@code fraction} and {@code seed} holds it out (its second part). */
    public boolean[] heldOut(double fraction, long seed) {
        int validation = (int) Math.round(rows * fraction);
        if (fraction > 0 && validation == 0 && rows > 1) {
            validation = 1;
        }
        return heldOut(validation, seed);
    }

    private boolean[] heldOut(int validation, long seed) {
        int[] order = permutation(rows, new Random(seed));
        boolean[] isValidation = new boolean[rows];
        for (int i = 0; i < validation; i++) {
            isValidation[order[i]] = true;
        }
        return isValidation;
    }

    private TrainingData select(boolean[] mask, boolean wanted, int count) {
        float[] x = new float[count * width];
        float[] y = new float[count];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            if (mask[r] == wanted) {
                System.arraycopy(inputs, r * width, x, k * width, width);
                y[k] = targets[r];
                k++;
            }
        }
        return new TrainingData(x, y, count, width);
    }

    /** The same rows restricted to the given columns, in the given order (feature selection). */
    public TrainingData keepColumns(int[] kept) {
        return new TrainingData(RowMajor.keepColumns(inputs, rows, width, kept), java.util.Arrays.copyOf(targets, rows),
                rows, kept.length);
    }

    static int[] permutation(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
