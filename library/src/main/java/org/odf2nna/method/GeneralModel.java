package org.odf2nna.method;

/**
 * The size of the paper's general model (eq. 2): NL hidden layers of equal width
 * NU = (NP − NC) / (D + NL·(NC + 1)), where NP is the parameter budget (by default the number of
 * training rows), D the number of inputs and NC the number of outputs (classes, or 1 for regression).
 *
 * <p>NU is rounded down and kept between {@link #MIN_UNITS} and {@link #MAX_UNITS}: at least two units
 * so that every layer can carry a signal when the budget is tiny, at most 2048 so that a very large
 * training set does not ask for layers no CPU can train in reasonable time (give the units explicitly to go
 * beyond).
 *
 * @param budget  NP
 * @param inputs  D
 * @param outputs NC
 * @param layers  NL
 * @param exact   the formula's value before rounding
 * @param units   NU as used
 */
public record GeneralModel(long budget, int inputs, int outputs, int layers, double exact, int units) {

    public static final int MIN_UNITS = 2;
    public static final int MAX_UNITS = 2048;

    public static GeneralModel size(long budget, int inputs, int outputs, int layers) {
        if (layers < 1) {
            throw new IllegalArgumentException("the general model needs at least one hidden layer, got " + layers);
        }
        double exact = (double) (budget - outputs) / (inputs + (double) layers * (outputs + 1));
        int units = (int) Math.max(MIN_UNITS, Math.min(MAX_UNITS, Math.floor(exact)));
        return new GeneralModel(budget, inputs, outputs, layers, exact, units);
    }

    /** {@code [inputs, NU × layers, outputs]}. */
    public int[] widths() {
        int[] widths = new int[layers + 2];
        widths[0] = inputs;
        for (int l = 1; l <= layers; l++) {
            widths[l] = units;
        }
        widths[layers + 1] = outputs;
        return widths;
    }
}
