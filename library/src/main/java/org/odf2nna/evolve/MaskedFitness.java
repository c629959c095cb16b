package org.odf2nna.evolve;

import java.util.List;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.RowMajor;

/**
 * The fast fitness: the masked network (mean folding, no training) run in plain Java on fixed rows, scored
 * by the caller's metric. What a mask cannot change is computed once: the outputs of the layers in front of
 * the first searched layer, and that layer's own unit outputs (dropping units of a layer leaves its other
 * units' outputs as they were; the folding changes the next layer). An evaluation then picks the kept
 * columns and runs only the rest of the network, with the same arithmetic as the whole pruned network.
 */
public final class MaskedFitness implements Fitness {

    /** Scores a network's outputs (after its head) on the rows; higher is better. Must be thread-safe. */
    @FunctionalInterface
    public interface Scorer {
        double score(float[] outputs, int rows);
    }

    private final MaskSearch search;
    /** Rows as the first layer not computed in advance reads them (all columns, before masking). */
    private final float[] base;
    private final int baseLayers;
    private final int baseWidth;
    private final int rows;
    private final Scorer scorer;

    /**
     * @param chainInputs {@code rows} rows of what the network's first layer reads, row-major
     */
    public MaskedFitness(MaskSearch search, float[] chainInputs, int rows, Scorer scorer) {
        DenseNetwork network = search.network();
        if (chainInputs.length < (long) rows * network.inputs()) {
            throw new IllegalArgumentException("rows hold " + chainInputs.length + " values, need " + rows + "x"
                    + network.inputs());
        }
        this.search = search;
        this.rows = rows;
        this.scorer = scorer;
        float[] x = java.util.Arrays.copyOf(chainInputs, rows * network.inputs());
        int through = search instanceof UnitSearch ? search.firstChangedLayer() + 1 : 0;
        for (int l = 0; l < through; l++) {
            x = network.layer(l).forward(x, rows);
        }
        this.base = x;
        this.baseLayers = through;
        this.baseWidth = through == 0 ? network.inputs() : network.layer(through - 1).units();
    }

    @Override
    public double evaluate(Mask mask) {
        DenseNetwork masked = search.apply(mask);
        int[] kept = search instanceof FeatureSearch features ? features.kept(mask)
                : ((UnitSearch) search).selection(mask).layer(baseLayers - 1).kept();
        float[] x = RowMajor.keepColumns(base, rows, baseWidth, kept);
        List<DenseLayer> layers = masked.layers();
        for (int l = baseLayers; l < layers.size(); l++) {
            x = layers.get(l).forward(x, rows);
        }
        masked.head().apply(x, rows, masked.outputs());
        return scorer.score(x, rows);
    }
}
