package org.odf2nna.method;

import java.nio.DoubleBuffer;
import java.util.HashMap;
import java.util.Map;
import org.odf2nna.Device;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.onnx.PinnedDoubles;
import org.odf2nna.onnx.RefitSumsGraph;

/**
 * Gram matrices of hidden layers' outputs that the scoring pass took as it went (all the rows, in their order): the
 * first refit needs the original's Gram matrix of the first layer that drops units, and taken here it costs one
 * double Gemm per block of rows instead of a pass of its own that runs the original to that layer again. Which layer
 * that is depends on the scores of all the rows, so the pass takes the layers a plan names after its first batch.
 */
final class LayerGrams {

    /**
     * One layer's matrix: (A − μ)ᵀ(A − μ) over {@code rows} rows whose mean is μ, until {@link #about} moves it, in
     * place, to a shift.
     */
    static final class Gram {
        /** The matrix; null once its last use is over ({@link #used}). */
        private double[] matrix;
        private final double[] mean;
        private final long rows;
        /** The shift the matrix is about now, or null while it is still about the mean. */
        private double[] shiftedTo;
        /** Uses left before the matrix is let go ({@link LayerGrams#usedAtMost}); unlimited by default. */
        private int usesLeft = Integer.MAX_VALUE;

        Gram(double[] centred, double[] mean, long rows) {
            this.matrix = centred;
            this.mean = mean;
            this.rows = rows;
        }

        long rows() {
            return rows;
        }

        /**
         * The matrix about {@code shift} instead of the mean, (A − s)ᵀ(A − s) = G + n(μ − s)(μ − s)ᵀ, and the column
         * sums of A − s, n(μ − s): what {@link RefitSumsGraph#originalGram} gives when shifted by {@code shift}.
         * The matrix is this Gram's own, moved in place (a 4,096-wide layer's copy was 128 MB beside it): every ε's
         * first refit shifts by the same unit means, so a later call with an equal shift gets the same values, bit for
         * bit; another shift is moved to from the last (the same sums, rounded differently). Callers only read it.
         *
         * @return the matrix, and in {@code sums} the column sums
         */
        double[] about(double[] shift, double[] sums) {
            if (matrix == null) {
                throw new IllegalStateException("the Gram matrix was let go after its last use");
            }
            int k = mean.length;
            double[] d = new double[k];
            for (int i = 0; i < k; i++) {
                d[i] = mean[i] - shift[i];
                sums[i] = rows * d[i];
            }
            if (shiftedTo != null && java.util.Arrays.equals(shiftedTo, shift)) {
                return matrix;
            }
            if (shiftedTo != null) {
                double[] back = new double[k];
                for (int i = 0; i < k; i++) {
                    back[i] = mean[i] - shiftedTo[i];
                }
                addOuter(-rows, back);
            }
            addOuter(rows, d);
            shiftedTo = shift.clone();
            return matrix;
        }

        /**
         * One use of the matrix is over (a refit has gathered its sums from it): after the last, the matrix is let go,
         * so that the solve that follows does not hold it (128 MB at 4,096 wide).
         */
        void used() {
            if (usesLeft != Integer.MAX_VALUE) {
                usesLeft -= 1;
                if (usesLeft <= 0) {
                    matrix = null;
                }
            }
        }

        /** Adds {@code scale}·d dᵀ to the matrix. */
        private void addOuter(double scale, double[] d) {
            int k = d.length;
            for (int i = 0; i < k; i++) {
                double di = scale * d[i];
                int row = i * k;
                for (int j = 0; j < k; j++) {
                    matrix[row + j] += di * d[j];
                }
            }
        }
    }

    private final Map<Integer, Gram> grams;

    private LayerGrams(Map<Integer, Gram> grams) {
        this.grams = Map.copyOf(grams);
    }

    /**
     * These matrices, each let go after {@code uses} uses (a shrink's thresholds: each ε's first refit takes its
     * layer's matrix at most once).
     */
    LayerGrams usedAtMost(int uses) {
        grams.values().forEach(gram -> gram.usesLeft = uses);
        return this;
    }

    /**
     * Hidden layer {@code layer}'s matrix, or null when the pass did not take it or its uses are over (a refit then
     * makes it in a pass of its own: time, not a wrong answer).
     */
    Gram of(int layer) {
        Gram gram = grams.get(layer);
        return gram == null || gram.matrix == null ? null : gram;
    }

    /** Which hidden layers to take, decided on the statistics of the first batch. */
    interface Plan {
        /** @param provisional the units' statistics on the first batch alone */
        boolean[] layers(org.odf2nna.prune.UnitStatistics provisional);
    }

    /** One layer's running matrix: each block centred on its own mean in ONNX Runtime, merged here. */
    static final class Accumulator implements org.odf2nna.prune.LayerCovariance.BlockGram {
        private final int width;
        private final OnnxRunner runner;
        private final PinnedDoubles block;
        private final double[] centred;
        private final double[] mean;
        private long rows;

        Accumulator(int width, Device device) {
            this.width = width;
            this.centred = new double[width * width];
            this.mean = new double[width];
            this.runner = OnnxRunner.open(RefitSumsGraph.blockGram(width), RefitSumsGraph.activations(width), device,
                    OnnxRefitSums.IN_MEMORY);
            Map<String, long[]> shapes = new HashMap<>();
            shapes.put(RefitSumsGraph.GRAM, new long[] {width, width});
            shapes.put(RefitSumsGraph.BLOCK_MEAN, new long[] {width});
            this.block = PinnedDoubles.of(shapes);
        }

        /** Adds {@code n} rows of activations (row-major, {@code width} each). */
        @Override
        public void add(float[] activations, int n) {
            runner.runInto(activations, n, width, block);
            DoubleBuffer g = block.get(RefitSumsGraph.GRAM);
            DoubleBuffer m = block.get(RefitSumsGraph.BLOCK_MEAN);
            long total = rows + n;
            // Chan et al.: G = G_a + G_b + (n_a n_b / n) δδᵀ, δ = μ_b − μ_a.
            double cross = (double) rows * n / total;
            double weight = (double) n / total;
            double[] delta = new double[width];
            for (int i = 0; i < width; i++) {
                delta[i] = m.get(i) - mean[i];
            }
            for (int i = 0; i < width; i++) {
                double di = cross * delta[i];
                int row = i * width;
                for (int j = 0; j < width; j++) {
                    centred[row + j] += g.get(row + j) + di * delta[j];
                }
            }
            for (int i = 0; i < width; i++) {
                mean[i] += delta[i] * weight;
            }
            rows = total;
        }

        /** The matrix about the rows' mean so far: this accumulator's own array, not a copy. */
        @Override
        public double[] centred() {
            return centred;
        }

        Gram build() {
            return new Gram(centred, mean, rows);
        }

        @Override
        public void close() {
            block.close();
            runner.close();
        }
    }

    /** Collects the layers' accumulators into the scan's result. */
    static LayerGrams of(Map<Integer, Accumulator> accumulators) {
        Map<Integer, Gram> grams = new HashMap<>();
        accumulators.forEach((layer, accumulator) -> grams.put(layer, accumulator.build()));
        return new LayerGrams(grams);
    }

    /** The matrices given, by hidden layer (tests). */
    static LayerGrams taken(Map<Integer, Gram> grams) {
        return new LayerGrams(grams);
    }
}
