package org.odf2nna.method;

import org.odf2nna.prune.Compensation;
import org.odf2nna.prune.LeastSquaresCompensation;
import org.odf2nna.prune.UnitScore;

/**
 * How units are chosen and compensated for.
 *
 * @param score        what ε is compared with
 * @param compensation how the next layer makes up for the dropped units in the models written and retrained (PWR is
 *                     reported for both compensations whenever there are metrics)
 * @param ridge        least squares' ridge, relative to the kept units' average variance; NaN chooses it by whether
 *                     the pruned networks are retrained ({@link LeastSquaresCompensation#automaticRidge})
 */
public record PruningOptions(UnitScore score, Compensation compensation, double ridge) {

    /** The defaults: the paper's std score, least-squares compensation (see README, "Compensation"). */
    public static final PruningOptions DEFAULT = new PruningOptions(UnitScore.STD, Compensation.LSQ, Double.NaN);

    public PruningOptions {
        java.util.Objects.requireNonNull(score, "score");
        java.util.Objects.requireNonNull(compensation, "compensation");
        if (!Double.isNaN(ridge)) { // NaN: the automatic ridge
            org.odf2nna.prune.NormalEquations.checkRidge(ridge);
        }
    }

    /** Mean folding with the std score: the paper's method as published. */
    public static PruningOptions paper() {
        return new PruningOptions(UnitScore.STD, Compensation.MEAN, Double.NaN);
    }

    /** The ridge for a run whose pruned networks are ({@code retrained}) or are not retrained. */
    public double ridgeFor(boolean retrained) {
        return Double.isNaN(ridge) ? LeastSquaresCompensation.automaticRidge(retrained) : ridge;
    }
}
