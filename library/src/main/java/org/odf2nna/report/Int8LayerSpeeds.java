package org.odf2nna.report;

import java.util.List;

/**
 * Each int8 layer of a conversion timed alone against its float form on this machine, and which stayed float for
 * being slower as int8 (the per-layer fallback of {@code convert} with {@code int8}).
 *
 * @param threads  ONNX Runtime's intra-op threads in every timed session
 * @param batch    the larger batch timed (batch 1 too)
 * @param layers   per layer timed, in graph order
 * @param notTimed why no layer was timed (the fallback off, no timing batch, a layer that cannot be run alone), or
 *                 null when they were
 */
public record Int8LayerSpeeds(int threads, int batch, List<Layer> layers, String notTimed) {

    /** No layer timed: every layer int8. */
    public static final Int8LayerSpeeds NONE = new Int8LayerSpeeds(0, 0, List.of(), null);

    public Int8LayerSpeeds {
        layers = List.copyOf(layers);
    }

    /** Layers that stayed float for their speed. */
    public List<Layer> keptFloat() {
        return layers.stream().filter(Layer::keptFloat).toList();
    }

    /**
     * One layer timed alone: its node with its constant weights, fed what reaches it in the float model.
     *
     * @param node       the node's name
     * @param op         MatMul, Gemm or Conv
     * @param oneRatio   int8 time over float time at batch 1 (above 1: the int8 form is slower)
     * @param batchRatio the same at the larger batch (NaN when not timed)
     * @param keptFloat  whether it stayed float for it
     */
    public record Layer(String node, String op, double oneRatio, double batchRatio, boolean keptFloat) {

        /**
         * The int8 form's time over the float form's, on balance: the geometric mean of both batches' ratios (batch
         * 1's alone when only it was timed).
         */
        public double balance() {
            return Double.isNaN(batchRatio) ? oneRatio : Math.sqrt(oneRatio * batchRatio);
        }
    }
}
