package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * The original network's side of a block's sequential refit, kept from one round to the next. The original never
 * changes and every round samples the same rows at the same positions, so its targets at those samples (the block's
 * output, and the residual branch where the target has one) are computed in the first round and read back after: the
 * original's prefix session, half of every block's passes, runs once per sweep (issue 69: the refits were about 240 s
 * of the MobileNetV2-0.5 sweep's 351).
 *
 * <p>Keyed by the original model (held weakly: a sweep's end frees it), the rows' contents, the sample cap and the
 * block's tensors. At most an eighth of the heap, and {@link #MOST_BYTES}, is kept; a block beyond that runs its original side as before.
 */
final class OriginalSamples {

    /** One block's samples, batch by batch, in the order the refit reads them. */
    static final class Block {
        final long[] outputShape;
        final List<float[]> targets = new ArrayList<>();
        final List<float[]> residuals = new ArrayList<>();
        boolean complete;

        Block(long[] outputShape) {
            this.outputShape = outputShape;
        }

        long floats() {
            long n = 0;
            for (float[] t : targets) {
                n += t.length;
            }
            for (float[] r : residuals) {
                n += r == null ? 0 : r.length;
            }
            return n;
        }
    }

    /**
     * The most kept, whatever the heap's ceiling (half the machine's memory by the launcher): a GPT's eight blocks of
     * 37,000 samples × 256 outputs, twice over with the residual, were 600 MB of a sweep's resident 3 GB.
     */
    static final long MOST_BYTES = 256L << 20;

    private static final Map<ModelProto, Map<String, Block>> KEPT = Collections.synchronizedMap(new WeakHashMap<>());

    private OriginalSamples() {
    }

    /** The key of a block's samples on {@code rows} at {@code cap}, with the residual branch read or not. */
    static String key(DenseBlock was, boolean residual, GraphRows rows, long cap) {
        int sides = 0;
        if (rows.sides() != null) {
            for (Map.Entry<String, float[]> side : new java.util.TreeMap<>(rows.sides()).entrySet()) {
                sides = 31 * (31 * sides + side.getKey().hashCode()) + Arrays.hashCode(side.getValue());
            }
        }
        return was.place().output() + "|" + (residual ? was.place().residual() : "") + "|" + rows.count() + "|"
                + Arrays.hashCode(rows.features()) + "|"
                + sides + "|" + cap;
    }

    /** The complete samples kept for {@code key} of {@code original}, or null. */
    static Block find(ModelProto original, String key) {
        Map<String, Block> blocks = KEPT.get(original);
        if (blocks == null) {
            return null;
        }
        synchronized (blocks) {
            Block b = blocks.get(key);
            return b != null && b.complete ? b : null;
        }
    }

    /** Keeps {@code block}'s samples when the heap's share allows; a block already kept stays. */
    static void keep(ModelProto original, String key, Block block) {
        Map<String, Block> blocks = KEPT.computeIfAbsent(original, m -> new HashMap<>());
        synchronized (blocks) {
            long kept = 0;
            for (Block b : blocks.values()) {
                kept += b.floats();
            }
            if ((kept + block.floats()) * Float.BYTES <= Math.min(MOST_BYTES, Runtime.getRuntime().maxMemory() / 8)) {
                block.complete = true;
                blocks.putIfAbsent(key, block);
            }
        }
    }

    /** Forgets {@code key}'s samples (they did not line up with the round's). */
    static void forget(ModelProto original, String key) {
        Map<String, Block> blocks = KEPT.get(original);
        if (blocks != null) {
            synchronized (blocks) {
                blocks.remove(key);
            }
        }
    }
}
