package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.api.OnnxModel;
import org.odf2nna.api.Rows;

/** Rows read once, before any timing, so that CSV parsing stays out of the timed passes. */
final class BenchRows {

    /**
     * @param batches the rows in batches of the chosen size (the last may be shorter)
     * @param rows    how many rows in all
     * @param fileRows how many data rows the file has (fewer than {@code rows} when they were repeated)
     */
    record Loaded(List<Rows> batches, int rows, int width, int fileRows) {
        boolean repeated() {
            return rows > fileRows;
        }
    }

    private BenchRows() {
    }

    /**
     * The first {@code rows} rows of {@code csv} (all when {@code rows} ≤ 0), cycling through the file again
     * when it has fewer, in batches of {@code batchSize}; read as the model reads them ({@link OnnxModel#readRows}).
     */
    static Loaded load(OnnxModel model, Path csv, int rows, int batchSize) {
        Rows read = model.readRows(csv, rows);
        int width = read.width();
        int fileRows = read.count();
        int total = rows <= 0 ? fileRows : rows;
        float[] all = new float[Math.multiplyExact(total, width)];
        for (int at = 0; at < total; at += fileRows) {
            int n = Math.min(fileRows, total - at);
            System.arraycopy(read.features(), 0, all, at * width, n * width);
        }
        return new Loaded(batches(all, total, width, batchSize), total, width, fileRows);
    }

    /** Row-major rows cut into batches of {@code batchSize} (each batch its own array, as a reader gives them). */
    static List<Rows> batches(float[] rows, int count, int width, int batchSize) {
        List<Rows> batches = new ArrayList<>();
        for (int start = 0; start < count; start += batchSize) {
            int n = Math.min(batchSize, count - start);
            float[] x = new float[n * width];
            System.arraycopy(rows, start * width, x, 0, n * width);
            batches.add(Rows.of(x, width));
        }
        return batches;
    }
}
