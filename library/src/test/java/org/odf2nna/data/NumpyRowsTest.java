package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;

/** NumPy files as NumPy writes them (scripts/fixtures/make_numpy_fixtures.py), and large ones written here. */
class NumpyRowsTest {

    private static final ColumnRequest ANY = ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL);

    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(NumpyRowsTest.class.getResource("numpy/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every row of the file, with its targets (null without). */
    record All(float[] features, int width, double[] targets) {
    }

    static All readAll(Path file, ColumnRequest request, int batch) {
        List<Float> values = new ArrayList<>();
        List<Double> targets = new ArrayList<>();
        int width;
        try (RowReader r = RowReader.open(file, request)) {
            width = r.featureCount();
            Batch b;
            while ((b = r.next(batch)) != null) {
                assertTrue(b.rows() <= batch);
                for (int k = 0; k < b.rows() * b.width(); k++) {
                    values.add(b.features()[k]);
                }
                if (b.hasTargets()) {
                    for (int k = 0; k < b.rows(); k++) {
                        targets.add(b.targets()[k]);
                    }
                }
            }
            float[] f = new float[values.size()];
            for (int k = 0; k < f.length; k++) {
                f[k] = values.get(k);
            }
            return new All(f, width, r.hasTarget() ? targets.stream().mapToDouble(Double::doubleValue).toArray()
                    : null);
        }
    }

    @Test
    void everyTypeNumPyWritesIsReadInRowsOfTheFirstAxis() {
        All f4 = readAll(fixture("f4_4x2x3.npy"), ANY, 3);
        assertEquals(6, f4.width());
        assertEquals(24, f4.features().length);
        for (int k = 0; k < 24; k++) {
            assertEquals(k / 4f - 1, f4.features()[k]);
        }
        assertNull(f4.targets());
        assertArrayEquals(new float[] {1.5f, -2, 3, 4e10f, 0, -0.25f}, readAll(fixture("f8_be_3x2.npy"), ANY, 10)
                .features());
        assertArrayEquals(new float[] {101, 7, 9, 0, 0, 5, 6, 7, 8, 9, (float) Math.pow(2, 40), 1, 0, 0, 0},
                readAll(fixture("i8_ids_3x5.npy"), ANY, 2).features());
        assertArrayEquals(new float[] {0, 128, 255, 1, 2, 3}, readAll(fixture("u1_2x3.npy"), ANY, 1).features());
        assertArrayEquals(new float[] {1, 0, 0, 1}, readAll(fixture("b1_2x2.npy"), ANY, 5).features());
        All half = readAll(fixture("f2_3.npy"), ANY, 5);
        assertEquals(1, half.width());
        assertArrayEquals(new float[] {0.5f, -1.25f, 65504}, half.features());
        assertArrayEquals(new float[] {1, 2, 3, 4}, readAll(fixture("v2_2x2.npy"), ANY, 5).features());
    }

    @Test
    void anNpzArchiveGivesInputsAndLabels() {
        for (String name : List.of("xy_compressed.npz", "xy_stored.npz")) {
            All all = readAll(fixture(name), ANY, 3);
            assertEquals(6, all.width());
            assertEquals(-1f, all.features()[0]);
            assertEquals(24, all.features().length);
            assertEquals(4, all.targets().length, name);
        }
        assertArrayEquals(new double[] {0, 1, 2, 1}, readAll(fixture("xy_compressed.npz"), ANY, 3).targets());
        assertArrayEquals(new double[] {3, 2, 1, 0}, readAll(fixture("xy_stored.npz"), ANY, 3).targets());
        // Labels ignored when the request takes none; an archive without y is inputs alone.
        assertNull(readAll(fixture("xy_stored.npz"), ColumnRequest.of(6, null, ColumnRequest.Target.ABSENT), 3)
                .targets());
        assertNull(readAll(fixture("x_only.npz"), ANY, 3).targets());
        // Another array, read for a graph input of that name: the labels go with it when the request takes them
        // (the rows of an input named by its array, issue 72), not when it is read beside the rows.
        try (NumpyRows mask = NumpyRows.npz(fixture("xy_stored.npz"), "mask", ANY)) {
            assertEquals(5, mask.featureCount());
            assertEquals(4, mask.rows());
            assertEquals("y", mask.targetName());
        }
        try (NumpyRows mask = NumpyRows.npz(fixture("xy_stored.npz"), "mask", ColumnRequest.of(5, null,
                ColumnRequest.Target.ABSENT))) {
            assertFalse(mask.hasTarget());
        }
        assertEquals(List.of("x", "y", "mask"), NumpyRows.arrayNames(fixture("xy_stored.npz")));
    }

    @Test
    void whatCannotBeReadIsRefusedInOneLineNamingTheFile() {
        String[][] cases = {
            {"fortran.npy", "Fortran order"},
            {"nan.npy", "row 1, value 2 is NaN"},
            {"structured.npy", "structured"},
            {"scalar.npy", "scalar"},
            {"truncated.npy", "truncated"},
            {"no_x.npz", "has no array 'x' (it holds inputs.npy)"},
            {"bad_y.npz", "array 'y': has shape (3,)"},
        };
        for (String[] c : cases) {
            Path file = fixture(c[0]);
            InputException e = assertThrows(InputException.class, () -> readAll(file, ANY, 10), c[0]);
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        InputException wrongWidth = assertThrows(InputException.class, () -> readAll(fixture("f4_4x2x3.npy"),
                ColumnRequest.of(5, null, ColumnRequest.Target.OPTIONAL), 10));
        assertTrue(wrongWidth.getMessage().contains("rows of 6 values, where the model takes 5"),
                wrongWidth.getMessage());
        InputException labels = assertThrows(InputException.class, () -> readAll(fixture("f4_4x2x3.npy"),
                ColumnRequest.of(6, null, ColumnRequest.Target.REQUIRED), 10));
        assertTrue(labels.getMessage().contains("inputs alone"), labels.getMessage());
        try (RowReader r = RowReader.open(fixture("empty_0x4.npy"), ANY)) {
            assertNull(r.next(5));
            assertTrue(r.noDataRows().getMessage().contains("holds no rows (shape (0, 4))"));
        }
    }

    /** A float32 .npy file of {@code rows} rows of {@code width}, value (r, k) = r + k / 1000, written here. */
    private Path bigNpy(int rows, int width) throws IOException {
        Path file = dir.resolve("big.npy");
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + width + "), }";
        int pad = 64 - (10 + header.length() + 1) % 64;
        header = header + " ".repeat(pad) + "\n";
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(header.length() & 0xff);
            out.write(header.length() >> 8);
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            ByteBuffer row = ByteBuffer.allocate(width * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < rows; r++) {
                row.clear();
                for (int k = 0; k < width; k++) {
                    row.putFloat(r + k / 1000f);
                }
                out.write(row.array());
            }
        }
        return file;
    }

    @Test
    void wideRowsStreamInBlocksThroughAFixedBuffer() throws IOException {
        // 300 rows of 3×48×192 values (33 MB): more than the decoding chunk per row, read in batches of 128 rows.
        Path file = bigNpy(300, 3 * 48 * 192);
        try (RowReader r = RowReader.open(file, ColumnRequest.of(3 * 48 * 192, null,
                ColumnRequest.Target.OPTIONAL))) {
            long seen = 0;
            Batch b;
            while ((b = r.next(128)) != null) {
                for (int row = 0; row < b.rows(); row++) {
                    long global = seen + row;
                    assertEquals(global, b.features()[row * b.width()]);
                    assertEquals(global + 0.007f, b.features()[row * b.width() + 7], 1e-3);
                }
                seen += b.rows();
                assertEquals(seen * b.width() * 4L, r.bytesRead());
            }
            assertEquals(300, seen);
            assertEquals(r.totalBytes(), r.bytesRead());
        }
        // The same bytes as the x of a compressed archive, with labels.
        Path npz = dir.resolve("big.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            zip.putNextEntry(new ZipEntry("x.npy"));
            Files.copy(file, zip);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("y.npy"));
            String h = "{'descr': '<i8', 'fortran_order': False, 'shape': (300,), }";
            h = h + " ".repeat(64 - (10 + h.length() + 1) % 64) + "\n";
            zip.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), 0});
            zip.write(h.getBytes(StandardCharsets.ISO_8859_1));
            ByteBuffer y = ByteBuffer.allocate(300 * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < 300; r++) {
                y.putLong(r % 7);
            }
            zip.write(y.array());
            zip.closeEntry();
        }
        All all = readAll(npz, ANY, 100);
        assertEquals(300 * 3 * 48 * 192, all.features().length);
        assertEquals(299f, all.features()[299 * all.width()]);
        assertEquals(5.0, all.targets()[299]);
    }
}
