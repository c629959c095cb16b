package org.odf2nna.settings;

/**
 * What ε is compared with, per hidden unit.
 *
 * <ul>
 * <li>{@link #STD}, the paper's score: the standard deviation s_j of unit j's activation over the rows, in
 *     the units of the activation (a ReLU or Tanh output).</li>
 * <li>{@link #IMPACT}: s_j · ‖W_{l+1}[j, :]‖₂, the weights leaving unit j into the next layer. Replacing unit
 *     j by its mean changes the next layer's pre-activation u by (h_j − m_j)·W[j, u], whose standard
 *     deviation over the rows is s_j·|W[j, u]|; the score is the root of the sum of those variances over the
 *     next layer's units, so ε is in the units of the next layer's pre-activation. A unit that varies a lot
 *     but whose outgoing weights are tiny is cheap to drop, and the std score cannot see that.</li>
 * </ul>
 *
 * <p>The scores themselves are computed by {@code prune.UnitStatistics#scores}.
 */
public enum UnitScore implements ShortName {
    STD,
    IMPACT;

    /** Parses {@code std} or {@code impact} (case-insensitive); null for anything else. */
    public static UnitScore parse(String text) {
        return ShortName.parse(UnitScore.class, text);
    }
}
