package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.odf2nna.InputException;

/**
 * Coverage-guided fuzzing of the NumPy side, as {@link CsvReaderFuzzTest} does the CSV side: bytes → a {@code .npy}
 * file, or the {@code x.npy} (and, from the same bytes, {@code y.npy}) of an {@code .npz} archive, stored or deflated →
 * {@link RowReader} → every batch read to the end.
 *
 * <p>The invariant: the only exception that may come out is an {@link InputException} whose message names the file and
 * holds one line; every batch holds at most the rows asked for, rows of the promised width, finite values only, and
 * the rows read add up to the array's first axis. Seeds (written by NumPy, scripts/fixtures/make_numpy_fixtures.py) are
 * under {@code src/test/resources/org/odf2nna/data/NumpyRowsFuzzTestInputs}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class NumpyRowsFuzzTest {

    private static final Path DIR = fuzzDir();

    @FuzzTest(maxDuration = "30s")
    void readAllBatches(FuzzedDataProvider data) {
        int form = data.consumeInt(0, 2);
        int features = data.consumeInt(-1, 8);
        ColumnRequest.Target target = ColumnRequest.Target.values()[data.consumeInt(0, 2)];
        int batchSize = data.consumeInt(1, 9);
        byte[] bytes = data.consumeRemainingAsBytes();
        Path file = form == 0 ? DIR.resolve("fuzz.npy") : DIR.resolve("fuzz.npz");
        write(file, bytes, form);
        ColumnRequest request = ColumnRequest.of(features, null, target);
        try (RowReader reader = RowReader.open(file, request)) {
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
            assertEquals(((NumpyRows) reader).rows(), rows);
        } catch (InputException e) {
            assertTrue(e.getMessage() != null && e.getMessage().startsWith(file.toString()),
                    () -> "message does not start with the file: " + e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), () -> "one line: " + e.getMessage());
        }
    }

    private static void write(Path file, byte[] bytes, int form) {
        try {
            if (form == 0) {
                Files.write(file, bytes);
                return;
            }
            try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
                zip.setLevel(form == 1 ? 0 : 6);
                zip.putNextEntry(new ZipEntry("x.npy"));
                zip.write(bytes);
                zip.closeEntry();
                zip.putNextEntry(new ZipEntry("y.npy"));
                zip.write(bytes);
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path fuzzDir() {
        try {
            Path dir = Files.createTempDirectory("npy-fuzz");
            dir.toFile().deleteOnExit();
            dir.resolve("fuzz.npy").toFile().deleteOnExit();
            dir.resolve("fuzz.npz").toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
