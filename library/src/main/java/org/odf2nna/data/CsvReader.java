package org.odf2nna.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.odf2nna.InputException;

/**
 * Streams a CSV file with a header row into {@link Batch}es of primitive arrays, so memory holds one
 * batch, never the file. Gzip files are recognised by their magic bytes. The delimiter (comma,
 * semicolon or tab) is taken from the header. Every cell must be a plain decimal number; anything else
 * (text, a missing value, NaN, infinity, a short or long row) is an {@link InputException} naming the
 * file, line and column.
 */
public final class CsvReader implements RowReader {

    private static final int GZIP_MAGIC_1 = 0x1f;
    private static final int GZIP_MAGIC_2 = 0x8b;
    private static final int TARGET_SLOT = -1;
    private static final int UNUSED_SLOT = -2;

    /**
     * Longest line accepted, in bytes: far more than a row of a million numbers, and a bound on what a
     * file without line breaks (a binary file, a one-line dump) can make the reader hold.
     */
    static final int MAX_LINE_BYTES = 64 << 20;
    /** Most feature values one batch holds: wide rows get fewer rows per batch, not a bigger array. */
    static final int MAX_BATCH_VALUES = 16 << 20;

    private final Path file;
    private final int maxLineBytes;
    private final CountingInputStream raw;
    /** The decompressed bytes, read into {@link #buffer}. */
    private final InputStream input;
    private byte[] buffer = new byte[1 << 16];
    /** Next unread byte of {@link #buffer}, and the end of the bytes read. */
    private int position;
    private int limit;
    private boolean endOfInput;
    /** The current line's bytes in {@link #buffer}, without its terminator. */
    private int lineStart;
    private int lineEnd;
    private final long totalBytes;
    private final List<String> header;
    private final char delimiter;
    private final int[] featureColumns;
    private final int targetColumn;
    /** Whether the target is the last column for want of one named as a target (not by a name). */
    private boolean targetByPosition;
    /** For each column: the feature slot it fills (≥ 0), {@link #TARGET_SLOT}, or {@link #UNUSED_SLOT}. */
    private final int[] slotOfColumn;
    /** 1-based number of the last line read (the header is line 1); 0 before any line. */
    private long line;
    private long rowsRead;
    private final List<String> cells = new ArrayList<>();

    private CsvReader(Path file, ColumnRequest request, int maxLineBytes) throws IOException {
        this.file = file;
        this.maxLineBytes = maxLineBytes;
        if (Files.isDirectory(file)) {
            throw new InputException(file, null, "is a directory, expected a CSV file");
        }
        try {
            this.totalBytes = Files.size(file);
            this.raw = new CountingInputStream(Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            throw new InputException(file, null, "no such file");
        }
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == GZIP_MAGIC_1 && b2 == GZIP_MAGIC_2) {
            try {
                in = new GZIPInputStream(in, 1 << 16);
            } catch (ZipException e) {
                raw.close();
                throw new InputException(file, null, "is not a readable gzip file: " + e.getMessage());
            }
        }
        this.input = in;
        String headerLine = readLine();
        if (headerLine != null && headerLine.startsWith("\uFEFF")) {
            headerLine = headerLine.substring(1);
        }
        if (headerLine == null || headerLine.isBlank()) {
            close();
            throw new InputException(file, null, "is empty: expected a header row naming the columns");
        }
        this.delimiter = CsvHeaders.detectDelimiter(headerLine);
        List<String> names = new ArrayList<>();
        split(headerLine, names);
        for (int c = 0; c < names.size(); c++) {
            names.set(c, names.get(c).trim());
        }
        this.header = List.copyOf(names);
        if (CsvHeaders.looksNumeric(header)) {
            close();
            throw new InputException(file, "line 1", "looks like data, not a header: the CSV needs a first row "
                    + "naming its columns (e.g. x1,x2,...,label)");
        }
        try {
            CsvColumns.Resolved resolved = new CsvColumns(file, header).resolve(request);
            this.featureColumns = resolved.features();
            this.targetColumn = resolved.target();
            this.targetByPosition = resolved.targetByPosition();
        } catch (InputException e) {
            close();
            throw e;
        }
        this.slotOfColumn = new int[header.size()];
        java.util.Arrays.fill(slotOfColumn, UNUSED_SLOT);
        for (int k = 0; k < featureColumns.length; k++) {
            slotOfColumn[featureColumns[k]] = k;
        }
        if (targetColumn >= 0) {
            slotOfColumn[targetColumn] = TARGET_SLOT;
        }
    }

