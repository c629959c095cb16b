package org.odf2nna.graph;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.odf2nna.data.RowFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * The original network's side of a block's sequential refit, kept from one round to the next. The original never
 * changes and every round samples the same rows at the same positions, so its targets at those samples (the block's
 * output, and the residual branch where the target has one) are computed in the first round and read back after: the
 * original's prefix session, half of every block's passes, runs once per sweep (issue 69: the refits were about 240 s
 * of the MobileNetV2-0.5 sweep's 351).
 *
 * <p>Keyed by the original model (held weakly: a sweep's end frees it), the rows' contents, the sample cap and the
 * block's tensors. At most {@link #MOST_BYTES} is kept, on disk; a block beyond that runs its original side as before.
 */
final class OriginalSamples {

    /**
     * One block's samples, batch by batch, in the order the refit reads them, on disk (the run's temporary folder):
     * held in the heap they were its largest live part in a GPT's late rounds (256 MB of 0.3 GB live), and G1 sizes
     * the heap from what is live. A batch is read back whole when the refit reaches it.
     */
    static final class Block {
        private static final Cleaner FILES = Cleaner.create();

        final long[] outputShape;
        private final int outputs;
        private final List<Integer> samples = new ArrayList<>();
        /** The first sample of each batch in the files, kept as batches are added (a read needs no sum). */
        private final List<Long> firsts = new ArrayList<>();
        private RowFile targets;
        private RowFile residuals;
        private Cleaner.Cleanable cleanable;
        boolean complete;

        Block(long[] outputShape, int outputs) {
            this.outputShape = outputShape;
            this.outputs = outputs;
        }

        /** Appends a batch: {@code targets} [samples, outputs], and its residual branch of the same shape or null. */
        void add(float[] batchTargets, float[] batchResiduals) {
            int n = batchTargets.length / outputs;
            if (targets == null) {
                targets = RowFile.create(outputs);
                residuals = batchResiduals == null ? null : RowFile.create(outputs);
                RowFile t = targets;
                RowFile r = residuals;
                // A block the sweep no longer reaches deletes its files (else they go with the run's folder).
                cleanable = FILES.register(this, () -> close(t, r));
            }
            if ((batchResiduals == null) != (residuals == null)) {
                throw new IllegalStateException("a block's batches differ in whether they carry the residual");
            }
            targets.append(batchTargets, 0, n);
            if (residuals != null) {
                residuals.append(batchResiduals, 0, n);
            }
            firsts.add(samples.isEmpty() ? 0L : firsts.get(firsts.size() - 1) + samples.get(samples.size() - 1));
            samples.add(n);
        }

        /** Values per sample: the block's outputs. */
        int outputs() {
            return outputs;
        }

        /** Batches kept. */
        int batches() {
            return samples.size();
        }

        /** Samples in batch {@code index}. */
        int samples(int index) {
            return samples.get(index);
        }

        /** Batch {@code index}: its targets and its residual branch (null when none), as {@link #add} took them. */
        float[][] batch(int index) {
            long first = firsts.get(index);
            int n = samples.get(index);
            return new float[][] {read(targets, first, n), residuals == null ? null : read(residuals, first, n)};
        }

        private float[] read(RowFile file, long first, int n) {
            float[] values = new float[n * outputs];
            file.read(first, n, values);
            return values;
        }

        /** Values kept, both sides. */
        long floats() {
            long n = targets == null ? 0 : targets.rows() * outputs;
            return residuals == null ? n : 2 * n;
        }

        /** Writes what is buffered, so that the batches can be read. */
        void flush() {
            if (targets != null) {
                targets.flush();
            }
            if (residuals != null) {
                residuals.flush();
            }
        }

        /** Deletes the files. */
        void discard() {
            if (cleanable != null) {
                cleanable.clean();
            }
        }

        private static void close(RowFile t, RowFile r) {
            t.close();
            if (r != null) {
                r.close();
            }
        }
    }

    /**
     * The most kept on disk: a GPT's eight blocks of 37,000 samples × 256 outputs, twice over with the residual, are
     * 600 MB.
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
                + rows.valuesHash() + "|"
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

    /** Keeps {@code block}'s samples while {@link #MOST_BYTES} allows, else deletes them; a block already kept stays. */
    static void keep(ModelProto original, String key, Block block) {
        Map<String, Block> blocks = KEPT.computeIfAbsent(original, m -> new HashMap<>());
        synchronized (blocks) {
            long kept = 0;
            for (Block b : blocks.values()) {
                kept += b.floats();
            }
            if ((kept + block.floats()) * Float.BYTES <= MOST_BYTES && !blocks.containsKey(key)) {
                block.flush();
                block.complete = true;
                blocks.put(key, block);
            } else {
                block.discard();
            }
        }
    }

    /** Forgets {@code key}'s samples (they did not line up with the round's). */
    static void forget(ModelProto original, String key) {
        Map<String, Block> blocks = KEPT.get(original);
        if (blocks != null) {
            synchronized (blocks) {
                Block b = blocks.remove(key);
                if (b != null) {
                    b.discard();
                }
            }
        }
    }
}
