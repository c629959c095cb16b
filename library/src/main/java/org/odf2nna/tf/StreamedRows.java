package org.odf2nna.tf;

import java.util.Random;
import org.odf2nna.data.RowFile;

/**
 * Training rows streamed from a file on disk ({@link RowFile}: each row its inputs, its target and the teacher's soft
 * targets, float32), so that a training holds one window of rows at a time however many rows it has.
 *
 * <p>An epoch shuffles by blocks: the file is cut into chunks of consecutive rows, the chunks are read in a seeded
 * random order, a window of them at a time, and the rows of each window are shuffled among themselves before they
 * are cut into batches. Every row is seen once per epoch, as with a full permutation; rows of one chunk land in the
 * same window, so a batch mixes rows from the window's chunks only (at least {@link #MIN_CHUNKS} chunks from all over
 * the file). With rows that fit in one window this is a full shuffle.
 */
public final class StreamedRows implements TrainingSet, AutoCloseable {

    /** Values a window holds at most (8 MB of floats): the memory an epoch needs, whatever the rows. */
    static final int WINDOW_VALUES = 1 << 21;
    /** Chunks a window holds at least, so that each batch mixes rows from as many places in the file. */
    static final int MIN_CHUNKS = 16;
    /** Rows a chunk holds at most. */
    static final int MAX_CHUNK = 1024;

    private final RowFile file;
    private final int width;
    private final int softWidth;
    /** The file's columns this set reads, in order, or null for all its inputs. */
    private final int[] columns;
    private final double[] targetBounds;
    /** The most rows an epoch has held at once so far (its window), for tests. */
    private int maxRowsHeld;

    private StreamedRows(RowFile file, int width, int softWidth, int[] columns, double[] targetBounds) {
        this.file = file;
        this.width = width;
        this.softWidth = softWidth;
        this.columns = columns;
        this.targetBounds = targetBounds;
    }

    /** Writes rows to a new file: {@code width} inputs, a target and {@code softWidth} soft targets per row. */
    public static Writer writer(int width, int softWidth) {
        return new Writer(RowFile.create(width + 1 + softWidth), width, softWidth);
    }

    /** Appends rows to the file; {@link #finish} gives the rows to train on. */
    public static final class Writer {
        private final RowFile file;
        private final int width;
        private final int softWidth;
        private double lo = Double.POSITIVE_INFINITY;
        private double hi = Double.NEGATIVE_INFINITY;

        private Writer(RowFile file, int width, int softWidth) {
            this.file = file;
            this.width = width;
            this.softWidth = softWidth;
        }

        /** Appends {@code n} rows: their inputs, targets and soft targets (null when {@code softWidth} is 0). */
        public void append(float[] inputs, float[] targets, float[] soft, int n) {
            int record = width + 1 + softWidth;
            float[] rows = new float[n * record];
            for (int r = 0; r < n; r++) {
                System.arraycopy(inputs, r * width, rows, r * record, width);
                rows[r * record + width] = targets[r];
                lo = Math.min(lo, targets[r]);
                hi = Math.max(hi, targets[r]);
                if (softWidth > 0) {
                    System.arraycopy(soft, r * softWidth, rows, r * record + width + 1, softWidth);
                }
            }
            file.append(rows, 0, n);
        }

        public StreamedRows finish() {
            file.flush();
            return new StreamedRows(file, width, softWidth, null, new double[] {lo, hi});
        }

        /** Deletes what was written (when the rows are not wanted after all). */
        public void abandon() {
            file.close();
        }
    }

    @Override
    public int rows() {
        return (int) file.rows();
    }

    @Override
    public int width() {
        return columns == null ? width : columns.length;
    }

    @Override
    public int softWidth() {
        return softWidth;
    }

    @Override
    public double[] targetBounds() {
        return targetBounds.clone();
    }

    /** The most rows an epoch has held in memory at once (one window). */
    int maxRowsHeld() {
        return maxRowsHeld;
    }

    /** The file the rows are in. */
    java.nio.file.Path file() {
        return file.path();
    }

    /** Rows a window holds. */
    int windowRows() {
        return Math.max(1, WINDOW_VALUES / file.width());
    }

    /** Rows a chunk holds. */
    int chunkRows() {
        return Math.max(1, Math.min(MAX_CHUNK, windowRows() / MIN_CHUNKS));
    }

