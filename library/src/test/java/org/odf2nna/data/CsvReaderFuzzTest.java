package org.odf2nna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.odf2nna.InputException;

/**
 * Coverage-guided fuzzing of the CSV side: bytes → a file → {@link CsvReader} with a column request
 * taken from the input → every batch read to the end.
 *
 * <p>The invariant: the only exception that may come out is an {@link InputException} whose message
 * names the file; every batch holds at most the rows asked for, rows of the promised width, finite
 * values only, and increasing line numbers. In a normal test run this replays the seeds and findings
 * under {@code src/test/resources/org/odf2nna/data/CsvReaderFuzzTestInputs}; with {@code JAZZER_FUZZ=1}
 * it fuzzes (see docs/research/ROBUSTNESS.md).
 */
class CsvReaderFuzzTest {

    static final Path FILE = fuzzFile();
    private static final String[] LABELS = {null, "label", "y", "x1", ""};

    @FuzzTest(maxDuration = "30s")
    void readAllBatches(FuzzedDataProvider data) {
        int features = data.consumeInt(-1, 6);
        String label = LABELS[data.consumeInt(0, LABELS.length - 1)];
        ColumnRequest.Target target = ColumnRequest.Target.values()[data.consumeInt(0, 2)];
        List<String> names = data.consumeBoolean() ? List.of("x1", "x2") : null;
        int batchSize = data.consumeInt(1, 9);
        byte[] bytes = data.consumeRemainingAsBytes();
        ColumnRequest request = ColumnRequest.of(features, label, target).withFeatureNames(names);
        // Small line limit, so the fuzzer can reach it with short inputs.
        readAll(bytes, request, batchSize, 200);
    }

    /** Reads every batch of {@code bytes} as a CSV file and checks what comes out. */
    static void readAll(byte[] bytes, ColumnRequest request, int batchSize, int maxLineBytes) {
        write(bytes);
        try (CsvReader reader = CsvReader.open(FILE, request, maxLineBytes)) {
            int width = reader.featureCount();
            assertTrue(width > 0, "at least one feature column");
            if (request.features() >= 0) {
                assertEquals(request.features(), width, "the feature count asked for");
            }
            long lastLine = 1;
            long rows = 0;
            Batch batch;
            while ((batch = reader.next(batchSize)) != null) {
                assertTrue(batch.rows() >= 1 && batch.rows() <= batchSize, "rows per batch");
                assertEquals(width, batch.width());
                assertEquals(reader.hasTarget(), batch.hasTargets());
                for (int k = 0; k < batch.rows() * width; k++) {
                    assertTrue(Float.isFinite(batch.features()[k]), "finite features only");
                }
                for (int r = 0; r < batch.rows(); r++) {
                    assertTrue(batch.lines()[r] > lastLine, "line numbers increase");
                    lastLine = batch.lines()[r];
                    if (batch.hasTargets()) {
                        assertTrue(Double.isFinite(batch.targets()[r]), "finite target");
                    }
                }
                rows += batch.rows();
            }
            assertEquals(rows, reader.rowsRead());
        } catch (InputException e) {
            assertTrue(e.getMessage() != null && e.getMessage().startsWith(FILE.toString()),
                    () -> "message does not start with the file: " + e.getMessage());
        }
    }

    /** The strict number parser agrees with Java's exact decimal conversion on everything it accepts. */
    @FuzzTest(maxDuration = "30s")
    void parsesNumbersExactly(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsAsciiString();
        double parsed;
        try {
            parsed = NumberParser.parse(text, 0, text.length());
        } catch (NumberFormatException e) {
            return;
        }
        double expected;
        try {
            expected = new BigDecimal(text.startsWith("+") ? text.substring(1) : text).doubleValue();
        } catch (NumberFormatException e) {
            expected = Double.parseDouble(text); // an exponent beyond BigDecimal's int range
        }
        double exact = expected;
        // Numerically equal (0.0 and -0.0 alike: BigDecimal has no negative zero).
        assertTrue(exact == parsed, () -> "'" + text + "': " + parsed + ", expected " + exact);
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
            Path dir = Files.createTempDirectory("csv-fuzz");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("fuzz.csv");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
