package org.odf2nna.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
public final class CsvReader implements Closeable {

    private static final int GZIP_MAGIC_1 = 0x1f;
    private static final int GZIP_MAGIC_2 = 0x8b;

    /**
     * Longest line accepted, in characters: far more than a row of a million numbers, and a bound on what
     * a file without line breaks (a binary file, a one-line dump) can make the reader hold.
     */
    static final int MAX_LINE_CHARS = 64 << 20;
    /** Most feature values one batch holds: wide rows get fewer rows per batch, not a bigger array. */
    static final int MAX_BATCH_VALUES = 16 << 20;

    private final Path file;
    private final CountingInputStream raw;
    private final Reader reader;
    private final int maxLineChars;
    private final char[] chars = new char[1 << 16];
    private int charPos;
    private int charLimit;
    private boolean skipLineFeed;
    private final StringBuilder lineText = new StringBuilder();
    private final long totalBytes;
    private final List<String> header;
    private final char delimiter;
    private final int[] featureColumns;
    private final int targetColumn;
    /** 1-based number of the last line read (the header is line 1); 0 before any line. */
    private long line;
    private long rowsRead;
    private final List<String> cells = new ArrayList<>();

    private CsvReader(Path file, ColumnRequest request, int maxLineChars) throws IOException {
        this.file = file;
        this.maxLineChars = maxLineChars;
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
        this.reader = new InputStreamReader(in, StandardCharsets.UTF_8);
        String headerLine = readLine();
        if (headerLine != null && headerLine.startsWith("\uFEFF")) {
            headerLine = headerLine.substring(1);
        }
        if (headerLine == null || headerLine.isBlank()) {
            close();
            throw new InputException(file, null, "is empty: expected a header row naming the columns");
        }
        this.delimiter = detectDelimiter(headerLine);
        List<String> names = new ArrayList<>();
        split(headerLine, names);
        for (int c = 0; c < names.size(); c++) {
            names.set(c, names.get(c).trim());
        }
        this.header = List.copyOf(names);
        if (looksNumeric(header)) {
            close();
            throw new InputException(file, "line 1", "looks like data, not a header: the CSV needs a first row "
                    + "naming its columns (e.g. x1,x2,...,label)");
        }
        try {
            int[][] resolved = resolveColumns(request);
            this.featureColumns = resolved[0];
            this.targetColumn = resolved[1][0];
        } catch (InputException e) {
            close();
            throw e;
        }
    }

    /** Opens {@code file} and reads its header. */
    public static CsvReader open(Path file, ColumnRequest request) {
        return open(file, request, MAX_LINE_CHARS);
    }

