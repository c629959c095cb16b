package org.odf2nna.evolve;

import java.util.List;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;

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
        int through = search instanceof UnitSearch ? search.firstChangedLayer() + 1 : 0;
        this.baseLayers = through;
        this.baseWidth = through == 0 ? network.inputs() : network.layer(through - 1).units();
        this.base = new float[rows * baseWidth];
        int block = Int8Quantization.integerKernels(network) ? Math.max(1, rows) : BLOCK;
        int width = network.inputs();
        for (int from = 0; from < rows; from += block) {
            int n = Math.min(block, rows - from);
            float[] x = java.util.Arrays.copyOfRange(chainInputs, from * width, (from + n) * width);
            for (int l = 0; l < through; l++) {
                x = network.layer(l).forward(x, n);
            }
            System.arraycopy(x, 0, base, from * baseWidth, n * baseWidth);
        }
    }

    /**
     * Rows an evaluation runs at once: its activations are this many rows wide, not all rows (200,000 validation rows
     * of a 300-wide layer are 240 MB a layer, in every thread evaluating). A float network computes each row on its
     * own, so the outputs are the same as one pass over all rows.
     */
    static final int BLOCK = 8192;

    @Override
    public double evaluate(Mask mask) {
        DenseNetwork masked = search.apply(mask);
        int[] kept = search instanceof FeatureSearch features ? features.kept(mask)
                : ((UnitSearch) search).selection(mask).layer(baseLayers - 1).kept();
        // A network on integer kernels quantizes each batch by its own range: all rows at once, as before.
        int block = Int8Quantization.integerKernels(masked) ? Math.max(1, rows) : BLOCK;
        int outputs = masked.outputs();
        float[] out = new float[rows * outputs];
        for (int from = 0; from < rows; from += block) {
            int n = Math.min(block, rows - from);
            float[] x = keptColumns(from, n, kept);
            List<DenseLayer> layers = masked.layers();
            for (int l = baseLayers; l < layers.size(); l++) {
                x = layers.get(l).forward(x, n);
            }
            masked.head().apply(x, n, outputs);
            System.arraycopy(x, 0, out, from * outputs, n * outputs);
        }
        return scorer.score(out, rows);
    }

    /** Rows {@code from .. from+n-1} of {@link #base}, the {@code kept} columns only. */
    private float[] keptColumns(int from, int n, int[] kept) {
        float[] x = new float[n * kept.length];
        for (int r = 0; r < n; r++) {
            int in = (from + r) * baseWidth;
            int at = r * kept.length;
            for (int k = 0; k < kept.length; k++) {
                x[at + k] = base[in + kept[k]];
            }
        }
        return x;
    }
}
