package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.RowReader;
import org.odf2nna.method.EvalData;
import org.odf2nna.onnx.OnnxDenseModel;

/** Rows read once, before any timing, so that CSV parsing stays out of the timed passes. */
final class BenchRows {

    /**
     * @param batches the rows in batches of the chosen size (the last may be shorter)
     * @param rows    how many rows in all
     * @param fileRows how many data rows the file has (fewer than {@code rows} when they were repeated)
     */
    record Loaded(List<Batch> batches, int rows, int width, int fileRows) {
        boolean repeated() {
            return rows > fileRows;
        }
    }

    private BenchRows() {
    }

    /** How the model reads {@code csv}: by column name when it records names, else by position. */
    static EvalData evalData(OnnxDenseModel model, Path csv, int batchSize) {
        return new EvalData(csv, ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL), batchSize).forModel(model);
    }

    /**
     * The first {@code rows} rows of {@code csv} (all when {@code rows} ≤ 0), cycling through the file again
     * when it has fewer, in batches of {@code batchSize}.
     */
    static Loaded load(OnnxDenseModel model, Path csv, int rows, int batchSize) {
        List<float[]> chunks = new ArrayList<>();
        int width = -1;
        int read = 0;
        try (RowReader reader = evalData(model, csv, 4096).open()) {
            Batch b;
            while ((rows <= 0 || read < rows) && (b = reader.next(4096)) != null) {
                width = b.width();
                int take = rows <= 0 ? b.rows() : Math.min(b.rows(), rows - read);
                chunks.add(java.util.Arrays.copyOf(b.features(), take * width));
                read += take;
            }
        }
        if (read == 0) {
            throw new IllegalArgumentException(csv + " has no data rows");
        }
        int total = rows <= 0 ? read : rows;
        float[] all = new float[Math.multiplyExact(total, width)];
        int at = 0;
        while (at < total) {
            for (float[] chunk : chunks) {
                int n = Math.min(chunk.length / width, total - at);
                System.arraycopy(chunk, 0, all, at * width, n * width);
                at += n;
                if (at == total) {
                    break;
                }
            }
        }
        return new Loaded(batches(all, total, width, batchSize), total, width, read);
    }

    /** Row-major rows cut into batches of {@code batchSize} (each batch its own array, as a reader gives them). */
    static List<Batch> batches(float[] rows, int count, int width, int batchSize) {
        List<Batch> batches = new ArrayList<>();
        for (int start = 0; start < count; start += batchSize) {
            int n = Math.min(batchSize, count - start);
            float[] x = new float[n * width];
            System.arraycopy(rows, start * width, x, 0, n * width);
            batches.add(new Batch(x, n, width, null, new long[n]));
        }
        return batches;
    }
}
