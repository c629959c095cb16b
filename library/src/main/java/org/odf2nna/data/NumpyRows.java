package org.odf2nna.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.network.Float16;

/**
 * Rows of NumPy arrays, streamed: a {@code .npy} file holds the inputs alone (rows on the first axis, every other axis
 * flattened in C order into one row), an {@code .npz} archive ({@code np.savez} or {@code np.savez_compressed}) holds
 * them as array {@code x} (or, for a model of several inputs, an array named after each) and, optionally, the targets
 * as an array named {@code y}, {@code labels} or {@code label} (one value per row; {@link #labelArray}). Each array is read from
 * its own stream in blocks of rows, decoded into floats as it comes (a zip entry inflated as it is read), so neither
 * file is ever held whole. No maintained Java reader streams NumPy files (the one on Maven Central, JetBrains'
 * {@code npy} 0.3.5 of 2021, loads whole arrays through Kotlin); this one reads versions 1 to 3 of the format, and is
 * fuzzed like the CSV reader.
 */
public final class NumpyRows implements RowReader {

    /** How a data file is read, by its name. */
    enum Kind { CSV, NPY, NPZ, PARQUET }

    /** Bytes decoded at a time: rows of any width go through a buffer of this size. */
    private static final int CHUNK = 1 << 20;

    private final Path file;
    private final Closeable owner;
    private final Array x;
    private final Array y;
    private final String targetName;
    private long rowsRead;

    private interface Closeable extends java.io.Closeable {
        @Override
        void close();
    }

    /** One array's stream: its header and the rows read so far. */
    private static final class Array {
        final String name;
        final NpyHeader header;
        final InputStream in;
        final long rows;
        final int width;
        long bytesRead;

        Array(String name, NpyHeader header, InputStream in, Path file, String place) {
            this.name = name;
            this.header = header;
            this.in = in;
            long[] shape = header.shape();
            if (shape.length == 0) {
                throw new InputException(file, place, "is a scalar; rows lie on the first axis of an array");
            }
            long w = 1;
            for (int d = 1; d < shape.length; d++) {
                w *= shape[d];
            }
            if (w < 1 || w > CsvReader.MAX_BATCH_VALUES) {
                throw new InputException(file, place, "has shape " + header.describeShape() + ": rows of " + w
                        + " values; between 1 and " + CsvReader.MAX_BATCH_VALUES + " are read");
            }
            this.rows = shape[0];
            this.width = (int) w;
        }
    }

    private NumpyRows(Path file, Closeable owner, Array x, Array y, String targetName) {
        this.file = file;
        this.owner = owner;
        this.x = x;
        this.y = y;
        this.targetName = targetName;
    }

    static Kind kindOf(Path file) {
        String name = RowReader.lowerName(file);
        return name.endsWith(".npy") ? Kind.NPY : name.endsWith(".npz") ? Kind.NPZ
                : ParquetRows.isParquet(file) ? Kind.PARQUET : Kind.CSV;
    }

