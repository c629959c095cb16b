package org.odf2nna.api;

import java.util.List;
import java.util.Optional;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.DenseNetwork;

/**
 * What {@link Odf2nna#sweep} returns: every round of progressive pruning, and the smallest network that kept the
 * promise on the validation rows.
 *
 * @param original the network given
 * @param rounds   every round, in order
 * @param chosen   index of the chosen round in {@code rounds}, or -1 when none kept the promise
 */
public record Swept(DenseNetwork original, List<Round> rounds, int chosen) {

    /** Copies {@code rounds}, so that the result cannot change after it is made. */
    public Swept {
        rounds = List.copyOf(rounds);
    }

    /**
     * One round.
     *
     * @param index   1-based
     * @param network the retrained network the round ended with
     * @param inputs  the original's inputs (column indices, ascending) that {@code network} reads
     * @param bound   the loss bound on the validation rows; {@link LossBound#holds()} says whether it kept the promise;
     *                null for a round the search did not go on from (it moved too far on the training rows, so the
     *                validation rows never judged it)
     */
    public record Round(int index, DenseNetwork network, int[] inputs, LossBound bound) {

        /** Fewer parameters than {@code original}, in percent. */
        public double reductionPercent(DenseNetwork original) {
            return 100.0 * (original.parameterCount() - network.parameterCount()) / original.parameterCount();
        }
    }

    /** The chosen round, or empty when none kept the promise. */
    public Optional<Round> choice() {
        return chosen < 0 ? Optional.empty() : Optional.of(rounds.get(chosen));
    }

    /** The chosen network's reduction in percent, or 0 when none was chosen. */
    public double reductionPercent() {
        return choice().map(r -> r.reductionPercent(original)).orElse(0.0);
    }
}