    /** Opens {@code file} and reads its header. */
    public static CsvReader open(Path file, ColumnRequest request) {
        return open(file, request, MAX_LINE_BYTES);
    }

    /** Opens {@code file} with a limit on the length of a line (for tests of that limit). */
    static CsvReader open(Path file, ColumnRequest request, int maxLineBytes) {
        try {
            return new CsvReader(file, request, maxLineBytes);
        } catch (IOException e) {
            throw new InputException(file, null, "cannot read: " + describe(e), e);
        }
    }

    /** Reads just the header of a CSV file. */
    public static List<String> readHeader(Path file) {
        try (CsvReader reader = open(file, ColumnRequest.of(-1, null, ColumnRequest.Target.ABSENT))) {
            return reader.header();
        }
    }

    public Path file() {
        return file;
    }

    public List<String> header() {
        return header;
    }

    /**
     * Whether the target column was taken by its place, the last column, because no column is named as a target
     * ({@link ColumnRequest#DEFAULT_TARGET_NAMES}) and no name was given: a guess worth saying.
     */
    public boolean targetByPosition() {
        return targetByPosition;
    }

    /** The target column's number in the file, 1-based, or 0 without one. */
    public int targetColumnNumber() {
        return targetColumn + 1;
    }

    /** How many columns the file has. */
    public int columnCount() {
        return header.size();
    }

    public String targetName() {
        return targetColumn >= 0 ? header.get(targetColumn) : null;
    }

    public List<String> featureNames() {
        List<String> names = new ArrayList<>();
        for (int c : featureColumns) {
            names.add(header.get(c));
        }
        return names;
    }

    public int featureCount() {
        return featureColumns.length;
    }

