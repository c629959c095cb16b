package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.settings.Ranking;

/**
 * The pruning rule that knows the compensation: a unit costs what the least-squares refit of the next layer cannot
 * make up for when it is gone.
 *
 * <p>For hidden layer l with outputs h (covariance Σ over the rows) feeding z = Wᵀh + b, removing a set S of units
 * and refitting the rest (the bias absorbs the means) leaves the error tr(W_Sᵀ (Σ_SS − Σ_SK Σ_KK⁻¹ Σ_KS) W_S) on z.
 * Removed one at a time, greedily, this is the structured Optimal Brain Surgeon step: with P = Σ⁻¹ the unit j whose
 * removal costs least is the one with the smallest ‖w_j‖² / P_jj; the kept units' outgoing weights then absorb it
 * (w_k −= P_kj / P_jj · w_j) and P loses row and column j (a rank-one update), so a whole removal order costs O(m³)
 * for m units.
 *
 * <p>Costs are made comparable between layers by dividing by the layer's output energy tr(Wᵀ Σ W) (the variance of
 * z the layer explains, FLAP's idea), and a removal is ranked by that share per parameter it saves, so that one
 * global order decides how many units each layer gives up.
 */
public final class ReconstructionCost {

    /** Σ gets this share of its mean diagonal added before inversion: collinear units stay well defined. */
    static final double RIDGE = 1e-6;

    private ReconstructionCost() {
    }

    /**
     * A layer's greedy removal order.
     *
     * @param order the units in the order they go (at most units − 1: a layer keeps one)
     * @param cost  the error each removal adds, as a share of the layer's output energy (not cumulative)
     */
    public record Order(int[] order, double[] cost) {
    }

    /**
     * The greedy removal order of one hidden layer.
     *
     * @param covariance the layer's output covariance, m × m row-major (per row, centred)
     * @param next       the layer its outputs feed
     */
    public static Order order(double[] covariance, DenseLayer next) {
        int m = next.inputs();
        int u = next.units();
        if (covariance.length != m * m) {
            throw new IllegalArgumentException("covariance of " + covariance.length + " values for " + m + " units");
        }
        double[] w = new double[m * u];
        float[] wf = next.weights();
        for (int k = 0; k < w.length; k++) {
            w[k] = wf[k];
        }
        double energy = energy(covariance, w, m, u);
        double[] p = ridgedInverse(covariance, m);
        boolean[] gone = new boolean[m];
        int[] order = new int[Math.max(0, m - 1)];
        double[] cost = new double[order.length];
        double scale = energy > 0 ? 1 / energy : 0;
        for (int step = 0; step < order.length; step++) {
            int j = cheapest(w, p, gone, m, u);
            double jCost = removalCost(w, p, j, m, u);
            remove(w, p, gone, j, m, u);
            order[step] = j;
            cost[step] = Math.max(0, jCost) * scale;
        }
        return new Order(order, cost);
    }

    /**
     * The next layer's output energy, trace(Wᵀ Σ W): what the costs are a fraction of. Summed row by row of Σ as
     * Σ_a w_a · (Σ_b s_ab w_b), the inner sum a vector update over the next layer's units (the JIT vectorises it),
     * rather than a dot product of two weight rows for every pair a, b (m² dot products of u terms in one dependent
     * chain each: over a minute for a 4,096-wide layer). The same sums in another order: every cost of the layer
     * moves by the same factor, within rounding.
     */
    private static double energy(double[] covariance, double[] w, int m, int u) {
        double energy = 0;
        double[] t = new double[u];
        for (int a = 0; a < m; a++) {
            java.util.Arrays.fill(t, 0);
            int row = a * m;
            for (int b = 0; b < m; b++) {
                double s = covariance[row + b];
                if (s == 0) {
                    continue;
                }
                int wb = b * u;
                for (int c = 0; c < u; c++) {
                    t[c] += s * w[wb + c];
                }
            }
            int wa = a * u;
            double dot = 0;
            for (int c = 0; c < u; c++) {
                dot += w[wa + c] * t[c];
            }
            energy += dot;
        }
        return energy;
    }

    /** The inverse of the covariance with a ridge relative to its mean variance, m × m row-major. */
    private static double[] ridgedInverse(double[] covariance, int m) {
        double trace = 0;
        for (int i = 0; i < m; i++) {
            trace += covariance[i * m + i];
        }
        double ridge = RIDGE * Math.max(trace / Math.max(1, m), 1e-30);
        DMatrixRMaj inverse = new DMatrixRMaj(m, m);
        // The factor works in a copy of its own; the pseudo-inverse, rarely needed, gets the ridged matrix again.
        if (!CommonOps_DDRM.invertSPD(ridged(covariance, m, ridge), inverse)) {
            CommonOps_DDRM.pinv(ridged(covariance, m, ridge), inverse);
        }
        return inverse.data;
    }

    private static DMatrixRMaj ridged(double[] covariance, int m, double ridge) {
        DMatrixRMaj sigma = new DMatrixRMaj(m, m, true, covariance.clone());
        for (int i = 0; i < m; i++) {
            sigma.add(i, i, ridge);
        }
        return sigma;
    }

