package org.odf2nna.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.DummyRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.odf2nna.InputException;

/**
 * Rows of a Parquet file (what pandas' and Hugging Face datasets' {@code to_parquet} write), streamed one row group at
 * a time: only the columns read are fetched, a row group's pages are decoded as the rows are asked for, and memory
 * holds one row group's compressed columns and one batch, never the file. Two layouts:
 * <ul>
 * <li>columns of one number each (tabular rows, as in a CSV file): the features and the target are chosen by name
 * exactly as in a CSV file's header ({@link CsvColumns});</li>
 * <li>a list column per input (token ids, an attention mask): {@link RowReader#open(Path, String, ColumnRequest)}
 * names the input's column, each row's list its values (every row the same length), and the target is the column
 * the label setting ({@link org.odf2nna.Setting#LABEL}) names, else one named like a target ({@link ColumnRequest#DEFAULT_TARGET_NAMES}).</li>
 * </ul>
 * Values may be 32- or 64-bit integers, floats, doubles or booleans; a null, a NaN or a list of another length is
 * refused in one line naming the file, the row group, the column and the row. The decoding is Apache parquet-java's
 * (Parquet Floor stands in for the few Hadoop classes it names; see docs/research/formats.md).
 */
public final class ParquetRows implements RowReader {

    /** A column reader and the values of its chunk not consumed yet (the reader does not say). */
    private static final class Cursor {
        final ColumnReader reader;
        long left;

        Cursor(ColumnReader reader) {
            this.reader = reader;
            this.left = reader.getTotalValueCount();
        }

        boolean more() {
            return left > 0;
        }

        void consume() {
            reader.consume();
            left--;
        }

        /** Whether the value at hand continues the row before (a list's later element). */
        boolean continuesRow() {
            return left > 0 && reader.getCurrentRepetitionLevel() > 0;
        }
    }

    /** One column read: its leaf in the schema and whether each row holds a list of values. */
    record Column(String name, ColumnDescriptor leaf, boolean list) {
    }

    private final Path file;
    private final ParquetFileReader reader;
    private final MessageType projection;
    private final List<Column> features;
    private final Column target;
    private final List<String> featureNames;
    private final List<String> ignored;
    private final boolean targetByPosition;
    private final int width;
    private final long totalBytes;
    private final String createdBy;
    private final List<BlockMetaData> blocks;
    private Cursor[] readers;
    private ParquetColumn[] flat;
    private ParquetColumn targetColumn;
    private int group = -1;
    private long groupRowsLeft;
    private long rowsRead;
    private long bytesRead;

    private ParquetRows(Path file, ParquetFileReader reader, Resolved resolved) {
        this.file = file;
        this.reader = reader;
        this.features = resolved.features;
        this.target = resolved.target;
        this.featureNames = resolved.featureNames;
        this.ignored = resolved.ignored;
        this.targetByPosition = resolved.targetByPosition;
        this.width = resolved.width;
        List<Type> fields = new ArrayList<>();
        MessageType schema = reader.getFileMetaData().getSchema();
        for (Column c : features) {
            fields.add(schema.getType(c.name));
        }
        if (target != null) {
            fields.add(schema.getType(target.name));
        }
        this.projection = new MessageType(schema.getName(), fields);
        checkCodecs(file, reader, projection);
        reader.setRequestedSchema(projection);
        this.createdBy = reader.getFileMetaData().getCreatedBy();
        this.blocks = reader.getRowGroups();
        this.totalBytes = blocks.stream().mapToLong(BlockMetaData::getCompressedSize).sum();
    }

    /** Refuses a column chunk of the columns read compressed with a codec that is not decoded (Brotli, LZO). */
    private static void checkCodecs(Path file, ParquetFileReader reader, MessageType read) {
        List<BlockMetaData> groups = reader.getRowGroups();
        for (int g = 0; g < groups.size(); g++) {
            for (org.apache.parquet.hadoop.metadata.ColumnChunkMetaData c : groups.get(g).getColumns()) {
                if (read.containsPath(c.getPath().toArray()) && !ParquetCodecs.READ.contains(c.getCodec())) {
                    throw new InputException(file, "row group " + (g + 1) + ", column '" + c.getPath().toArray()[0]
                            + "'", "is compressed with " + c.getCodec() + ", which is not read; write the file with "
                            + "snappy (pandas' and pyarrow's default), gzip, zstd or lz4");
                }
            }
        }
    }

