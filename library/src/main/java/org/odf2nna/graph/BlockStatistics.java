package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;
import org.ejml.data.DMatrixRMaj;
import org.odf2nna.Device;
import org.odf2nna.Memory;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxProduct;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.onnx.ScoringGraph;
import org.odf2nna.onnx.proto.OnnxProto.GraphProto;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.TypeProto;
import org.odf2nna.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Every block's hidden units measured in one ONNX Runtime pass over the rows: the hidden tensors are added as outputs
 * of a copy of the graph, and each (row, position) is a sample. Means and the covariance (what the least-squares
 * compensation needs; its diagonal gives the std) are accumulated over at most {@code cap} samples per block, taken at
 * an even stride when rows × positions exceed it.
 */
public final class BlockStatistics {

    /** The most rows per ONNX Runtime run. */
    private static final int BATCH = 256;

    /**
     * One block's hidden units.
     *
     * @param mean       per unit
     * @param covariance width × width, row-major, centred
     * @param samples    samples measured (rows × positions taken)
     */
    public record Moments(double[] mean, double[] covariance, long samples) {

        public int width() {
            return mean.length;
        }

        public double std(int unit) {
            return Math.sqrt(Math.max(0, covariance[unit * mean.length + unit]));
        }
    }

    private BlockStatistics() {
    }

    /** Measures {@code blocks} of {@code model} on {@code rows}, fed to its one input. */
    public static List<Moments> measure(ModelProto model, Path file, List<DenseBlock> blocks, GraphRows rows,
            InputSignature input, Device device, long cap) {
        return measure(model, file, blocks, rows, GraphFeed.plain(input), device, cap);
    }

    /** Measures {@code blocks} of {@code model} on {@code rows}, every input fed as {@code feed} says. */
    public static List<Moments> measure(ModelProto model, Path file, List<DenseBlock> blocks, GraphRows rows,
            GraphFeed feed, Device device, long cap) {
        return measure(model, file, blocks, rows, feed, device, cap, done -> { });
    }

    /** {@link #measure}, telling {@code rowsDone} the rows measured so far after each runtime call. */
    public static List<Moments> measure(ModelProto model, Path file, List<DenseBlock> blocks, GraphRows rows,
            GraphFeed feed, Device device, long cap, LongConsumer rowsDone) {
        List<String> hidden = blocks.stream().map(b -> b.place().hidden()).toList();
        ModelProto scoring = exposing(model, hidden, feed.data().name());
        int n = blocks.size();
        Sums[] sums = new Sums[n];
        List<String> names = new ArrayList<>(new LinkedHashSet<>(hidden));
        try (Products products = new Products(); GraphFeed.Session runner = feed.open(scoring, device, file)) {
            // The first call is one row: its outputs' size sets how many rows the heap holds at a time (a 299x299
            // Inception exposes tens of MB per row, and 256 rows of it ran out of memory).
            int batch = 1;
            for (int start = 0, count; start < rows.count(); start += count) {
                count = Math.min(batch, rows.count() - start);
                Map<String, float[]> out = runner.run(rows, start, count, names);
                for (int b = 0; b < n; b++) {
                    DenseBlock block = blocks.get(b);
                    int w = block.sizes().width();
                    float[] values = out.get(block.place().hidden());
                    int positions = values.length / count / w;
                    if (sums[b] == null) {
                        long total = (long) rows.count() * positions;
                        sums[b] = new Sums(block.kind(), w, (int) Math.max(1, (total + cap - 1) / cap));
                    }
                    sums[b].add(values, count, positions, start * (long) positions, products);
                }
                rowsDone.accept(start + count);
                if (start == 0) {
                    long floats = out.values().stream().mapToLong(v -> v.length).sum();
                    batch = Memory.rowsPerBatch(floats * Float.BYTES, BATCH);
                }
            }
        }
        List<Moments> moments = new ArrayList<>();
        for (Sums b : sums) {
            moments.add(b.moments());
        }
        return moments;
    }

    /**
     * One block's running sums: every {@code stride}-th sample taken, about the first samples' mean ({@code shift}),
     * so no cancellation when units sit far from zero.
     */
    private static final class Sums {
        private final DenseBlock.Kind kind;
        private final int w;
        private final int stride;
        private double[] shift;
        private final double[] sum;
        private final DMatrixRMaj cross;
        private long samples;

