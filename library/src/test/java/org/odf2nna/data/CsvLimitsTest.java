package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;

/** CSV files that would make a naive reader hold more than memory: refused with the place, or streamed. */
class CsvLimitsTest {

    @TempDir
    Path dir;

    private static final ColumnRequest ANY = ColumnRequest.of(-1, null, ColumnRequest.Target.REQUIRED);

    @Test
    void aLineLongerThanTheLimitIsRefusedWithoutReadingItWhole() throws IOException {
        // 70 million bytes without a line break: more than MAX_LINE_BYTES (64 Mi).
        Path file = dir.resolve("one-line.csv");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write("a,b\n");
            char[] chunk = "1234567,".repeat(1 << 14).toCharArray();
            for (long written = 0; written < 70_000_000L; written += chunk.length) {
                w.write(chunk);
            }
        }
        try (CsvReader reader = CsvReader.open(file, ANY)) {
            InputException e = assertThrows(InputException.class, () -> reader.next(8));
            assertEquals(file + ": line 2: is longer than " + CsvReader.MAX_LINE_BYTES
                    + " bytes without a line break; is this a CSV file?", e.getMessage());
        }
    }

    @Test
    void aBinaryFileWithoutLineBreaksFailsOnItsFirstLine() throws IOException {
        Path file = dir.resolve("blob.csv");
        byte[] bytes = new byte[5000];
        java.util.Arrays.fill(bytes, (byte) 'x');
        Files.write(file, bytes);
        InputException e = assertThrows(InputException.class, () -> CsvReader.open(file, ANY, 1000));
        assertEquals(file + ": line 1: is longer than 1000 bytes without a line break; is this a CSV file?",
                e.getMessage());
    }

    @Test
    void linesEndingInCrLfCrOrLfAreRowsLikeBufferedReaderReadsThem() throws IOException {
        Path file = Files.writeString(dir.resolve("endings.csv"), "a,b\r\n1,2\r3,4\n5,6\r\n\r\n7,8");
        try (CsvReader reader = CsvReader.open(file, ANY)) {
            Batch batch = reader.next(10);
            assertEquals(4, batch.rows());
            assertEquals(java.util.List.of(2L, 3L, 4L, 6L),
                    java.util.Arrays.stream(batch.lines(), 0, batch.rows()).boxed().toList());
            assertEquals(7.0, batch.features()[3]);
            assertEquals(8.0, batch.targets()[3]);
            assertNull(reader.next(10));
        }
    }

    @Test
    void aHeaderOfAMillionColumnsIsReadAndWideRowsComeInSmallerBatches() throws IOException {
        int columns = 1_000_000;
        Path file = dir.resolve("wide.csv");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            for (int c = 0; c < columns; c++) {
                w.write(c == 0 ? "c0" : ",c" + c);
            }
            w.write('\n');
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < columns; c++) {
                    w.write(c == 0 ? "1" : ",0");
                }
                w.write('\n');
            }
        }
        try (CsvReader reader = CsvReader.open(file, ColumnRequest.of(-1, null, ColumnRequest.Target.ABSENT))) {
            assertEquals(columns, reader.header().size());
            // 1024 rows of a million values would be a 4 GB array (and overflow an int): a batch is sized for at
            // most MAX_BATCH_VALUES values instead.
            Batch batch = reader.next(1024);
            assertEquals(3, batch.rows());
            assertEquals(columns, batch.width());
            assertEquals((CsvReader.MAX_BATCH_VALUES / columns) * columns, batch.features().length);
            assertEquals(1.0f, batch.features()[2 * columns]);
            assertNull(reader.next(1024));
        }
    }

    @Test
    void aMillionColumnsAgainstAModelOfFourIsRefusedAtTheHeader() throws IOException {
        Path file = dir.resolve("wide.csv");
        StringBuilder header = new StringBuilder("c0");
        for (int c = 1; c < 1_000_000; c++) {
            header.append(",c").append(c);
        }
        Files.writeString(file, header + "\n");
        InputException e = assertThrows(InputException.class,
                () -> CsvReader.open(file, ColumnRequest.of(4, null, ColumnRequest.Target.OPTIONAL)));
        assertTrue(e.getMessage().startsWith(file + ": line 1: has 1000000 columns, but the model takes 4"),
                e.getMessage());
    }

    @Test
    void aValueBeyondFloatRangeInAFeatureIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("big.csv"), "a,b,y\n1,1e300,0\n");
        try (CsvReader reader = CsvReader.open(file, ANY)) {
            InputException e = assertThrows(InputException.class, () -> reader.next(8));
            assertEquals(file + ": line 2, column 2 'b': '1e300' is out of range for a float32 model input "
                    + "(at most about 3.4e38)", e.getMessage());
        }
    }
}