    /** A {@code .npy} file's rows: inputs only (a NumPy array has no target column). */
    public static NumpyRows npy(Path file, ColumnRequest request) {
        if (request.target() == ColumnRequest.Target.REQUIRED) {
            throw new InputException(file, null, "is a NumPy array of inputs alone; labelled rows come as an .npz "
                    + "archive with arrays x (inputs) and y (labels)");
        }
        InputStream in = openFile(file);
        try {
            NpyHeader header = NpyHeader.read(in, file, null);
            long size = Files.size(file);
            checkSize(file, null, header, size - header.headerSize());
            Array x = new Array("x", header, in, file, null);
            return checked(new NumpyRows(file, () -> closeQuietly(in), x, null, null), request);
        } catch (IOException e) {
            closeQuietly(in);
            throw new InputException(file, null, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(in);
            throw e;
        }
    }

    /**
     * An {@code .npz} archive's rows: array {@code array} ({@code x} for the inputs, or a graph input's name), and the
     * labels' array ({@link #labelArray}) as the targets when there is one and the request takes a target.
     */
    public static NumpyRows npz(Path file, String array, ColumnRequest request) {
        ZipFile zip = openZip(file);
        try {
            ZipEntry xe = entry(zip, array);
            if (xe == null) {
                throw new InputException(file, null, "has no array '" + array + "' (it holds " + arrays(zip)
                        + "); the inputs are array x, or arrays named after the graph's inputs");
            }
            Array x = array(zip, xe, array, file);
            Array y = null;
            String labels = request.target() == ColumnRequest.Target.ABSENT ? null
                    : labelArray(zip, file, array, request.label());
            if (labels != null) {
                y = array(zip, entry(zip, labels), labels, file);
                if (y.rows != x.rows || y.width != 1) {
                    throw new InputException(file, "array '" + labels + "'", "has shape " + y.header.describeShape()
                            + "; the labels are one value per row of " + array + ", whose shape is "
                            + x.header.describeShape());
                }
            } else if (request.target() == ColumnRequest.Target.REQUIRED) {
                // Windows of token ids (ints, several per row) are a language model's rows, which need no labels.
                boolean windows = (x.header.kind() == 'i' || x.header.kind() == 'u') && x.header.shape().length == 2
                        && x.width > 1;
                throw new InputException(file, null, "has no labels array (it holds " + arrays(zip) + "): labelled "
                        + "rows need their labels as an array named " + ColumnRequest.targetNamesInWords()
                        + " beside the inputs, or named with {{LABEL}}" + (windows ? "; windows of token ids for a "
                        + "causal language model need none: give " + Setting.TASK.ref() + " next-token" : ""));
            }
            return checked(new NumpyRows(file, () -> closeQuietly(zip), x, y, labels), request);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /**
     * The name of an archive's labels array, or null without one: the array {@code label} names (which must be
     * there), else the one array named like a target ({@link ColumnRequest#DEFAULT_TARGET_NAMES}: y, labels, label,
     * ..., any case) other than {@code rows}; two such arrays are refused, naming them.
     */
    public static String labelArray(Path file, String rows, String label) {
        try (ZipFile zip = openZip(file)) {
            return labelArray(zip, file, rows, label);
        } catch (IOException e) {
            throw new InputException(file, null, "cannot read: " + e.getMessage(), e);
        }
    }

    private static String labelArray(ZipFile zip, Path file, String rows, String label) {
        if (label != null) {
            if (entry(zip, label) == null) {
                throw new InputException(file, null, "has no array '" + label + "' (it holds " + arrays(zip)
                        + "), which {{LABEL}} names as the labels");
            }
            return label;
        }
        List<String> found = new ArrayList<>();
        for (ZipEntry e : Collections.list(zip.entries())) {
            String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4)
                    : e.getName();
            if (!name.equals(rows) && ColumnRequest.isDefaultTargetName(name)) {
                found.add(name);
            }
        }
        if (found.size() > 1) {
            throw new InputException(file, null, "has arrays " + String.join(" and ", found) + ", each named as the "
                    + "labels: cannot tell which they are; name one with {{LABEL}}");
        }
        return found.isEmpty() ? null : found.get(0);
    }

    /**
     * The values per row of array {@code name} in an {@code .npz} archive ({@code y} of shape [rows, positions]:
     * positions), or -1 when {@code file} is no such archive or holds no such array.
     */
    public static int arrayWidth(Path file, String name) {
        if (!RowReader.lowerName(file).endsWith(".npz") || !Files.isRegularFile(file)) {
            return -1;
        }
        ZipFile zip = openZip(file);
        try {
            ZipEntry e = entry(zip, name);
            return e == null ? -1 : array(zip, e, name, file).width;
        } finally {
            closeQuietly(zip);
        }
    }

    /**
     * The shape and NumPy type of array {@code name} in an {@code .npz} archive ({@code uint8} images, say), or null
     * when {@code file} is no such archive or holds no such array.
     */
    public static ArrayInfo arrayInfo(Path file, String name) {
        if (!RowReader.lowerName(file).endsWith(".npz") || !Files.isRegularFile(file)) {
            return null;
        }
        ZipFile zip = openZip(file);
        try {
            ZipEntry e = entry(zip, name);
            if (e == null) {
                return null;
            }
            NpyHeader header = array(zip, e, name, file).header;
            return new ArrayInfo(header.shape(), header.typeName());
        } finally {
            closeQuietly(zip);
        }
    }

    /**
     * An array's shape and type.
     *
     * @param shape its dimensions
     * @param type  its type as NumPy names it ({@code float32}, {@code uint8})
     */
    public record ArrayInfo(long[] shape, String type) {
        public ArrayInfo {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** The shape as NumPy prints it: {@code (150, 3, 160, 160)}. */
        public String shapeText() {
            StringBuilder s = new StringBuilder("(");
            for (int d = 0; d < shape.length; d++) {
                s.append(d > 0 ? ", " : "").append(shape[d]);
            }
            return s.append(shape.length == 1 ? ",)" : ")").toString();
        }
    }

    /** The names of the arrays an {@code .npz} file holds (a graph input may be fed from one named after it). */
    public static List<String> arrayNames(Path file) {
        try (ZipFile zip = openZip(file)) {
            List<String> names = new ArrayList<>();
            for (ZipEntry e : Collections.list(zip.entries())) {
                names.add(e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4)
                        : e.getName());
            }
            return names;
        } catch (IOException e) {
            throw new InputException(file, null, "cannot read: " + e.getMessage(), e);
        }
    }

    private static NumpyRows checked(NumpyRows rows, ColumnRequest request) {
        int features = request.features();
        if (features >= 0 && features != rows.x.width) {
            String where = kindOf(rows.file) == Kind.NPZ ? "array '" + rows.x.name + "'" : null;
            InputException e = new InputException(rows.file, where, "has shape " + rows.x.header.describeShape()
                    + ": rows of " + rows.x.width + " values, where the model takes " + features);
            rows.close();
            throw e;
        }
        return rows;
    }

    private static InputStream openFile(Path file) {
        if (Files.isDirectory(file)) {
            throw new InputException(file, null, "is a directory, expected a NumPy file");
        }
        try {
            return new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new InputException(file, null, "no such file");
        } catch (IOException e) {
            throw new InputException(file, null, "cannot read: " + e.getMessage(), e);
        }
    }

    private static ZipFile openZip(Path file) {
        RowReader.requireFile(file, "a NumPy .npz file");
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new InputException(file, null, "is not an .npz archive (a zip file of .npy arrays): "
                    + e.getMessage());
        } catch (IOException e) {
            throw new InputException(file, null, "cannot read: " + e.getMessage(), e);
        }
    }

    private static ZipEntry entry(ZipFile zip, String array) {
        ZipEntry e = zip.getEntry(array + ".npy");
        return e != null ? e : zip.getEntry(array);
    }

    private static String arrays(ZipFile zip) {
        List<String> names = new ArrayList<>();
        for (ZipEntry e : Collections.list(zip.entries())) {
            names.add(e.getName());
            if (names.size() == 8) {
                names.add("...");
                break;
            }
        }
        return names.isEmpty() ? "nothing" : String.join(", ", names);
    }

    private static Array array(ZipFile zip, ZipEntry entry, String name, Path file) {
        String place = "array '" + name + "'";
        try {
            InputStream in = new BufferedInputStream(zip.getInputStream(entry), 1 << 16);
            NpyHeader header = NpyHeader.read(in, file, place);
            if (entry.getSize() >= 0) {
                checkSize(file, place, header, entry.getSize() - header.headerSize());
            }
            return new Array(name, header, in, file, place);
        } catch (ZipException e) {
            throw new InputException(file, place, "cannot be unpacked: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InputException(file, place, "cannot read: " + e.getMessage(), e);
        }
    }

    private static void checkSize(Path file, String place, NpyHeader header, long available) {
        if (available < header.dataBytes()) {
            throw new InputException(file, place, "is truncated: its shape " + header.describeShape() + " of "
                    + header.typeName() + " needs " + header.dataBytes() + " bytes of data, and " + Math.max(0,
                    available) + " follow the header");
        }
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public String targetName() {
        return targetName;
    }

    @Override
    public List<String> featureNames() {
        List<String> names = new ArrayList<>(x.width);
        for (int k = 0; k < x.width; k++) {
            names.add(x.name + "[" + k + "]");
        }
        return names;
    }

    @Override
    public int featureCount() {
        return x.width;
    }

    @Override
    public List<String> ignoredColumns() {
        return List.of();
    }

    @Override
    public long rowsRead() {
        return rowsRead;
    }

    @Override
    public long bytesRead() {
        return x.bytesRead + (y == null ? 0 : y.bytesRead);
    }

    @Override
    public long totalBytes() {
        return x.header.dataBytes() + (y == null ? 0 : y.header.dataBytes());
    }

    /** The rows the array holds (its first axis). */
    public long rows() {
        return x.rows;
    }

    @Override
    public Batch next(int maxRows) {
        long left = x.rows - rowsRead;
        if (left <= 0) {
            return null;
        }
        int rows = (int) Math.min(left, Math.max(1, Math.min(maxRows, CsvReader.MAX_BATCH_VALUES / x.width)));
        float[] features = new float[rows * x.width];
        decode(x, features, rows * x.width, rowsRead);
        double[] targets = null;
        if (y != null) {
            float[] t = new float[rows];
            decode(y, t, rows, rowsRead);
            targets = new double[rows];
            for (int r = 0; r < rows; r++) {
                targets[r] = t[r];
            }
        }
        long[] lines = new long[rows];
        for (int r = 0; r < rows; r++) {
            lines[r] = rowsRead + r + 1;
        }
        rowsRead += rows;
        return new Batch(features, rows, x.width, targets, lines);
    }

    /** Reads {@code count} elements of {@code a} into {@code into} as floats; {@code firstRow} names rows in messages. */
    private void decode(Array a, float[] into, int count, long firstRow) {
        int size = a.header.itemSize();
        byte[] chunk = new byte[Math.min(CHUNK, Math.max(size, count * size))];
        int done = 0;
        while (done < count) {
            int n = Math.min(count - done, chunk.length / size);
            int got;
            try {
                got = a.in.readNBytes(chunk, 0, n * size);
            } catch (ZipException e) {
                throw new InputException(file, place(a), "cannot be unpacked: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new InputException(file, place(a), "cannot read: " + e.getMessage(), e);
            }
            if (got < n * size) {
                throw new InputException(file, place(a), "is truncated at row " + (firstRow + (done + got / size)
                        / a.width + 1) + " of " + a.rows);
            }
            a.bytesRead += got;
            ByteBuffer b = ByteBuffer.wrap(chunk, 0, got).order(a.header.order());
            for (int k = 0; k < n; k++) {
                float v = value(b, a.header.kind(), size);
                if (!Float.isFinite(v)) {
                    long element = done + k;
                    throw new InputException(file, place(a), "row " + (firstRow + element / a.width + 1) + ", value "
                            + (element % a.width + 1) + " is " + v + "; every value must be a finite number");
                }
                into[done + k] = v;
            }
            done += n;
        }
    }

    private String place(Array a) {
        return kindOf(file) == Kind.NPZ ? "array '" + a.name + "'" : null;
    }

    private static float value(ByteBuffer b, char kind, int size) {
        switch (kind) {
            case 'f':
                return size == 4 ? b.getFloat() : size == 8 ? (float) b.getDouble() : Float16.toFloat(b.getShort());
            case 'i':
                return size == 1 ? b.get() : size == 2 ? b.getShort() : size == 4 ? b.getInt() : (float) b.getLong();
            case 'u':
                if (size == 8) {
                    long v = b.getLong();
                    return v >= 0 ? v : (float) ((v >>> 1) * 2.0 + (v & 1));
                }
                return size == 1 ? b.get() & 0xff : size == 2 ? b.getShort() & 0xffff : b.getInt() & 0xffffffffL;
            default:
                return b.get() != 0 ? 1f : 0f;
        }
    }

    @Override
    public InputException noDataRows() {
        return new InputException(file, place(x), "holds no rows (shape " + x.header.describeShape() + ")");
    }

    @Override
    public void close() {
        owner.close();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // A file only read: nothing is lost when closing it fails.
        }
    }
}
