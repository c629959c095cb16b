package org.odf2nna.settings;

/**
 * What a graph sweep's rounds count: the share each round removes and each unit's cost in the global ranking.
 * Parameters (the default) is the file's size; multiply-adds per row (as {@code onnx.MultiplyAdds} counts them) is
 * the compute, where a convolution's early, high-resolution layers weigh what their outputs cost rather than what
 * their weights hold; latency is the time those multiply-adds take on this machine in ONNX Runtime, each block layer
 * timed alone once ({@code graph.LayerTimes}). A dense chain counts parameters either way (a dense layer's multiply-adds per row are its
 * weights).
 */
public enum Budget implements ShortName {
    /** Parameters: each round removes a share of the blocks' parameters. */
    PARAMS,
    /**
     * Multiply-adds per row: each round removes a share of the blocks' multiply-adds, and a unit's score is divided by
     * the multiply-adds it saves (relative to the dense blocks' average unit).
     */
    MACS,
    /**
     * Time per row: each block layer (Conv, Gemm, MatMul) timed alone in ONNX Runtime on the sweep's start at batch 1
     * and at the timed batch, its time per multiply-add kept; each round removes a share of the blocks' multiply-adds
     * weighed by those rates, and a unit's score is divided by the time it saves.
     */
    LATENCY;

    /** Parses {@code params}, {@code macs} or {@code latency} (case-insensitive); null for anything else. */
    public static Budget parse(String text) {
        return ShortName.parse(Budget.class, text);
    }
}
