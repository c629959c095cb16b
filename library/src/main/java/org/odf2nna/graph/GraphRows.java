package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.NumpyRows;
import org.odf2nna.data.RowReader;
import org.odf2nna.data.RowValues;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * Rows of a data file (CSV, {@code .npy}, {@code .npz} or Parquet) for a graph: {@code count} rows of the values of the input the
 * data files feed (reshaped by the runner to the input's shape), a class id per row when the file has labels, and the
 * rows of every other input fed from files of its own ({@link GraphFeed}), in step.
 *
 * @param values   the data input's values, row-major: floats, or a detector's uint8 images held as their bytes
 *                 ({@link RowValues}: a quarter of their floats, handed out as floats a few rows at a time,
 *                 {@link #values(int, int)})
 * @param labels   class ids, or null for unlabelled rows
 * @param sides    per other input fed rows, its values, row-major, in step with {@code values}
 * @param targets  a regressor's target per row, or null (classifiers' rows carry {@code labels} instead)
 * @param boxes    a detector's labelled boxes, {@link #BOX_VALUES} values (class, cx, cy, w, h, normalised; rows of -1
 *                 pad) for each of the same number per row, or null
 */
public record GraphRows(RowValues values, int[] labels, Map<String, float[]> sides, float[] targets, float[] boxes) {

    /** Values per labelled box: class, cx, cy, w, h. */
    public static final int BOX_VALUES = 5;
    /** The array of a detector's boxes in an {@code .npz} archive, as eval reads it. */
    public static final String BOXES = "boxes";

    public GraphRows {
        sides = sides == null ? Map.of() : Map.copyOf(sides);
    }

    /** Rows with boxes, as floats. */
    public GraphRows(float[] features, int width, int[] labels, Map<String, float[]> sides, float[] targets,
            float[] boxes) {
        this(RowValues.floats(features, width), labels, sides, targets, boxes);
    }

    /** Rows without boxes. */
    public GraphRows(float[] features, int width, int[] labels, Map<String, float[]> sides, float[] targets) {
        this(features, width, labels, sides, targets, null);
    }

    /** Rows of the data input alone. */
    public GraphRows(float[] features, int width, int[] labels) {
        this(features, width, labels, Map.of());
    }

    /** Rows with class labels, or none. */
    public GraphRows(float[] features, int width, int[] labels, Map<String, float[]> sides) {
        this(features, width, labels, sides, null);
    }

    /** A detector's images held as bytes, without labels. */
    public static GraphRows pixels(byte[] pixels, int width) {
        return new GraphRows(RowValues.pixels(pixels, width), null, Map.of(), null, null);
    }

    /** A regressor's rows: the data input's values and a target per row. */
    public static GraphRows withTargets(float[] features, int width, float[] targets) {
        return new GraphRows(features, width, null, Map.of(), targets);
    }

    /** Values per row of the data input. */
    public int width() {
        return values.width();
    }

    public int count() {
        return values.count();
    }

    /**
     * Every row's values, row-major: the array held, or for images held as bytes a new array of all of them (a copy
     * the size of the images as floats; {@link #values(int, int)} hands out a few rows).
     */
    public float[] features() {
        return values.all();
    }

    /** A detector's images as bytes, or null where the values are held as floats. */
    public byte[] pixels() {
        return values.pixels();
    }

    /** Rows {@code start .. start+count}'s values, row-major, in a new array. */
    public float[] values(int start, int count) {
        return values.values(start, count);
    }

    /** A hash of every row's values (the images' bytes where they are held so), for keys of what was computed on them. */
    public int valuesHash() {
        return values.valuesHash();
    }

    public boolean labelled() {
        return labels != null;
    }

    /** The rows of another input fed from files, in step with these. */
    public float[] side(String input) {
        float[] v = sides.get(input);
        if (v == null) {
            throw new IllegalArgumentException("no rows for input '" + input + "'");
        }
        return v;
    }

    /** The first {@code n} rows (all when there are fewer). */
    public GraphRows first(int n) {
        if (n >= count()) {
            return this;
        }
        Map<String, float[]> cut = new HashMap<>();
        sides.forEach((k, v) -> cut.put(k, Arrays.copyOf(v, v.length / count() * n)));
        return new GraphRows(values.first(n), labels == null ? null : Arrays.copyOf(labels, n), cut,
                targets == null ? null : Arrays.copyOf(targets, n),
                boxes == null ? null : Arrays.copyOf(boxes, boxes.length / count() * n));
    }

    /** Labelled boxes per row (0 without boxes). */
    public int boxesPerRow() {
        return boxes == null ? 0 : boxes.length / count() / BOX_VALUES;
    }

    /** The same rows without labels: what is judged on agreement alone. */
    public GraphRows unlabelled() {
        return labels == null && targets == null && boxes == null ? this
                : new GraphRows(values, null, sides, null, null);
    }

    /**
     * The graph's data input: its one input, float, of a fixed row shape. Several inputs, or a row shape left open, are
     * refused with one line naming the input and the setting to give ({@link GraphFeed#resolve} takes them).
     */
    public static InputSignature dataInput(ModelProto model, Path file) {
        return GraphFeed.of(model, file).data();
    }

    /**
     * The model as ONNX Runtime can batch it: the data input's and the outputs' batch dimension symbolic, value_info
     * dropped.
     */
    public static ModelProto runnable(ModelProto model, InputSignature input) {
        return BlockStatistics.relaxed(model.toBuilder(), input.name()).build();
    }

    /**
     * Reads up to {@code maxRows} rows of {@code width} values (and the labels when there are some).
     *
     * @param label the target column's name, or null to find it as everywhere else
     */
    public static GraphRows read(Path csv, int width, String label, int maxRows) {
        return readData(csv, RowReader.ROWS, width, label, maxRows, false, false, ColumnRequest.Target.OPTIONAL);
    }

    /**
     * Reads up to {@code maxRows} rows of data file number {@code fileIndex} of the run for {@code feed}: the data
     * input's values (whole numbers where it takes token ids; a detector's uint8 images /255,
     * {@link GraphFeed#detectorImages}) and labels, and the rows of each other input fed from files (its file of that
     * number, or the archive's array named after it).
     */
    public static GraphRows read(Path file, int fileIndex, GraphFeed feed, String label, int maxRows) {
        return read(file, fileIndex, feed, label, maxRows, false);
    }

    /**
     * {@link #read(Path, int, GraphFeed, String, int)}, with {@code regression} the targets read as values
     * ({@link #targets()}) rather than class ids.
     */
    public static GraphRows read(Path file, int fileIndex, GraphFeed feed, String label, int maxRows,
            boolean regression) {
        return read(file, fileIndex, feed, label, maxRows, regression, ColumnRequest.Target.OPTIONAL);
    }

    /**
     * The inputs alone of up to {@code maxRows} rows, as {@link #read(Path, int, GraphFeed, String, int)} reads them;
     * a target column or array is not read (an {@code .npz} archive's labels per position, array {@code y} of shape
     * [rows, positions], are read apart).
     */
    public static GraphRows inputs(Path file, int fileIndex, GraphFeed feed, int maxRows) {
        return read(file, fileIndex, feed, null, maxRows, false, ColumnRequest.Target.ABSENT);
    }

    private static GraphRows read(Path file, int fileIndex, GraphFeed feed, String label, int maxRows,
            boolean regression, ColumnRequest.Target target) {
        GraphRows data = feed.detectorImages() && uint8(file, feed.dataArray())
                ? readPixels(file, feed.dataArray(), feed.width(), label, maxRows, target) : null;
        if (data == null) {
            data = readData(file, feed.dataArray(), feed.width(), label, maxRows, feed.integerRows(), regression,
                    target);
        }
        float[] boxes = null;
        if (feed.detectorImages()) {
            if (data.pixels() == null) {
                unitScaled(data.features(), file, feed.dataArray());
            }
            boxes = boxes(file, data.count());
        }
        Map<String, float[]> sides = new HashMap<>();
        for (GraphFeed.Side s : feed.sides()) {
            if (s.constant() != null) {
                continue;
            }
            Path source = s.files().isEmpty() ? file : s.files().get(Math.min(fileIndex, s.files().size() - 1));
            sides.put(s.name(), readSide(source, s, data.count(), file));
        }
        return new GraphRows(data.values(), data.labels(), sides, data.targets(), boxes);
    }

    /** Whether {@code array} of {@code file} is an {@code .npz} archive's array of uint8. */
    private static boolean uint8(Path file, String array) {
        NumpyRows.ArrayInfo x = NumpyRows.arrayInfo(file, array);
        return x != null && x.type().equals("uint8");
    }

    /**
     * A detector's uint8 images held as their bytes (the values {@link #values} hands out are /255, as
     * {@link #unitScaled} makes them), read a few at a time; null where the archive also holds a target per image,
     * which {@link #readData} reads.
     */
    private static GraphRows readPixels(Path file, String array, int width, String label, int maxRows,
            ColumnRequest.Target target) {
        try (RowReader reader = RowReader.open(file, array, ColumnRequest.of(width, label, target))) {
            if (!(reader instanceof NumpyRows numpy)) {
                return null;
            }
            int capacity = (int) Math.max(1, Math.min(maxRows, numpy.rows()));
            byte[] pixels = new byte[Math.multiplyExact(capacity, width)];
            int most = org.odf2nna.Memory.rowsPerBatch(4L * width, 4096);
            int count = 0;
            Batch batch;
            while (count < capacity && (batch = reader.next(Math.min(most, capacity - count))) != null) {
                if (batch.hasTargets()) {
                    return null;
                }
                float[] v = batch.features();
                for (int i = 0, k = count * width; i < batch.rows() * width; i++, k++) {
                    pixels[k] = (byte) v[i];
                }
                count += batch.rows();
            }
            if (count == 0) {
                throw reader.noDataRows();
            }
            return pixels(count == capacity ? pixels : Arrays.copyOf(pixels, count * width), width);
        }
    }

    /**
     * The first {@code rows} images' labelled boxes of a detector's {@code .npz} archive (array {@link #BOXES},
     * [N, M, 5]), or null when it holds none or is another file.
     */
    private static float[] boxes(Path file, int rows) {
        NumpyRows.ArrayInfo b = NumpyRows.arrayInfo(file, BOXES);
        if (b == null) {
            return null;
        }
        long[] s = b.shape();
        if (s.length != 3 || s[2] != BOX_VALUES || s[0] < rows) {
            throw new InputException(file, "array '" + BOXES + "'", "has shape " + b.shapeText() + "; the boxes are ("
                    + rows + ", M, 5): per image M rows of class, cx, cy, w, h, normalised to 0..1, rows of -1 where "
                    + "an image has fewer");
        }
        int per = (int) s[1] * BOX_VALUES;
        float[] values = new float[rows * per];
        int count = 0;
        try (RowReader reader = RowReader.open(file, BOXES, ColumnRequest.of(per, null, ColumnRequest.Target.ABSENT))) {
            Batch batch;
            while (count < rows && (batch = reader.next(Math.min(4096, rows - count))) != null) {
                System.arraycopy(batch.features(), 0, values, count * per, batch.rows() * per);
                count += batch.rows();
            }
        }
        return values;
    }

    /**
     * A detector's pixels as Ultralytics feeds a YOLO (and eval reads them): an {@code .npz} array of uint8
     * ({@code array}) divided by 255, in place; float arrays and other files as they are.
     */
    private static void unitScaled(float[] values, Path file, String array) {
        NumpyRows.ArrayInfo x = NumpyRows.arrayInfo(file, array);
        if (x != null && x.type().equals("uint8")) {
            for (int i = 0; i < values.length; i++) {
                values[i] = values[i] / 255f;
            }
        }
    }

    private static float[] readSide(Path source, GraphFeed.Side side, int rows, Path dataFile) {
        int per = side.valuesPerRow();
        ColumnRequest request = ColumnRequest.of(per, null, ColumnRequest.Target.ABSENT);
        float[] values = new float[rows * per];
        int count = 0;
        // The input's array of the data file (or of a file of its own: an .npz array, a Parquet list column named after
        // it), or a CSV file of its own.
        try (RowReader reader = RowReader.open(source, side.name(), request)) {
            Batch batch;
            while (count < rows && (batch = reader.next(Math.min(4096, rows - count))) != null) {
                System.arraycopy(batch.features(), 0, values, count * per, batch.rows() * per);
                count += batch.rows();
            }
        }
        if (count < rows) {
            throw new InputException(source, null, "holds " + count + " rows for input '" + side.name() + "', and "
                    + dataFile + " " + rows + "; an input's rows go in step with the data rows");
        }
        return values;
    }

    private static GraphRows readData(Path csv, String array, int width, String label, int maxRows,
            boolean integers, boolean regression, ColumnRequest.Target target) {
        int capacity = Math.min(maxRows, 1024);
        float[] features = null;
        int[] labels = null;
        float[] values = null;
        boolean labelled = false;
        int count = 0;
        try (RowReader reader = RowReader.open(csv, array, ColumnRequest.of(width, label, target))) {
            // A NumPy array's header tells its rows: one array of their floats, never grown and copied (20,000 uint8
            // images of 32 x 32 x 3 are 245 MB as floats, and growing by doubling held 446 MB at once, then copied
            // it again to trim).
            if (reader instanceof NumpyRows numpy) {
                capacity = (int) Math.max(1, Math.min(maxRows, numpy.rows()));
            }
            features = new float[capacity * width];
            labels = new int[capacity];
            values = new float[capacity];
            Batch batch;
            // Read in batches of at most 16 MB of floats: 3,000 images of 160 x 160 read at once were a 922 MB batch
            // beside the 922 MB array they go to, and the heap grew for that moment and stayed grown.
            int most = org.odf2nna.Memory.rowsPerBatch(4L * width, 4096);
            while (count < maxRows && (batch = reader.next(Math.min(most, maxRows - count))) != null) {
                if (count + batch.rows() > capacity) {
                    capacity = Math.min(maxRows, Math.max(2 * capacity, count + batch.rows()));
                    features = Arrays.copyOf(features, capacity * width);
                    labels = Arrays.copyOf(labels, capacity);
                    values = Arrays.copyOf(values, capacity);
                }
                System.arraycopy(batch.features(), 0, features, count * width, batch.rows() * width);
                if (integers) {
                    wholeNumbers(csv, batch);
                }
                if (batch.hasTargets()) {
                    labelled = true;
                    for (int r = 0; r < batch.rows(); r++) {
                        double t = batch.targets()[r];
                        values[count + r] = (float) t;
                        if (regression) {
                            continue;
                        }
                        if (t != Math.rint(t) || t < 0) {
                            throw new InputException(csv, "row " + batch.lines()[r], "target " + t
                                    + " is not a class id (the graph's first output is judged as a classifier's; "
                                    + "one output value per row is judged as a regressor's)");
                        }
                        labels[count + r] = (int) t;
                    }
                }
                count += batch.rows();
            }
            if (count == 0) {
                throw reader.noDataRows();
            }
        }
        return new GraphRows(trimmed(features, count * width), width,
                labelled && !regression ? Arrays.copyOf(labels, count) : null, Map.of(),
                labelled && regression ? Arrays.copyOf(values, count) : null);
    }

    /** The first {@code length} values: the array itself where it holds no more. */
    private static float[] trimmed(float[] values, int length) {
        return values.length == length ? values : Arrays.copyOf(values, length);
    }

    /** Token ids must be whole numbers that float32 holds exactly (below 2^24). */
    static void wholeNumbers(Path file, Batch batch) {
        int w = batch.width();
        for (int k = 0; k < batch.rows() * w; k++) {
            float v = batch.features()[k];
            if (v != Math.rint(v) || Math.abs(v) > (1 << 24)) {
                throw new InputException(file, "row " + batch.lines()[k / w] + ", value " + (k % w + 1), v + " is not "
                        + "a token id (a whole number below 16777216); the input takes integers");
            }
        }
    }
}