    @Override
    public void epoch(Random random, int batchSize, Rows batches) {
        int rows = rows();
        int chunk = chunkRows();
        int chunks = (rows + chunk - 1) / chunk;
        int perWindow = Math.max(1, windowRows() / chunk);
        int[] chunkOrder = TrainingData.permutation(chunks, random);
        Batcher batcher = new Batcher(batchSize, batches);
        float[] window = new float[perWindow * chunk * file.width()];
        for (int w = 0; w < chunks; w += perWindow) {
            int held = 0;
            for (int c = w; c < Math.min(chunks, w + perWindow); c++) {
                long first = (long) chunkOrder[c] * chunk;
                int n = (int) Math.min(chunk, rows - first);
                float[] part = new float[n * file.width()];
                file.read(first, n, part);
                System.arraycopy(part, 0, window, held * file.width(), part.length);
                held += n;
            }
            maxRowsHeld = Math.max(maxRowsHeld, held);
            for (int r : TrainingData.permutation(held, random)) {
                batcher.add(window, r);
            }
        }
        batcher.flush();
    }

    /** Gathers rows into batches of a fixed size and hands each over when full. */
    private final class Batcher {
        private final int size;
        private final Rows receiver;
        private float[] x;
        private float[] y;
        private float[] s;
        private int filled;

        Batcher(int size, Rows receiver) {
            this.size = size;
            this.receiver = receiver;
            start();
        }

        private void start() {
            x = new float[size * width()];
            y = new float[size];
            s = softWidth > 0 ? new float[size * softWidth] : null;
            filled = 0;
        }

        void add(float[] records, int row) {
            unpack(records, row, x, y, s, filled);
            if (++filled == size) {
                receiver.accept(x, y, s, size);
                start();
            }
        }

        void flush() {
            if (filled > 0) {
                int n = filled;
                receiver.accept(java.util.Arrays.copyOf(x, n * width()), java.util.Arrays.copyOf(y, n),
                        s == null ? null : java.util.Arrays.copyOf(s, n * softWidth), n);
            }
        }
    }

    /** Row {@code row} of {@code records} (as the file holds it) into row {@code at} of the three arrays. */
    private void unpack(float[] records, int row, float[] x, float[] y, float[] s, int at) {
        int record = file.width();
        int base = row * record;
        if (columns == null) {
            System.arraycopy(records, base, x, at * width, width);
        } else {
            for (int c = 0; c < columns.length; c++) {
                x[at * columns.length + c] = records[base + columns[c]];
            }
        }
        y[at] = records[base + width];
        if (s != null) {
            System.arraycopy(records, base + width + 1, s, at * softWidth, softWidth);
        }
    }

    @Override
    public void inOrder(int block, long max, Rows blocks) {
        long rows = Math.min(max, rows());
        int record = file.width();
        for (long from = 0; from < rows; from += block) {
            int n = (int) Math.min(block, rows - from);
            float[] part = new float[n * record];
            file.read(from, n, part);
            float[] x = new float[n * width()];
            float[] y = new float[n];
            float[] s = softWidth > 0 ? new float[n * softWidth] : null;
            for (int r = 0; r < n; r++) {
                unpack(part, r, x, y, s, r);
            }
            blocks.accept(x, y, s, n);
        }
    }

    @Override
    public TrainingData head(int n) {
        int rows = Math.min(n, rows());
        float[] x = new float[rows * width()];
        float[] y = new float[rows];
        int[] at = {0};
        inOrder(MAX_CHUNK, rows, (bx, by, bs, k) -> {
            System.arraycopy(bx, 0, x, at[0] * width(), k * width());
            System.arraycopy(by, 0, y, at[0], k);
            at[0] += k;
        });
        return new TrainingData(x, y, rows, width());
    }

    /** Exactly {@code n} rows by selection sampling (Knuth's Algorithm S, seeded): one pass, nothing held but them. */
    @Override
    public TrainingData sample(int n, long seed) {
        int rows = rows();
        if (rows <= n) {
            return head(rows);
        }
        Random random = new Random(seed);
        float[] x = new float[n * width()];
        float[] y = new float[n];
        int[] chosen = {0};
        long[] seen = {0};
        inOrder(MAX_CHUNK, rows, (bx, by, bs, k) -> {
            for (int r = 0; r < k; r++, seen[0]++) {
                if ((rows - seen[0]) * random.nextDouble() < n - chosen[0]) {
                    System.arraycopy(bx, r * width(), x, chosen[0] * width(), width());
                    y[chosen[0]++] = by[r];
                }
            }
        });
        return new TrainingData(x, y, n, width());
    }

    @Override
    public TrainingSet keepColumns(int[] kept) {
        int[] mapped = new int[kept.length];
        for (int k = 0; k < kept.length; k++) {
            mapped[k] = columns == null ? kept[k] : columns[kept[k]];
        }
        return new StreamedRows(file, width, softWidth, mapped, targetBounds);
    }

    /** Deletes the file (every set made from it by {@link #keepColumns} reads it too). */
    @Override
    public void close() {
        file.close();
    }
}