    /** The columns chosen, before the file is read past its footer. */
    record Resolved(List<Column> features, Column target, List<String> featureNames, List<String> ignored,
            boolean targetByPosition, int width) {
    }

    /** Whether {@code file} is read as a Parquet file (by its name: {@code .parquet} or {@code .pq}). */
    static boolean isParquet(Path file) {
        String name = RowReader.lowerName(file);
        return name.endsWith(".parquet") || name.endsWith(".pq");
    }

    /**
     * Opens {@code file}: the list column named {@code array} as the rows' values where the file has one (an input's
     * token ids), else, for {@code array} {@code x}, its columns of one number each as a CSV file's columns.
     */
    public static ParquetRows open(Path file, String array, ColumnRequest request) {
        ParquetFileReader reader = openReader(file);
        try {
            MessageType schema = reader.getFileMetaData().getSchema();
            List<String> lists = ParquetLayouts.listColumns(schema);
            Resolved resolved;
            if (lists.contains(array)) {
                resolved = ParquetLayouts.listLayout(file, reader, schema, array, request);
            } else if (array.equals(RowReader.ROWS)) {
                resolved = ParquetLayouts.tabular(file, schema, request);
            } else {
                throw new InputException(file, "schema", "has no list column '" + array + "' (its columns: "
                        + CsvReader.abbreviate(String.join(", ", ParquetLayouts.topNames(schema))) + "); an input's "
                        + "rows are a column named after it holding one list of values per row");
            }
            return new ParquetRows(file, reader, resolved);
        } catch (InputException e) {
            closeQuietly(reader);
            throw e;
        } catch (RuntimeException | LinkageError e) {
            closeQuietly(reader);
            throw unreadable(file, "schema", e);
        }
    }

    /** The names of the file's list columns: the arrays an input can be fed from ({@link RowReader#arrayNames}). */
    static List<String> arrayNames(Path file) {
        ParquetFileReader reader = openReader(file);
        try {
            return ParquetLayouts.listColumns(reader.getFileMetaData().getSchema());
        } catch (RuntimeException | LinkageError e) {
            throw unreadable(file, "schema", e);
        } finally {
            closeQuietly(reader);
        }
    }

