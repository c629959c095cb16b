package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;

/**
 * Compensation by least squares: after the kept units of hidden layer l are chosen, layer l+1's weights and
 * bias are refitted so that its pre-activations, computed from the kept units as they come out of the
 * already-pruned network, match the original network's pre-activations on the fitting rows.
 *
 * <p>Layer by layer, l = 0, 1, …: H = the pruned network's layer-l outputs on its kept units (layers 0..l
 * already pruned and refitted), Z = the original network's layer-(l+1) pre-activations. Layer l+1 gets, for
 * every one of its units, the X = [W; b] that minimises ‖[H, 1]·X − Z‖² + λ‖W − W₀‖² (see
 * {@link NormalEquations}); its own units are pruned in the next step, and the output layer is refitted at
 * the last. The ridge pulls W towards W₀, the weights mean folding gives (the original's rows of the kept
 * units; {@link Pruner} folds the dropped units into b₀), so:
 *
 * <ul>
 * <li>the refit reconstructs Z on the fitting rows at least as well as mean folding does from the same H, for
 *     any λ ≥ 0 (mean folding is a feasible point, and the ridge term is zero there);</li>
 * <li>with nothing pruned, or with only exactly constant units dropped, mean folding reconstructs Z exactly,
 *     so it is the unique solution: the refit changes nothing;</li>
 * <li>directions the rows do not determine (a kept unit that never varies, collinear units) stay at the
 *     mean-folding weights instead of wandering off, and a small λ ({@link #DEFAULT_RIDGE}, relative to
 *     the kept units' average variance) keeps the system well conditioned.</li>
 * </ul>
 *
 * <p>Each step is one streaming pass over the rows: the original network is run to layer l+1 and the
 * pruned one to layer l (both in plain Java, sharing the first layer's products, since the pruned first layer
 * is a column subset of the original's), and the normal equations are accumulated in double. Memory is
 * O(units²) plus one batch of activations, whatever the number of rows.
 */
public final class LeastSquaresCompensation {

    /**
     * λ relative to the kept units' average variance (times the rows); see {@link NormalEquations#solve}. Small:
     * on the reference models a ridge of 1e-4 or more already cost accuracy on held-out rows (the refit needs
     * directions in which the kept units vary little), while at 1e-6 the held-out metrics equal those of the
     * plain least-squares solution and the system stays far from singular.
     */
    public static final double DEFAULT_RIDGE = 1e-6;

    private LeastSquaresCompensation() {
    }

    /**
     * How one layer was refitted.
     *
     * @param layer           the refitted layer, 1-based (2 = the layer after the first hidden layer)
     * @param inputs          its inputs after pruning (kept units of the layer before)
     * @param rows            fitting rows
     * @param lambda          the ridge λ used (absolute)
     * @param solver          "cholesky", or "pseudo-inverse" when the system was singular
     * @param meanFoldingError mean squared error of its pre-activations against the original's, per row and
     *                         unit, with mean folding's weights on the same inputs
     * @param leastSquaresError the same with the refitted weights (never larger)
     */
    public record LayerFit(int layer, int inputs, long rows, double lambda, String solver, double meanFoldingError,
            double leastSquaresError) {
    }

    /** The compensated network and how each layer was refitted. */
    public record Result(DenseNetwork network, List<LayerFit> layers) {
        public Result {
            layers = List.copyOf(layers);
        }
    }

    /**
     * Prunes {@code original} to {@code selection} and refits every layer after a hidden layer.
     *
     * @param statistics the units' means over the scoring rows (mean folding's weights are the prior, and the
     *                   means centre the sums)
     * @param rows       the fitting rows, as chain input; one pass per hidden layer
     * @param ridge      λ relative to the kept units' average variance; ≥ 0
     */
    public static Result compensate(DenseNetwork original, UnitStatistics statistics, UnitSelection selection,
            RowSource rows, double ridge) {
        int hidden = original.hiddenLayerCount();
        if (selection.layers().size() != hidden || statistics.layerCount() != hidden) {
            throw new IllegalArgumentException("network has " + hidden + " hidden layers, selection "
                    + selection.layers().size() + ", statistics " + statistics.layerCount());
        }
        List<DenseLayer> current = new ArrayList<>(original.layers());
        List<LayerFit> fits = new ArrayList<>();
        for (int l = 0; l < hidden; l++) {
            UnitSelection.Layer chosen = selection.layer(l);
            if (chosen.originalUnits() != original.layer(l).units()) {
                throw new IllegalArgumentException("layer " + (l + 1) + " has " + original.layer(l).units()
                        + " units, the selection expects " + chosen.originalUnits());
            }
            int[] kept = chosen.kept();
            current.set(l, current.get(l).keepUnits(kept));
            DenseLayer next = original.layer(l + 1);
            DenseLayer prior = Pruner.foldDropped(next, chosen, statistics.mean(l));
            double[] means = statistics.mean(l);
            double[] featureShift = new double[kept.length];
            for (int k = 0; k < kept.length; k++) {
                featureShift[k] = means[kept[k]];
            }
            // The original's mean pre-activation of layer l+1 is W·m + b, from the unit means.
            double[] targetShift = new double[next.units()];
            float[] nextWeights = next.weights();
            float[] nextBias = next.bias();
            for (int u = 0; u < next.units(); u++) {
                double z = nextBias[u];
                for (int j = 0; j < next.inputs(); j++) {
                    z += means[j] * nextWeights[j * next.units() + u];
                }
                targetShift[u] = z;
            }
            NormalEquations equations = new NormalEquations(featureShift, targetShift);
            int step = l;
            List<DenseLayer> pruned = List.copyOf(current);
            int[] firstKept = selection.layer(0).kept();
            rows.forEachBatch((x, n) -> accumulate(original, pruned, firstKept, step, x, n, equations));
            NormalEquations.Solution solution = equations.solve(prior.weights(), prior.bias(), ridge);
            current.set(l + 1, new DenseLayer(kept.length, next.units(), toFloat(solution.weights()),
                    toFloat(solution.bias()), next.activation()));
            double cells = (double) equations.rows() * next.units();
            fits.add(new LayerFit(l + 2, kept.length, equations.rows(), solution.lambda(), solution.solver(),
                    solution.priorResidual() / cells, solution.residual() / cells));
        }
        return new Result(original.withLayers(current), fits);
    }

    /**
     * One batch of step {@code l}: the original's layer-(l+1) pre-activations and the pruned network's layer-l
     * outputs. {@code pruned} holds layers 0..l already pruned; its first layer is the original's restricted to
     * {@code firstKept}, so its outputs are picked from the original's instead of computed again.
     */
    private static void accumulate(DenseNetwork original, List<DenseLayer> pruned, int[] firstKept, int l,
            float[] x, int n, NormalEquations equations) {
        float[] o = original.layer(0).forward(x, n);
        float[] p = columns(o, n, original.layer(0).units(), firstKept);
        for (int i = 1; i <= l; i++) {
            o = original.layer(i).forward(o, n);
            p = pruned.get(i).forward(p, n);
        }
        float[] z = original.layer(l + 1).preActivations(o, n);
        equations.add(p, z, n);
    }

    /** The given columns of an n × width row-major matrix. */
    static float[] columns(float[] m, int n, int width, int[] which) {
        float[] out = new float[n * which.length];
        for (int r = 0; r < n; r++) {
            int from = r * width;
            int to = r * which.length;
            for (int k = 0; k < which.length; k++) {
                out[to + k] = m[from + which[k]];
            }
        }
        return out;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