    /** Opens {@code file} with a limit on the length of a line (for tests of that limit). */
    static CsvReader open(Path file, ColumnRequest request, int maxLineChars) {
        try {
            return new CsvReader(file, request, maxLineChars);
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

    public boolean hasTarget() {
        return targetColumn >= 0;
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
            String text = readLine();
            if (text == null) {
                break;
            }
            if (text.isBlank()) {
                continue;
            }
            cells.clear();
            split(text, cells);
            if (cells.size() != header.size()) {
                // Name the first column without a cell (short row) or the first cell without a column (long row).
                int column = Math.min(cells.size(), header.size());
                String place = "line " + line + ", column " + (column + 1)
                        + (column < header.size() ? " '" + header.get(column) + "'" : "");
                throw new InputException(file, place, (cells.size() < header.size() ? "missing cell: " : "extra cell: ")
                        + "the row has " + cells.size() + " cells but the header has " + header.size() + " columns");
            }
            int base = rows * width;
            for (int k = 0; k < width; k++) {
                float value = (float) parseCell(featureColumns[k]);
                if (!Float.isFinite(value)) {
                    throw cellError(featureColumns[k], "'" + abbreviate(cells.get(featureColumns[k]).trim())
                            + "' is out of range for a float32 model input (at most about 3.4e38)");
                }
                features[base + k] = value;
            }
            if (targets != null) {
                targets[rows] = parseCell(targetColumn);
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

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            // Nothing was written; a failing close of an input file loses nothing.
        }
    }

    private double parseCell(int column) {
        String cell = cells.get(column);
        int start = 0;
        int end = cell.length();
        while (start < end && Character.isWhitespace(cell.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(cell.charAt(end - 1))) {
            end--;
        }
        if (start == end) {
            throw cellError(column, "missing value (empty cell)");
        }
        try {
            double value = NumberParser.parse(cell, start, end);
            if (!Double.isFinite(value)) {
                throw cellError(column, "'" + cell.trim() + "' is out of range for a number");
            }
            return value;
        } catch (NumberFormatException e) {
            String text = cell.substring(start, end);
            String lower = text.toLowerCase(Locale.ROOT);
            if (lower.equals("nan") || lower.equals("na") || lower.equals("n/a") || lower.equals("?")
                    || lower.equals("null") || lower.equals("none")) {
                throw cellError(column, "missing value ('" + text + "')");
            }
            if (lower.matches("[+-]?(inf|infinity)")) {
                throw cellError(column, "infinite value ('" + text + "')");
            }
            throw cellError(column, "'" + abbreviate(text) + "' is not a number");
        }
    }

    private InputException cellError(int column, String message) {
        return new InputException(file, "line " + line + ", column " + (column + 1) + " '" + header.get(column) + "'",
                message);
    }

    private String readLine() {
        try {
            String text = nextLine();
            if (text != null) {
                line++;
            }
            return text;
        } catch (IOException e) {
            throw new InputException(file, "line " + (line + 1), "cannot read: " + describe(e), e);
        }
    }

    /**
     * The next line without its terminator (\n, \r\n or \r), or null at the end of the file, as
     * {@link java.io.BufferedReader#readLine} would give it, but refusing lines longer than the limit
     * instead of growing a string until memory runs out.
     */
    private String nextLine() throws IOException {
        lineText.setLength(0);
        while (true) {
            if (charPos >= charLimit) {
                int n = reader.read(chars, 0, chars.length);
                if (n <= 0) {
                    return lineText.length() > 0 ? lineText.toString() : null;
                }
                charPos = 0;
                charLimit = n;
            }
            if (skipLineFeed) {
                skipLineFeed = false;
                if (chars[charPos] == '\n') {
                    charPos++;
                    continue;
                }
            }
            int start = charPos;
            while (charPos < charLimit && chars[charPos] != '\n' && chars[charPos] != '\r') {
                charPos++;
            }
            if (lineText.length() + (charPos - start) > maxLineChars) {
                throw new InputException(file, "line " + (line + 1), "is longer than " + maxLineChars
                        + " characters without a line break; is this a CSV file?");
            }
            lineText.append(chars, start, charPos - start);
            if (charPos < charLimit) {
                skipLineFeed = chars[charPos] == '\r';
                charPos++;
                return lineText.toString();
            }
        }
    }

    private int[][] resolveColumns(ColumnRequest request) {
        Map<String, Integer> byName = new HashMap<>();
        for (int c = 0; c < header.size(); c++) {
            byName.merge(header.get(c), c, (a, b) -> -1);
        }
        int target = -1;
        if (request.target() != ColumnRequest.Target.ABSENT && request.label() != null) {
            Integer index = byName.get(request.label());
            if (index == null) {
                throw new InputException(file, "line 1", "has no column named '" + request.label()
                        + "' (columns: " + abbreviate(String.join(", ", header)) + ")");
            }
            if (index < 0) {
                throw new InputException(file, "line 1", "has more than one column named '" + request.label() + "'");
            }
            target = index;
        }
        List<Integer> features = new ArrayList<>();
        if (request.featureNames() != null) {
            for (String name : request.featureNames()) {
                Integer index = byName.get(name);
                if (index == null) {
                    throw new InputException(file, "line 1", "has no column named '" + name
                            + "', which the model takes as a feature");
                }
                if (index < 0) {
                    throw new InputException(file, "line 1", "has more than one column named '" + name + "'");
                }
                features.add(index);
            }
            if (target < 0 && request.target() != ColumnRequest.Target.ABSENT) {
                int last = header.size() - 1;
                if (!request.featureNames().contains(header.get(last))) {
                    target = last;
                } else if (request.target() == ColumnRequest.Target.REQUIRED) {
                    throw new InputException(file, "line 1", "has no target column: name it with --label");
                }
            }
        } else {
            int expected = request.features();
            int columns = header.size();
            if (target >= 0) {
                if (expected >= 0 && columns - 1 != expected) {
                    throw new InputException(file, "line 1", "has " + (columns - 1) + " feature columns besides '"
                            + request.label() + "', but the model takes " + expected);
                }
            } else if (request.target() == ColumnRequest.Target.ABSENT
                    || (request.target() == ColumnRequest.Target.OPTIONAL && expected >= 0 && columns == expected)) {
                if (expected >= 0 && columns != expected) {
                    throw new InputException(file, "line 1", "has " + columns + " columns, but the model takes "
                            + expected + " features");
                }
            } else {
                if (columns < 2 && expected < 0) {
                    throw new InputException(file, "line 1", "has only one column: need features and a target");
                }
                if (expected >= 0 && columns != expected + 1) {
                    String need = request.target() == ColumnRequest.Target.REQUIRED
                            ? expected + " feature columns and a target column"
                            : expected + " feature columns, optionally followed by a target column";
                    throw new InputException(file, "line 1", "has " + columns + " columns, but the model takes "
                            + need + " (" + (expected + 1) + " in all)");
                }
                target = columns - 1;
            }
            for (int c = 0; c < columns; c++) {
                if (c != target) {
                    features.add(c);
                }
            }
        }
        if (features.isEmpty()) {
            throw new InputException(file, "line 1", "has no feature columns");
        }
        return new int[][] {features.stream().mapToInt(Integer::intValue).toArray(), {target}};
    }

    private static char detectDelimiter(String headerLine) {
        // Only delimiters outside double quotes count: "weight (kg, adult)";height is semicolon-separated.
        StringBuilder unquoted = new StringBuilder(headerLine.length());
        boolean quoted = false;
        for (int i = 0; i < headerLine.length(); i++) {
            char c = headerLine.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted) {
                unquoted.append(c);
            }
        }
        if (unquoted.indexOf(",") >= 0) {
            return ',';
        }
        if (unquoted.indexOf(";") >= 0) {
            return ';';
        }
        if (unquoted.indexOf("\t") >= 0) {
            return '\t';
        }
        return ',';
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

    private static boolean looksNumeric(List<String> names) {
        for (String name : names) {
            try {
                NumberParser.parse(name, 0, name.length());
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String text) {
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

    /** Counts bytes taken from the file, before decompression, for progress reporting. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
