package org.odf2nna.prune;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.RowMajor;

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
 *     so it is the solution: while every unit dropped so far is constant on the scoring rows, the layer keeps
 *     mean folding's weights as they are (no solve, so not even rounding changes the outputs at ε = 0);</li>
 * <li>directions the rows do not determine (a kept unit that never varies, collinear units) stay at the
 *     mean-folding weights instead of wandering off, and a small λ
 *     ({@link org.odf2nna.settings.PruningOptions#DEFAULT_RIDGE}, relative to the kept units' average variance)
 *     keeps the system well conditioned.</li>
 * </ul>
 *
 * <p>Each step is one pass over the rows that makes the layer's sums ({@link RefitSums}: in ONNX Runtime, with its
 * Gemm as the Gram updates, for every refit the method layer runs; in plain Java by {@link FittingRows} for networks
 * on simulated integer kernels, and for rows given here directly), then a solve from the sums alone (wide systems by
 * blocks, {@link BlockedCholesky}). Memory is O(units²) plus one batch, whatever the number of rows.
 */
public final class LeastSquaresCompensation {

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
     * @param rows       the fitting rows, as chain input; one pass per hidden layer, summed in plain Java
     * @param ridge      λ relative to the kept units' average variance; ≥ 0
     */
    public static Result compensate(DenseNetwork original, UnitStatistics statistics, UnitSelection selection,
            RowSource rows, double ridge) {
        return compensate(original, statistics, selection, FittingRows.streamed(original, rows), ridge);
    }

    /**
     * The same from sums made by {@code sums} (in plain Java by {@link FittingRows}, or in ONNX Runtime): the
     * layers are refitted in order, each from the pruned network's outputs as the layers before it were refitted,
     * so each layer's sums are made once its inputs are known.
     */
    public static Result compensate(DenseNetwork original, UnitStatistics statistics, UnitSelection selection,
            RefitSums sums, double ridge) {
        int hidden = original.hiddenLayerCount();
        if (selection.layers().size() != hidden || statistics.layerCount() != hidden) {
            throw new IllegalArgumentException("network has " + hidden + " hidden layers, selection "
                    + selection.layers().size() + ", statistics " + statistics.layerCount());
        }
        try (DenseProduct product = sums.products()) {
            return compensate(original, statistics, selection, sums, ridge, product);
        }
    }

    private static Result compensate(DenseNetwork original, UnitStatistics statistics, UnitSelection selection,
            RefitSums sums, double ridge, DenseProduct product) {
        int hidden = original.hiddenLayerCount();
        List<DenseLayer> current = new ArrayList<>(original.layers());
        List<LayerFit> fits = new ArrayList<>();
        // While only units constant on the scoring rows have gone, mean folding is exact there and the refit could
        // only add rounding: the layer keeps mean folding's weights (ε = 0 leaves the outputs as they were).
        boolean exactSoFar = true;
        // While no unit at all has gone, a layer's features are the original's own outputs (RefitSums may then take
        // its sums from the original alone).
        boolean noneDropped = true;
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
            exactSoFar = exactSoFar && onlyConstantDropped(chosen, statistics.std(l));
            boolean originalFeatures = noneDropped;
            noneDropped = noneDropped && chosen.dropped().length == 0;
            if (exactSoFar) {
                current.set(l + 1, prior);
                fits.add(new LayerFit(l + 2, kept.length, sums.rows(), 0, "mean folding (only constant units dropped)",
                        0, 0));
                continue;
            }
            double[] featureShift = new double[kept.length];
            for (int k = 0; k < kept.length; k++) {
                featureShift[k] = means[kept[k]];
            }
            // The original's mean pre-activation of layer l+1 is W·m + b, from the unit means.
            NormalEquations equations = new NormalEquations(featureShift, next.preActivation(means));
            if (originalFeatures) {
                sums.accumulateOriginal(l, kept, means, selection.layer(0).kept(), List.copyOf(current.subList(0,
                        l + 1)), equations);
            } else {
                sums.accumulate(l, selection.layer(0).kept(), List.copyOf(current.subList(0, l + 1)), equations);
            }
            NormalEquations.Solution solution = equations.solve(prior.weights(), prior.bias(), ridge, product);
            current.set(l + 1, new DenseLayer(kept.length, next.units(), DenseLayer.rounded(solution.weights()),
                    DenseLayer.rounded(solution.bias()), next.activation()));
            double cells = (double) equations.rows() * next.units();
            fits.add(new LayerFit(l + 2, kept.length, equations.rows(), solution.lambda(), solution.solver(),
                    solution.priorResidual() / cells, solution.residual() / cells));
        }
        return new Result(original.withLayers(current), fits);
    }

    /**
     * Drops inputs of the network (feature selection) and refits the first layer on the kept ones, so that its
     * pre-activations match the original's on the fitting rows; the prior is {@link Pruner#pruneInputs}'s layer,
     * each dropped input folded in as its mean.
     *
     * @param inputMeans one mean per input (the prior, and the centre of the sums)
     * @param keptInputs the inputs to keep, ascending
     */
    public static Result compensateInputs(DenseNetwork original, double[] inputMeans, int[] keptInputs, RowSource rows,
            double ridge) {
        DenseLayer first = original.layer(0);
        DenseLayer prior = Pruner.pruneInputs(original, inputMeans, keptInputs).layer(0);
        double[] featureShift = new double[keptInputs.length];
        for (int k = 0; k < keptInputs.length; k++) {
            featureShift[k] = inputMeans[keptInputs[k]];
        }
        NormalEquations equations = new NormalEquations(featureShift, first.preActivation(inputMeans));
        rows.forEachBatch((x, n) -> equations.add(RowMajor.keepColumns(x, n, first.inputs(), keptInputs),
                first.preActivations(x, n), n));
        NormalEquations.Solution solution = equations.solve(prior.weights(), prior.bias(), ridge);
        List<DenseLayer> layers = new ArrayList<>(original.layers());
        layers.set(0, new DenseLayer(keptInputs.length, first.units(), DenseLayer.rounded(solution.weights()),
                DenseLayer.rounded(solution.bias()), first.activation()));
        double cells = (double) equations.rows() * first.units();
        return new Result(original.withLayers(layers), List.of(new LayerFit(1, keptInputs.length, equations.rows(),
                solution.lambda(), solution.solver(), solution.priorResidual() / cells, solution.residual() / cells)));
    }

    private static boolean onlyConstantDropped(UnitSelection.Layer chosen, double[] stds) {
        for (int j : chosen.dropped()) {
            if (stds[j] != 0) {
                return false;
            }
        }
        return true;
    }
}