    /** The unit still kept whose removal costs least (the first such, in index order). */
    private static int cheapest(double[] w, double[] p, boolean[] gone, int m, int u) {
        int best = -1;
        double bestCost = Double.POSITIVE_INFINITY;
        for (int j = 0; j < m; j++) {
            if (gone[j]) {
                continue;
            }
            double c = removalCost(w, p, j, m, u);
            if (c < bestCost || best < 0) {
                bestCost = c;
                best = j;
            }
        }
        return best;
    }

    /** The output energy lost by removing unit j with the others' weights refitted: ‖w_j‖² / P_jj. */
    private static double removalCost(double[] w, double[] p, int j, int m, int u) {
        double norm = 0;
        for (int c = 0; c < u; c++) {
            norm += w[j * u + c] * w[j * u + c];
        }
        double pjj = p[j * m + j];
        return pjj > 0 ? norm / pjj : norm * Double.MAX_VALUE;
    }

    /**
     * Removes unit j: the kept units' outgoing weights take over what it carried (w_k -= P_kj / P_jj · w_j), the
     * inverse covariance is downdated to the kept units, and its weights are zeroed.
     */
    private static void remove(double[] w, double[] p, boolean[] gone, int j, int m, int u) {
        double pjj = p[j * m + j];
        if (pjj > 0) {
            for (int k = 0; k < m; k++) {
                if (gone[k] || k == j) {
                    continue;
                }
                double f = p[k * m + j] / pjj;
                if (f != 0) {
                    for (int c = 0; c < u; c++) {
                        w[k * u + c] -= f * w[j * u + c];
                    }
                }
            }
            double[] pj = new double[m];
            for (int k = 0; k < m; k++) {
                pj[k] = gone[k] ? 0 : p[k * m + j];
            }
            for (int a = 0; a < m; a++) {
                if (gone[a] || pj[a] == 0) {
                    continue;
                }
                double fa = pj[a] / pjj;
                for (int b = 0; b < m; b++) {
                    p[a * m + b] -= fa * pj[b];
                }
            }
        }
        gone[j] = true;
        Arrays.fill(w, j * u, (j + 1) * u, 0);
    }

    /**
     * What one round removes.
     *
     * @param keptInputs the network's inputs to keep, ascending (all of them when inputs were not candidates)
     * @param units      the hidden units to keep
     */
    public record Selection(int[] keptInputs, UnitSelection units) {

        /** Whether some input goes. */
        public boolean dropsInputs(DenseNetwork network) {
            return keptInputs.length < network.inputs();
        }
    }

    /**
     * One round of progressive pruning: units leave in the global order of their cost per parameter saved until
     * {@code share} of the network's parameters are gone (each layer keeps one unit at least).
     *
     * @param covariances one output covariance per hidden layer ({@link LayerCovariance})
     * @param share       share of the parameters to remove, in (0, 1)
     */
    public static UnitSelection select(DenseNetwork network, List<double[]> covariances, double share) {
        return select(network, null, covariances, share).units();
    }

    /**
     * The same with the network's inputs as candidates too (the first layer's input covariance given): an input
     * that carries nothing the refit of the first layer cannot make up for goes like a unit (MNIST's border pixels).
     *
     * @param inputCovariance the inputs' covariance, or null to keep every input
     */
    public static Selection select(DenseNetwork network, double[] inputCovariance, List<double[]> covariances,
            double share) {
        return select(network, inputCovariance, covariances, share, Ranking.COST);
    }

    /** {@link #select(DenseNetwork, double[], List, double)} with the removals ordered by {@code ranking}. */
    public static Selection select(DenseNetwork network, double[] inputCovariance, List<double[]> covariances,
            double share, Ranking ranking) {
        return select(network, inputCovariance, covariances, share, ranking, null);
    }

    /**
     * The same, each hidden layer giving at most {@code most[l]} units (null: as many as its order holds, all but
     * one); a layer that has given them is passed over and the others go on.
     */
    public static Selection select(DenseNetwork network, double[] inputCovariance, List<double[]> covariances,
            double share, Ranking ranking, int[] most) {
        return selectFrom(network, inputCovariance, rank(network, covariances, ranking), share, ranking, most);
    }

    /**
     * Each hidden layer's removal order under {@code ranking}: what {@link #selectFrom} walks, whatever the share, so
     * that a round with another share from the same network and covariances need not rank again (and the covariances,
     * 403 MB at width 4,096, need not be kept for it).
     */
    public static List<Order> rank(DenseNetwork network, List<double[]> covariances, Ranking ranking) {
        List<Order> orders = new ArrayList<>();
        for (int l = 0; l < network.hiddenLayerCount(); l++) {
            orders.add(ranked(covariances.get(l), network.layer(l + 1), ranking));
        }
        return orders;
    }

