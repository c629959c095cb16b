package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.odf2nna.InputException;

/**
 * Coverage-guided fuzzing of the Parquet side, as {@link NumpyRowsFuzzTest} does the NumPy side: bytes → a
 * {@code .parquet} file → {@link RowReader} reading its columns of one number each ({@code x}) or a list column
 * ({@code input_ids}, {@code attention_mask}) → every batch read to the end.
 *
 * <p>The invariant: the only exception that may come out is an {@link InputException} whose message names the file and
 * holds one line; every batch holds at most the rows asked for, rows of the promised width and finite values only.
 * The control values are the input's last 4 bytes (Jazzer takes them from the end), so a seed is a file pyarrow wrote
 * with 4 bytes after it (scripts/fixtures/make_parquet_fixtures.py), under
 * {@code src/test/resources/org/odf2nna/data/ParquetRowsFuzzTestInputs}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class ParquetRowsFuzzTest {

    private static final Path FILE = fuzzFile();
    private static final String[] ARRAYS = {RowReader.ROWS, "input_ids", "attention_mask"};

    @FuzzTest(maxDuration = "30s")
    void readAllBatches(FuzzedDataProvider data) {
        String array = ARRAYS[data.consumeInt(0, ARRAYS.length - 1)];
        int features = data.consumeInt(-1, 8);
        ColumnRequest.Target target = ColumnRequest.Target.values()[data.consumeInt(0, 2)];
        int batchSize = data.consumeInt(1, 9);
        write(data.consumeRemainingAsBytes());
        try (RowReader reader = RowReader.open(FILE, array, ColumnRequest.of(features, null, target))) {
            int width = reader.featureCount();
            assertTrue(width > 0, "at least one value per row");
            if (features >= 0) {
                assertEquals(features, width);
            }
            long rows = 0;
            Batch batch;
            while ((batch = reader.next(batchSize)) != null) {
                assertTrue(batch.rows() >= 1 && batch.rows() <= batchSize, "rows per batch");
                assertEquals(width, batch.width());
                assertEquals(reader.hasTarget(), batch.hasTargets());
                for (int k = 0; k < batch.rows() * width; k++) {
                    assertTrue(Float.isFinite(batch.features()[k]), "finite values only");
                }
                rows += batch.rows();
            }
            assertEquals(rows, reader.rowsRead());
        } catch (InputException e) {
            assertTrue(e.getMessage() != null && e.getMessage().startsWith(FILE.toString()),
                    () -> "message does not start with the file: " + e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), () -> "one line: " + e.getMessage());
        }
    }

    private static void write(byte[] bytes) {
        try {
            Files.write(FILE, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path fuzzFile() {
        try {
            Path dir = Files.createTempDirectory("parquet-fuzz");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("fuzz.parquet");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