    private static ParquetFileReader openReader(Path file) {
        RowReader.requireFile(file, "a Parquet file");
        try {
            ParquetReadOptions defaults = ParquetReadOptions.builder().build();
            ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), ParquetReadOptions.builder()
                    .withCodecFactory(new ParquetCodecs(defaults.getCodecFactory())).build());
            try {
                ParquetBounds.check(file, reader);
            } catch (IOException | RuntimeException e) {
                closeQuietly(reader);
                throw e;
            }
            return reader;
        } catch (IOException | RuntimeException | LinkageError e) {
            if (e instanceof InputException ie) {
                throw ie;
            }
            throw new InputException(file, null, "is not a readable Parquet file (" + reason(e) + ")", e);
        }
    }

    private static InputException unreadable(Path file, String place, Throwable e) {
        return new InputException(file, place, "cannot be read as Parquet (" + reason(e) + ")", e);
    }

    /** The library's reason in one line, without its stack or the reader's object name. */
    static String reason(Throwable e) {
        String m = e.getMessage();
        String line = m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip().lines().findFirst().orElse(m);
        // parquet-java starts some reasons with its input object's toString ("...LocalInputFile@1b2c3d is not a
        // Parquet file"), which names nothing the user has; the file is named before the reason anyway.
        line = line.replaceAll("\\S*InputFile@\\p{XDigit}+\\s*", "").strip();
        if (line.startsWith("is not a Parquet file")) {
            return "no Parquet footer at its end: truncated, or another format";
        }
        return CsvReader.abbreviate(line);
    }

    /** The length of the first row's list (a second reader over the first row group; its pages are small). */
    static int firstListLength(Path file, ParquetFileReader reader, MessageType schema, Column values) {
        if (reader.getRowGroups().isEmpty() || reader.getRowGroups().get(0).getRowCount() == 0) {
            return 1;
        }
        MessageType one = new MessageType(schema.getName(), List.of(schema.getType(values.name)));
        try (ParquetFileReader peek = openReader(file)) {
            peek.setRequestedSchema(one);
            PageReadStore pages = peek.readNextRowGroup();
            Cursor r = new Cursor(new ColumnReadStoreImpl(pages, new DummyRecordConverter(one).getRootConverter(),
                    one, peek.getFileMetaData().getCreatedBy()).getColumnReader(values.leaf));
            int n = 0;
            int max = values.leaf.getMaxDefinitionLevel();
            do {
                if (r.reader.getCurrentDefinitionLevel() == max) {
                    n++;
                }
                r.consume();
            } while (r.continuesRow());
            return Math.max(n, 1);
        } catch (IOException | RuntimeException | LinkageError e) {
            throw unreadable(file, "row group 1, column '" + values.name + "'", e);
        }
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public String targetName() {
        return target == null ? null : target.name;
    }

    @Override
    public List<String> featureNames() {
        return featureNames;
    }

    @Override
    public int featureCount() {
        return width;
    }

    @Override
    public List<String> ignoredColumns() {
        return ignored;
    }

    /** Whether the target was taken as the last column for want of one named as a target (as in a CSV file). */
    public boolean targetByPosition() {
        return targetByPosition;
    }

    @Override
    public long rowsRead() {
        return rowsRead;
    }

    @Override
    public long bytesRead() {
        return bytesRead;
    }

    @Override
    public long totalBytes() {
        return totalBytes;
    }

    @Override
    public Batch next(int maxRows) {
        while (groupRowsLeft == 0) {
            if (group + 1 >= blocks.size()) {
                return null;
            }
            nextGroup();
        }
        int rows = (int) Math.min(groupRowsLeft, Math.max(1, Math.min(maxRows, CsvReader.MAX_BATCH_VALUES / width)));
        float[] values = new float[rows * width];
        double[] targets = target == null ? null : new double[rows];
        long[] numbers = new long[rows];
        for (int r = 0; r < rows; r++) {
            numbers[r] = rowsRead + r + 1;
        }
        String column = null;
        try {
            for (int c = 0; c < features.size(); c++) {
                column = features.get(c).name;
                if (features.get(c).list) {
                    readLists(readers[c], features.get(c), values, rows);
                } else {
                    readScalars(flat[c], features.get(c), values, c, width, rows);
                }
            }
            if (target != null) {
                column = target.name;
                double[] t = targets;
                for (int r = 0; r < rows; r++) {
                    t[r] = scalar(targetColumn, target, r, true);
                }
            }
        } catch (InputException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw unreadable(file, where(column), e);
        }
        rowsRead += rows;
        groupRowsLeft -= rows;
        return new Batch(values, rows, width, targets, numbers);
    }

    private void nextGroup() {
        group++;
        try {
            PageReadStore pages = reader.readNextRowGroup();
            if (pages == null) {
                throw new InputException(file, "row group " + (group + 1), "is missing (the footer lists "
                        + blocks.size() + ")");
            }
            // List columns through parquet-java's record-level reader (repetition levels); columns of one number each
            // through their pages alone, much faster (ParquetColumn).
            ColumnReadStoreImpl store = features.stream().anyMatch(c -> c.list) ? new ColumnReadStoreImpl(pages,
                    new DummyRecordConverter(projection).getRootConverter(), projection, createdBy) : null;
            readers = new Cursor[features.size()];
            flat = new ParquetColumn[features.size()];
            for (int c = 0; c < readers.length; c++) {
                ColumnDescriptor leaf = features.get(c).leaf;
                if (features.get(c).list) {
                    readers[c] = new Cursor(store.getColumnReader(leaf));
                } else {
                    flat[c] = new ParquetColumn(leaf, pages.getPageReader(leaf), noNulls(leaf));
                }
            }
            targetColumn = target == null ? null : new ParquetColumn(target.leaf, pages.getPageReader(target.leaf),
                    noNulls(target.leaf));
            groupRowsLeft = pages.getRowCount();
        } catch (IOException | RuntimeException | LinkageError e) {
            if (e instanceof InputException ie) {
                throw ie;
            }
            throw unreadable(file, "row group " + (group + 1), e);
        }
        bytesRead += blocks.get(group).getCompressedSize();
    }

    /** Whether the current row group's chunk of {@code leaf} says, in its statistics, that it holds no null. */
    private boolean noNulls(ColumnDescriptor leaf) {
        for (org.apache.parquet.hadoop.metadata.ColumnChunkMetaData c : blocks.get(group).getColumns()) {
            if (java.util.Arrays.equals(c.getPath().toArray(), leaf.getPath())) {
                org.apache.parquet.column.statistics.Statistics<?> s = c.getStatistics();
                return s != null && s.isNumNullsSet() && s.getNumNulls() == 0;
            }
        }
        return false;
    }

    private String where(String column) {
        return "row group " + (group + 1) + (column == null ? "" : ", column '" + column + "'");
    }

    private void readScalars(ParquetColumn r, Column c, float[] into, int offset, int stride, int rows) {
        int bad = r.copy(into, offset, stride, rows);
        if (bad >= 0) {
            // Said as a value read alone says it.
            scalar(r, c, bad, false);
            throw new IllegalStateException("value " + bad + " refused and then read");
        }
    }

    /** The next value of a scalar column; a null, a NaN or (as a feature) a value float32 overflows is refused. */
    private double scalar(ParquetColumn r, Column c, int k, boolean isTarget) {
        if (r.atNull()) {
            throw bad(c, k, "is null; every value must be a number");
        }
        double v = r.next();
        if (!Double.isFinite(v)) {
            throw bad(c, k, "is " + v + "; every value must be a finite number");
        }
        if (!isTarget && Float.isInfinite((float) v)) {
            throw bad(c, k, "is " + v + ", beyond float32's range; every value must be a finite number");
        }
        return v;
    }

    private double next(Cursor cursor, Column c, int k) {
        if (!cursor.more()) {
            throw bad(c, k, "is missing: the column chunk ends before the row group's " + (groupRowsLeft) + " rows");
        }
        ColumnReader r = cursor.reader;
        if (r.getCurrentDefinitionLevel() < c.leaf.getMaxDefinitionLevel()) {
            throw bad(c, k, "is null; every value must be a number");
        }
        double v = switch (c.leaf.getPrimitiveType().getPrimitiveTypeName()) {
            case INT32 -> r.getInteger();
            case INT64 -> r.getLong();
            case FLOAT -> r.getFloat();
            case DOUBLE -> r.getDouble();
            default -> r.getBoolean() ? 1 : 0;
        };
        cursor.consume();
        if (!Double.isFinite(v)) {
            throw bad(c, k, "is " + v + "; every value must be a finite number");
        }
        return v;
    }

    private void readLists(Cursor r, Column c, float[] into, int rows) {
        for (int k = 0; k < rows; k++) {
            int n = 0;
            do {
                if (!r.more()) {
                    throw bad(c, k, "is missing: the column chunk ends early");
                }
                if (r.reader.getCurrentDefinitionLevel() < c.leaf.getMaxDefinitionLevel()) {
                    // An empty list, a null list or a null element: none is a row of numbers.
                    throw bad(c, k, "holds an empty or null list, or a null value; every row holds " + width
                            + " numbers");
                }
                if (n >= width) {
                    throw bad(c, k, "holds more than " + width + " values, and the first row " + width + "; every row "
                            + "of a list column holds as many");
                }
                double v = next(r, c, k);
                if (Float.isInfinite((float) v)) {
                    throw bad(c, k, "holds " + v + ", beyond float32's range");
                }
                into[k * width + n++] = (float) v;
            } while (r.continuesRow());
            if (n != width) {
                throw bad(c, k, "holds " + n + " values, and the first row " + width + "; every row of a list column "
                        + "holds as many (pad them to one length)");
            }
        }
    }

    private InputException bad(Column c, int k, String what) {
        return new InputException(file, "row group " + (group + 1) + ", column '" + c.name + "', row " + (rowsRead + k
                + 1), what);
    }

    @Override
    public InputException noDataRows() {
        return new InputException(file, null, "holds no rows");
    }

    @Override
    public void close() {
        closeQuietly(reader);
    }

    private static void closeQuietly(ParquetFileReader r) {
        try {
            r.close();
        } catch (IOException | RuntimeException e) {
            // A file only read: nothing is lost when closing it fails.
        }
    }
}