    /** {@link #select(DenseNetwork, double[], List, double, Ranking, int[])} from the hidden layers' {@link #rank}. */
    public static Selection selectFrom(DenseNetwork network, double[] inputCovariance, List<Order> hiddenOrders,
            double share, Ranking ranking, int[] most) {
        int hidden = network.hiddenLayerCount();
        // Slot s removes from widths[s]: 0 the inputs, l + 1 hidden layer l.
        List<Order> orders = new ArrayList<>();
        orders.add(inputCovariance == null ? new Order(new int[0], new double[0])
                : ranked(inputCovariance, network.layer(0), ranking));
        orders.addAll(hiddenOrders);
        int[] widths = network.widths();
        long before = network.parameterCount();
        long target = (long) Math.ceil(share * before);
        int slots = hidden + 1;
        int[] taken = new int[slots];
        // What a removal saves, for ranking only: removals in adjacent layers share weights, so the parameters
        // actually left are counted from the widths.
        long[] saves = new long[slots];
        saves[0] = network.layer(0).units();
        for (int l = 0; l < hidden; l++) {
            saves[l + 1] = network.layer(l).inputs() + 1L + network.layer(l + 1).units();
        }
        PriorityQueue<int[]> heads = new PriorityQueue<>((a, b) -> Double.compare(key(orders, saves, a[0], a[1]),
                key(orders, saves, b[0], b[1])));
        for (int slot = 0; slot < slots; slot++) {
            if (orders.get(slot).order().length > 0) {
                heads.add(new int[] {slot, 0});
            }
        }
        long removed = 0;
        while (removed < target && !heads.isEmpty()) {
            int[] head = heads.poll();
            int slot = head[0];
            if (slot > 0 && most != null && head[1] >= most[slot - 1]) {
                continue;
            }
            taken[slot] = head[1] + 1;
            widths[slot]--;
            removed = before - parameters(widths);
            if (head[1] + 1 < orders.get(slot).order().length) {
                heads.add(new int[] {slot, head[1] + 1});
            }
        }
        List<UnitSelection.Layer> layers = new ArrayList<>();
        for (int l = 0; l < hidden; l++) {
            layers.add(new UnitSelection.Layer(kept(network.layer(l).units(), orders.get(l + 1), taken[l + 1]),
                    network.layer(l).units(), false));
        }
        return new Selection(kept(network.inputs(), orders.get(0), taken[0]), new UnitSelection(layers));
    }

    private static Order ranked(double[] covariance, DenseLayer next, Ranking ranking) {
        if (ranking.usesGradients()) {
            // Not a second check: the sweep's entry refuses it (ProgressiveSweep.requireChainRanking).
            throw new IllegalStateException("a dense chain has no Taylor scores");
        }
        // A chain's layers keep the one-shot cost under GREEDY_COST (the greedy elimination is the graph sweep's) and
        // HEAD_LOSS (a chain has no heads).
        if (ranking == Ranking.COST || ranking == Ranking.GREEDY_COST || ranking == Ranking.HEAD_LOSS) {
            // Whole, one layer at a time: lazily made orders hold every layer's weights and inverse at once (670 MB
            // beside the covariances at width 4,096), which ran out of the default heap in round 1.
            return order(covariance, next);
        }
        int m = next.inputs();
        int u = next.units();
        double[] score = new double[m];
        double total = 0;
        for (int j = 0; j < m; j++) {
            double v = covariance[j * m + j];
            if (ranking == Ranking.IMPACT) {
                double norm = 0;
                for (int c = 0; c < u; c++) {
                    double w = next.weights()[j * u + c];
                    norm += w * w;
                }
                v *= norm;
            }
            score[j] = v;
            total += v;
        }
        Integer[] byScore = new Integer[m];
        for (int j = 0; j < m; j++) {
            byScore[j] = j;
        }
        java.util.Arrays.sort(byScore, (a, b) -> Double.compare(score[a], score[b]));
        int[] order = new int[Math.max(0, m - 1)];
        double[] cost = new double[order.length];
        for (int k = 0; k < order.length; k++) {
            order[k] = byScore[k];
            cost[k] = total > 0 ? score[byScore[k]] / total : 0;
        }
        return new Order(order, cost);
    }

    /** The indices below {@code count} that are not among the first {@code taken} of {@code order}, ascending. */
    private static int[] kept(int count, Order order, int taken) {
        boolean[] dropped = new boolean[count];
        for (int k = 0; k < taken; k++) {
            dropped[order.order()[k]] = true;
        }
        int[] kept = new int[count - taken];
        int at = 0;
        for (int j = 0; j < count; j++) {
            if (!dropped[j]) {
                kept[at++] = j;
            }
        }
        return kept;
    }

    /** Weights and biases of a dense chain of these widths (inputs first). */
    static long parameters(int[] widths) {
        long total = 0;
        for (int l = 1; l < widths.length; l++) {
            total += (long) widths[l - 1] * widths[l] + widths[l];
        }
        return total;
    }

    private static double key(List<Order> orders, long[] saves, int layer, int step) {
        return orders.get(layer).cost()[step] / saves[layer];
    }
}
