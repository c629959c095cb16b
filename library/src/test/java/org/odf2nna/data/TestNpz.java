package org.odf2nna.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes {@code .npz} archives as {@code np.savez} does (format 1.0, one {@code NAME.npy} entry per array), for tests. */
public final class TestNpz {

    private TestNpz() {
    }

    /** An int64 array of {@code rows} rows of {@code values.length / rows} values each (one value: shape [rows]). */
    public record Array(long[] values, int rows) {
    }

    /** Writes the arrays, in the map's order, to {@code file}. */
    public static Path write(Path file, Map<String, Array> arrays) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, Array> e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(npy(e.getValue()));
                zip.closeEntry();
            }
        }
        return file;
    }

    private static byte[] npy(Array a) {
        int width = a.values.length / a.rows;
        String shape = width == 1 ? "(" + a.rows + ",)" : "(" + a.rows + ", " + width + ")";
        StringBuilder header = new StringBuilder("{'descr': '<i8', 'fortran_order': False, 'shape': " + shape + ", }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 8 * a.values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.toString().getBytes(StandardCharsets.US_ASCII));
        for (long v : a.values) {
            b.putLong(v);
        }
        return b.array();
    }
}