    /**
     * The columns read neither as a feature nor as the target, in file order: those a model that reads its
     * columns by name does not take. Empty when the columns are read by position.
     */
    public List<String> ignoredColumns() {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            if (slotOfColumn[c] == UNUSED_SLOT) {
                names.add(header.get(c));
            }
        }
        return names;
    }

    public long rowsRead() {
        return rowsRead;
    }

    /** Bytes of the file (compressed, for gzip) consumed so far, for progress. */
    public long bytesRead() {
        return raw.count;
    }

    public long totalBytes() {
        return totalBytes;
    }

    /**
     * The next block of up to {@code maxRows} rows, or null at the end of the file. Rows so wide that
     * {@code maxRows} of them would exceed {@link #MAX_BATCH_VALUES} values come in smaller blocks.
     */
    public Batch next(int maxRows) {
        int width = featureColumns.length;
        maxRows = (int) Math.max(1, Math.min(maxRows, MAX_BATCH_VALUES / Math.max(1, width)));
        float[] features = new float[maxRows * width];
        double[] targets = targetColumn >= 0 ? new double[maxRows] : null;
        long[] lines = new long[maxRows];
        int rows = 0;
        while (rows < maxRows) {
            if (!nextLine()) {
                break;
            }
            int base = rows * width;
            if (!parseAsciiLine(features, base, targets, rows)) {
                // Anything but a plain ASCII row of numbers (quotes, other characters, blank lines, errors)
                // takes the general path, which decodes the line and reports what is wrong.
                String text = new String(buffer, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8);
                if (text.isBlank()) {
                    continue;
                }
                if (text.indexOf('"') < 0) {
                    parseUnquoted(text, features, base, targets, rows);
                } else {
                    cells.clear();
                    split(text, cells);
                    checkCellCount(cells.size());
                    for (int k = 0; k < width; k++) {
                        String cell = cells.get(featureColumns[k]);
                        features[base + k] = toFloat(parseCell(cell, 0, cell.length(), featureColumns[k]),
                                cell, featureColumns[k]);
                    }
                    if (targets != null) {
                        String cell = cells.get(targetColumn);
                        targets[rows] = parseCell(cell, 0, cell.length(), targetColumn);
                    }
                }
            }
            lines[rows] = line;
            rows++;
        }
        if (rows == 0) {
            return null;
        }
        rowsRead += rows;
        return new Batch(features, rows, width, targets, lines);
    }

    /** The error for a file whose header no data row follows; call it once {@link #next} returned null. */
    public InputException noDataRows() {
        return new InputException(file, "line " + (line + 1), "end of file, and no data rows after the header");
    }

    /** A feature as the model's float32 input; a finite double beyond float's range is an error, not infinity. */
    private float toFloat(double value, String cell, int column) {
        float f = (float) value;
        if (!Float.isFinite(f)) {
            throw cellError(column, "'" + abbreviate(cell.trim())
                    + "' is out of range for a float32 model input (at most about 3.4e38)");
        }
        return f;
    }

    @Override
    public void close() {
        try {
            input.close();
        } catch (IOException e) {
            // Nothing was written; a failing close of an input file loses nothing.
        }
    }

    /**
     * A line without quotes, parsed in place: each cell's characters go straight to the number parser, with
     * no substring per cell. The errors are those of the general path, in the same order: a wrong cell
     * count first, then the first bad cell.
     */
    private void parseUnquoted(String text, float[] features, int base, double[] targets, int row) {
        int columns = header.size();
        int length = text.length();
        int column = 0;
        int start = 0;
        InputException firstBad = null;
        while (true) {
            int end = text.indexOf(delimiter, start);
            if (end < 0) {
                end = length;
            }
            if (column < columns) {
                int slot = slotOfColumn[column];
                if (slot != UNUSED_SLOT) {
                    try {
                        double value = parseCell(text, start, end, column);
                        if (slot >= 0) {
                            features[base + slot] = toFloat(value, text.substring(start, end), column);
                        } else {
                            targets[row] = value;
                        }
                    } catch (InputException e) {
                        if (firstBad == null) {
                            firstBad = e;
                        }
                    }
                }
            }
            column++;
            if (end == length) {
                break;
            }
            start = end + 1;
        }
        checkCellCount(column);
        if (firstBad != null) {
            throw firstBad;
        }
    }

    private void checkCellCount(int count) {
        if (count != header.size()) {
            // Name the first column without a cell (short row) or the first cell without a column (long row).
            int column = Math.min(count, header.size());
            String place = "line " + line + ", column " + (column + 1)
                    + (column < header.size() ? " '" + header.get(column) + "'" : "");
            throw new InputException(file, place, (count < header.size() ? "missing cell: " : "extra cell: ")
                    + "the row has " + count + " cells but the header has " + header.size() + " columns");
        }
    }

    /** The number in {@code text[from, to)}, surrounding whitespace ignored. */
    private double parseCell(String text, int from, int to, int column) {
        int start = from;
        int end = to;
        while (start < end && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        if (start == end) {
            throw cellError(column, "missing value (empty cell)");
        }
        try {
            double value = NumberParser.parse(text, start, end);
            if (!Double.isFinite(value)) {
                throw cellError(column, "'" + text.substring(start, end) + "' is out of range for a number");
            }
            return value;
        } catch (NumberFormatException e) {
            String cell = text.substring(start, end);
            String lower = cell.toLowerCase(Locale.ROOT);
            if (lower.equals("nan") || lower.equals("na") || lower.equals("n/a") || lower.equals("?")
                    || lower.equals("null") || lower.equals("none")) {
                throw cellError(column, "missing value ('" + cell + "')");
            }
            if (lower.matches("[+-]?(inf|infinity)")) {
                throw cellError(column, "infinite value ('" + cell + "')");
            }
            throw cellError(column, "'" + abbreviate(cell) + "' is not a number");
        }
    }

    private InputException cellError(int column, String message) {
        return new InputException(file, "line " + line + ", column " + (column + 1) + " '" + header.get(column) + "'",
                message);
    }

    /** The next line as text (UTF-8), or null at the end of the file. */
    private String readLine() {
        return nextLine() ? new String(buffer, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8) : null;
    }

    /**
     * Advances to the next line, ended by "\n", "\r\n" or "\r" as {@link java.io.BufferedReader#readLine}
     * ends lines (a last line needs no terminator), and counts it. Returns false at the end of the file.
     */
    private boolean nextLine() {
        int i = position;
        while (true) {
            while (i < limit) {
                byte c = buffer[i];
                if (c == '\n' || c == '\r') {
                    if (c == '\r' && i + 1 == limit && !endOfInput) {
                        break; // read on: a '\n' may follow
                    }
                    checkLineLength(i - position);
                    lineStart = position;
                    lineEnd = i;
                    int next = i + 1;
                    if (c == '\r' && next < limit && buffer[next] == '\n') {
                        next++;
                    }
                    position = next;
                    line++;
                    return true;
                }
                i++;
            }
            if (endOfInput) {
                if (position < limit) {
                    checkLineLength(limit - position);
                    lineStart = position;
                    lineEnd = limit;
                    position = limit;
                    line++;
                    return true;
                }
                return false;
            }
            int scanned = i - position;
            checkLineLength(scanned);
            fill();
            i = position + scanned;
        }
    }

    /** Refuses a line longer than the limit rather than growing the buffer until memory runs out. */
    private void checkLineLength(int bytes) {
        if (bytes > maxLineBytes) {
            throw new InputException(file, "line " + (line + 1), "is longer than " + maxLineBytes
                    + " bytes without a line break; is this a CSV file?");
        }
    }

    /** Moves the unread bytes to the front (growing the buffer for a line longer than it) and reads more. */
    private void fill() {
        int remaining = limit - position;
        if (position > 0) {
            System.arraycopy(buffer, position, buffer, 0, remaining);
            position = 0;
            limit = remaining;
        }
        if (limit == buffer.length) {
            buffer = java.util.Arrays.copyOf(buffer, Math.multiplyExact(buffer.length, 2));
        }
        try {
            int n = input.read(buffer, limit, buffer.length - limit);
            if (n < 0) {
                endOfInput = true;
            } else {
                limit += n;
            }
        } catch (IOException e) {
            throw new InputException(file, "line " + (line + 1), "cannot read: " + describe(e), e);
        }
    }

    /**
     * The fast path: parses the current line straight from the buffer when it is plain ASCII without
     * quotes, has one cell per column and every cell read is a finite number. Returns false, having
     * perhaps written some values that the general path then overwrites, for anything else.
     */
    private boolean parseAsciiLine(float[] features, int base, double[] targets, int row) {
        byte[] b = buffer;
        int end = lineEnd;
        byte delimiterByte = (byte) delimiter;
        int columns = slotOfColumn.length;
        int column = 0;
        int start = lineStart;
        for (int i = lineStart; ; i++) {
            if (i < end) {
                byte c = b[i];
                if (c != delimiterByte) {
                    if (c < 0 || c == '"') {
                        return false; // a byte of a multi-byte character, or a quote
                    }
                    continue;
                }
            }
            if (column >= columns) {
                return false;
            }
            int slot = slotOfColumn[column];
            if (slot != UNUSED_SLOT) {
                int s0 = start;
                int e0 = i;
                while (s0 < e0 && isAsciiWhitespace(b[s0])) {
                    s0++;
                }
                while (e0 > s0 && isAsciiWhitespace(b[e0 - 1])) {
                    e0--;
                }
                if (s0 == e0) {
                    return false;
                }
                double value;
                try {
                    value = NumberParser.parse(b, s0, e0);
                } catch (NumberFormatException e) {
                    return false;
                }
                if (!Double.isFinite(value)) {
                    return false;
                }
                if (slot >= 0) {
                    float f = (float) value;
                    if (!Float.isFinite(f)) {
                        return false;
                    }
                    features[base + slot] = f;
                } else {
                    targets[row] = value;
                }
            }
            column++;
            if (i >= end) {
                break;
            }
            start = i + 1;
        }
        return column == columns;
    }

    /** {@link Character#isWhitespace} for ASCII. */
    private static boolean isAsciiWhitespace(byte c) {
        return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
    }

    /** Splits one line into cells, honouring double quotes ("a,b" and "" inside quotes). */
    private void split(String text, List<String> out) {
        if (text.indexOf('"') < 0) {
            int start = 0;
            int next;
            while ((next = text.indexOf(delimiter, start)) >= 0) {
                out.add(text.substring(start, next));
                start = next + 1;
            }
            out.add(text.substring(start));
            return;
        }
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == delimiter) {
                out.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString());
    }

    static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.io.EOFException) {
            return "unexpected end of file (truncated?)";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
