package org.odf2nna.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.odf2nna.InputException;

/**
 * The header of one NumPy {@code .npy} array (format versions 1 to 3): its element type, byte order and shape, and where
 * its data starts. Only C-order arrays of plain numbers and booleans are read; a structured, object, string or
 * Fortran-order array is refused in one line naming the file and the array.
 *
 * @param kind       {@code f} (float), {@code i} (signed), {@code u} (unsigned) or {@code b} (bool)
 * @param itemSize   bytes per element
 * @param order      the elements' byte order
 * @param shape      the dimensions
 * @param headerSize bytes before the data: magic, version, length and the header text
 */
record NpyHeader(char kind, int itemSize, ByteOrder order, long[] shape, int headerSize) {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** The longest header read: NumPy writes a few hundred bytes; a bigger one is not an array header. */
    static final int MAX_HEADER = 1 << 16;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    NpyHeader {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Elements in the array; the header is refused when the count does not fit a long. */
    long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The array's data in bytes. */
    long dataBytes() {
        return elements() * itemSize;
    }

    /** The type as NumPy writes it, for messages ({@code float32}, {@code int64}, {@code bool}). */
    String typeName() {
        return switch (kind) {
            case 'f' -> "float" + 8 * itemSize;
            case 'i' -> "int" + 8 * itemSize;
            case 'u' -> "uint" + 8 * itemSize;
            default -> "bool";
        };
    }

    /** Reads the header from the start of {@code in}; {@code place} names the array in messages. */
    static NpyHeader read(InputStream in, Path file, String place) throws IOException {
        byte[] start = in.readNBytes(8);
        for (int k = 0; k < MAGIC.length; k++) {
            if (start.length <= k || start[k] != MAGIC[k]) {
                throw new InputException(file, place, "is not a NumPy array (no \\x93NUMPY magic at the start)");
            }
        }
        if (start.length < 8) {
            throw new InputException(file, place, "is truncated inside its NumPy header");
        }
        int major = start[6] & 0xff;
        if (major < 1 || major > 3) {
            throw new InputException(file, place, "is a NumPy array of format version " + major + "; versions 1 to 3 "
                    + "are read");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        byte[] length = in.readNBytes(lengthBytes);
        if (length.length < lengthBytes) {
            throw new InputException(file, place, "is truncated inside its NumPy header");
        }
        long headerLength = 0;
        for (int k = lengthBytes - 1; k >= 0; k--) {
            headerLength = (headerLength << 8) | (length[k] & 0xff);
        }
        if (headerLength > MAX_HEADER) {
            throw new InputException(file, place, "has a NumPy header of " + headerLength + " bytes; at most "
                    + MAX_HEADER + " are read (not an array NumPy wrote)");
        }
        byte[] text = in.readNBytes((int) headerLength);
        if (text.length < headerLength) {
            throw new InputException(file, place, "is truncated inside its NumPy header");
        }
        String header = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return parse(header, 8 + lengthBytes + (int) headerLength, file, place);
    }

    static NpyHeader parse(String header, int headerSize, Path file, String place) {
        Matcher descr = DESCR.matcher(header);
        if (!descr.find()) {
            throw new InputException(file, place, "holds a structured or unreadable NumPy type (header "
                    + abbreviate(header) + "); save a plain numeric array");
        }
        String type = descr.group(1);
        Matcher fortran = FORTRAN.matcher(header);
        if (!fortran.find()) {
            throw new InputException(file, place, "has a NumPy header without fortran_order: " + abbreviate(header));
        }
        if (fortran.group(1).equals("True")) {
            throw new InputException(file, place, "is stored in Fortran order; save it in C order "
                    + "(np.save(f, np.ascontiguousarray(a)))");
        }
        Matcher shape = SHAPE.matcher(header);
        if (!shape.find()) {
            throw new InputException(file, place, "has a NumPy header without a shape: " + abbreviate(header));
        }
        long[] dims = dims(shape.group(1), file, place);
        if (!type.matches("[<>|=][fiub][0-9]{1,2}")) {
            throw new InputException(file, place, "holds NumPy type '" + abbreviate(type) + "'; numbers (float, "
                    + "int, uint) and bool are read");
        }
        char kind = type.charAt(1);
        int size = Integer.parseInt(type.substring(2));
        boolean known = switch (kind) {
            case 'f' -> size == 2 || size == 4 || size == 8;
            case 'i', 'u' -> size == 1 || size == 2 || size == 4 || size == 8;
            default -> size == 1;
        };
        if (!known) {
            throw new InputException(file, place, "holds NumPy type '" + type + "', an element size this reader "
                    + "does not decode");
        }
        ByteOrder order = switch (type.charAt(0)) {
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '<' -> ByteOrder.LITTLE_ENDIAN;
            default -> ByteOrder.nativeOrder();
        };
        NpyHeader h = new NpyHeader(kind, size, order, dims, headerSize);
        try {
            long n = 1;
            for (long d : dims) {
                n = Math.multiplyExact(n, d);
            }
            Math.multiplyExact(n, (long) size);
        } catch (ArithmeticException e) {
            throw new InputException(file, place, "has a shape whose size overflows: " + h.describeShape());
        }
        return h;
    }

    private static long[] dims(String text, Path file, String place) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.endsWith("L")) {
                p = p.substring(0, p.length() - 1);
            }
            if (p.isEmpty()) {
                continue;
            }
            if (!p.matches("[0-9]{1,18}")) {
                throw new InputException(file, place, "has a NumPy shape that is not a tuple of sizes: ("
                        + abbreviate(text) + ")");
            }
            dims.add(Long.parseLong(p));
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    String describeShape() {
        StringBuilder s = new StringBuilder("(");
        for (int d = 0; d < shape.length; d++) {
            s.append(d > 0 ? ", " : "").append(shape[d]);
        }
        return s.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** {@code s} for a one-line message: control characters as {@code ?}, at most 80 characters. */
    private static String abbreviate(String s) {
        String t = s.strip().replaceAll("[\\p{Cntrl}\\u2028\\u2029\\u0085]", "?");
        return t.length() <= 80 ? t : t.substring(0, 77) + "...";
    }
}