        Sums(DenseBlock.Kind kind, int w, int stride) {
            this.kind = kind;
            this.w = w;
            this.stride = stride;
            this.sum = new double[w];
            this.cross = new DMatrixRMaj(w, w);
        }

        /** The samples of {@code rows} rows at {@code positions} positions each, the first numbered firstSample. */
        void add(float[] values, int rows, int positions, long firstSample, Products products) {
            int total = rows * positions;
            int m = 0;
            int[] taken = new int[(int) Math.min(total, total / stride + 1L)];
            for (int s = 0; s < total; s++) {
                if ((firstSample + s) % stride == 0) {
                    taken[m++] = s;
                }
            }
            if (m == 0) {
                return;
            }
            // Units by samples, so each unit's samples lie together: Xᵀ (w × m).
            double[] xT = new double[w * m];
            for (int t = 0; t < m; t++) {
                int s = taken[t];
                for (int u = 0; u < w; u++) {
                    // MatMul blocks: units on the last axis, each sample contiguous. Conv blocks: per row [units,
                    // positions].
                    int at = kind == DenseBlock.Kind.MATMUL ? s * w + u
                            : (s / positions) * w * positions + u * positions + (s % positions);
                    xT[u * m + t] = values[at];
                }
            }
            if (shift == null) {
                shift = new double[w];
                for (int u = 0; u < w; u++) {
                    double mean = 0;
                    for (int t = 0; t < m; t++) {
                        mean += xT[u * m + t];
                    }
                    shift[u] = mean / m;
                }
            }
            for (int u = 0; u < w; u++) {
                for (int t = 0; t < m; t++) {
                    double v = xT[u * m + t] - shift[u];
                    xT[u * m + t] = v;
                    sum[u] += v;
                }
            }
            products.addGram(cross, xT, w, m);
            samples += m;
        }

        Moments moments() {
            double n = samples;
            double[] mean = new double[w];
            double[] cov = new double[w * w];
            for (int i = 0; i < w; i++) {
                mean[i] = shift[i] + sum[i] / n;
            }
            for (int i = 0; i < w; i++) {
                for (int j = 0; j < w; j++) {
                    cov[i * w + j] = cross.get(i, j) / n - (sum[i] / n) * (sum[j] / n);
                }
            }
            return new Moments(mean, cov, samples);
        }
    }

    /**
     * Where the Gram sums XᵀX are made: in this thread by EJML when small, in ONNX Runtime's float MatMul (its
     * threads and vector units) past {@link SequentialRefit#ONNX_PRODUCT_MACS}: a ViT-B's 12 FFNs of 3,072 units
     * on 200 rows of 197 tokens are 4.5·10¹² multiply-adds, which EJML took most of an hour for.
     */
    static final class Products implements AutoCloseable {
        /** Its sessions open on first use: a graph of small blocks never opens one. */
        private final OnnxProduct product = OnnxProduct.open();

        void addGram(DMatrixRMaj cross, double[] xT, int w, int m) {
            boolean large = (double) w * w * m >= RefitSums.ONNX_PRODUCT_MACS;
            RefitSums.addGram(cross, xT, w, m, large ? () -> product : null);
        }

        @Override
        public void close() {
            product.close();
        }
    }

    /** A copy of the model with {@code tensors} as extra outputs, a symbolic batch, and no value_info. */
    static ModelProto exposing(ModelProto model, List<String> tensors, String dataInput) {
        ModelProto.Builder copy = model.toBuilder();
        GraphProto.Builder graph = copy.getGraphBuilder();
        Set<String> outputs = new HashSet<>();
        graph.getOutputList().forEach(o -> outputs.add(o.getName()));
        // Hidden tensors hold the data input's float type (a graph fed token ids computes in float).
        int type = graph.getInputList().stream().filter(i -> i.getName().equals(dataInput)).findFirst()
                .map(i -> i.getType().getTensorType().getElemType()).filter(t -> t == OnnxValues.DOUBLE).orElse(OnnxValues.FLOAT);
        for (String t : new LinkedHashSet<>(tensors)) {
            if (outputs.add(t)) {
                graph.addOutput(ValueInfoProto.newBuilder().setName(t).setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type))));
            }
        }
        return relaxed(copy, dataInput).build();
    }

    /** The batch dimension of the data input and of the outputs made symbolic, value_info dropped. */
    static ModelProto.Builder relaxed(ModelProto.Builder copy, String dataInput) {
        ScoringGraph.relax(copy.getGraphBuilder(), dataInput);
        return copy;
    }
}
