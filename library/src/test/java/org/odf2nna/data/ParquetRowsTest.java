package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;

/**
 * Parquet files as pyarrow writes them (scripts/fixtures/make_parquet_fixtures.py): the same rows as their CSV file
 * whatever the row groups, codec and page version; list columns per input; and one line for what is refused.
 */
class ParquetRowsTest {

    private static final ColumnRequest ANY = ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL);
    private static final Path IRIS_CSV = Path.of("examples/iris/iris-test.csv");

    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(ParquetRowsTest.class.getResource("parquet/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A file whose data pages are cut out but whose footer is whole: the footer places every column chunk beyond the
     * end. parquet-java would allocate the chunks' bytes from the footer (a fuzzed footer asking for gigabytes ran CI
     * out of heap); the reader refuses the file in one line naming the row group and column instead.
     */
    @Test
    void aFooterPlacingChunksBeyondTheFileIsRefusedBeforeAnyAllocation() throws IOException {
        byte[] whole = Files.readAllBytes(fixture("iris-plain.parquet"));
        int footer = java.nio.ByteBuffer.wrap(whole, whole.length - 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getInt();
        int cut = whole.length - footer - 8 - 4; // every byte between the magic and the footer: the data pages
        byte[] shorter = new byte[whole.length - cut];
        System.arraycopy(whole, 0, shorter, 0, 4);
        System.arraycopy(whole, 4 + cut, shorter, 4, whole.length - 4 - cut);
        Path damaged = dir.resolve("damaged.parquet");
        Files.write(damaged, shorter);
        InputException e = assertThrows(InputException.class, () -> NumpyRowsTest.readAll(damaged, ANY, 10));
        assertTrue(e.getMessage().startsWith(damaged.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("row group 1, column '"), e.getMessage());
        assertTrue(e.getMessage().contains("beyond the " + (shorter.length - footer - 8) + " bytes before the footer"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void tabularRowsAreTheCsvFilesRowsWhateverTheRowGroupsAndCodec() {
        NumpyRowsTest.All csv = NumpyRowsTest.readAll(IRIS_CSV, ANY, 1000);
        assertEquals(4, csv.width());
        for (String name : List.of("iris.parquet", "iris-zstd.parquet", "iris-plain.parquet", "iris-gzip.parquet",
                "iris-lz4.parquet")) {
            for (int batch : new int[] {1, 5, 1000}) {
                NumpyRowsTest.All pq = NumpyRowsTest.readAll(fixture(name), ANY, batch);
                assertEquals(csv.width(), pq.width(), name);
                assertArrayEquals(csv.features(), pq.features(), name + " batch " + batch);
                assertArrayEquals(csv.targets(), pq.targets(), name + " batch " + batch);
            }
        }
        try (RowReader r = RowReader.open(fixture("iris.parquet"), ANY);
                RowReader c = RowReader.open(IRIS_CSV, ANY)) {
            assertEquals(c.featureNames(), r.featureNames());
            assertEquals("label", r.targetName());
            assertEquals("Parquet file", RowReader.describe(r.file()));
            assertEquals("row 3", RowReader.place(r.file(), 3));
            assertTrue(r.totalBytes() > 0);
        }
    }

    @Test
    void columnsAreChosenByNameAsInACsvFile() {
        // The model's columns by name, in its order: the others ignored, the label found by its name.
        ColumnRequest byName = ANY.withFeatureNames(List.of("petal_width", "sepal_length"));
        NumpyRowsTest.All pq = NumpyRowsTest.readAll(fixture("iris.parquet"), byName, 8);
        NumpyRowsTest.All csv = NumpyRowsTest.readAll(IRIS_CSV, byName, 8);
        assertArrayEquals(csv.features(), pq.features());
        try (RowReader r = RowReader.open(fixture("iris.parquet"), byName)) {
            assertEquals(List.of("sepal_width", "petal_length"), r.ignoredColumns());
        }
        // --label names another column; a missing one is refused naming the columns, as in a CSV file.
        try (RowReader r = RowReader.open(fixture("iris.parquet"), ColumnRequest.of(-1, "petal_width",
                ColumnRequest.Target.REQUIRED))) {
            assertEquals("petal_width", r.targetName());
            assertEquals(4, r.featureCount());
        }
        InputException e = assertThrows(InputException.class, () -> RowReader.open(fixture("iris.parquet"),
                ColumnRequest.of(-1, "species", ColumnRequest.Target.REQUIRED)));
        assertTrue(e.getMessage().contains("iris.parquet: schema: has no column named 'species'"), e.getMessage());
    }

    @Test
    void listColumnsFeedInputsNamedLikeThem() {
        Path file = fixture("tokens.parquet");
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), RowReader.arrayNames(file));
        assertEquals(4, RowReader.arrayWidth(file, "input_ids"));
        assertEquals(-1, RowReader.arrayWidth(file, "labels"));
        try (RowReader r = RowReader.open(file, "input_ids", ANY)) {
            assertEquals(4, r.featureCount());
            assertEquals("labels", r.targetName());
            Batch first = r.next(10);
            // Row groups of 2 rows: a batch never crosses one.
            assertEquals(2, first.rows());
            assertArrayEquals(new float[] {101, 7, 9, 102, 101, 5, 102, 0}, first.features());
            assertArrayEquals(new double[] {1, 0}, first.targets());
            Batch second = r.next(10);
            assertArrayEquals(new float[] {101, 102, 0, 0}, second.features());
            assertArrayEquals(new long[] {3}, second.lines());
            assertNull(r.next(10));
        }
        try (RowReader r = RowReader.open(file, "attention_mask", ColumnRequest.of(4, null,
                ColumnRequest.Target.ABSENT))) {
            assertFalse(r.hasTarget());
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 0}, r.next(2).features());
        }
        InputException wide = assertThrows(InputException.class, () -> RowReader.open(file, "input_ids",
                ColumnRequest.of(5, null, ColumnRequest.Target.ABSENT)));
        assertTrue(wide.getMessage().endsWith("tokens.parquet: column 'input_ids': holds lists of 4 values, where "
                + "the model takes 5"), wide.getMessage());
        InputException none = assertThrows(InputException.class, () -> RowReader.open(file, "pixel_values", ANY));
        assertTrue(none.getMessage().contains("has no list column 'pixel_values' (its columns: input_ids, "
                + "attention_mask, token_type_ids, labels)"), none.getMessage());
    }

    @Test
    void whatIsNotARowOfNumbersIsRefusedNamingRowGroupColumnAndRow() {
        InputException ragged = assertThrows(InputException.class,
                () -> readAll(fixture("ragged.parquet"), "input_ids", 10));
        assertTrue(ragged.getMessage().contains("ragged.parquet: row group 1, column 'input_ids', row 2: holds 3 "
                + "values, and the first row 4"), ragged.getMessage());
        InputException nulls = assertThrows(InputException.class,
                () -> NumpyRowsTest.readAll(fixture("nulls.parquet"), ANY, 10));
        assertTrue(nulls.getMessage().endsWith("nulls.parquet: row group 1, column 'a', row 2: is null; every value "
                + "must be a number"), nulls.getMessage());
        InputException text = assertThrows(InputException.class,
                () -> NumpyRowsTest.readAll(fixture("text.parquet"), ANY, 10));
        assertTrue(text.getMessage().contains("text.parquet: column 'b': holds BINARY (STRING) values; only numbers"),
                text.getMessage());
        InputException brotli = assertThrows(InputException.class,
                () -> NumpyRowsTest.readAll(fixture("brotli.parquet"), ANY, 10));
        assertTrue(brotli.getMessage().contains("brotli.parquet: row group 1, column 'sepal_length': is compressed "
                + "with BROTLI, which is not read; write the file with snappy"), brotli.getMessage());
        for (InputException e : List.of(ragged, nulls, text, brotli)) {
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    /** Reads every batch of list column {@code column}; returns the rows read. */
    private static long readAll(Path file, String column, int batch) {
        try (RowReader r = RowReader.open(file, column, ANY)) {
            while (r.next(batch) != null) {
                assertTrue(r.rowsRead() > 0);
            }
            return r.rowsRead();
        }
    }

    @Test
    void aMalformedFileIsOneLineNamingIt() throws IOException {
        byte[] good = Files.readAllBytes(fixture("iris.parquet"));
        Path random = dir.resolve("random.parquet");
        Files.write(random, "not a parquet file at all, just text\n".getBytes());
        Path truncated = dir.resolve("truncated.parquet");
        Files.write(truncated, Arrays.copyOf(good, good.length / 2));
        Path damaged = dir.resolve("damaged.parquet");
        byte[] bytes = good.clone();
        // The data pages' bytes zeroed (the footer kept): decoding fails in a row group.
        Arrays.fill(bytes, 4, bytes.length / 2, (byte) 0);
        Files.write(damaged, bytes);
        Path empty = dir.resolve("empty.parquet");
        Files.write(empty, new byte[0]);
        for (Path p : List.of(random, truncated, damaged, empty)) {
            InputException e = assertThrows(InputException.class, () -> NumpyRowsTest.readAll(p, ANY, 10));
            assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
        InputException missing = assertThrows(InputException.class,
                () -> RowReader.open(dir.resolve("none.parquet"), ANY));
        assertTrue(missing.getMessage().endsWith("none.parquet: no such file"), missing.getMessage());
    }
}
