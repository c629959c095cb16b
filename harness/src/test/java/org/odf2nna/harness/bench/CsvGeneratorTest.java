package org.odf2nna.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.CsvReader;

class CsvGeneratorTest {

    @TempDir
    Path dir;

    private CsvGenerator.Lines source() throws IOException {
        Path file = dir.resolve("source.csv");
        Files.writeString(file, "a,b,label\n1,2,0\n\n3.5,-4,1\n5,6e2,0\n");
        return CsvGenerator.read(file);
    }

    @Test
    void readsTheHeaderAndTheNonBlankRows() throws IOException {
        CsvGenerator.Lines lines = source();
        assertEquals("a,b,label", lines.header());
        assertEquals(List.of("1,2,0", "3.5,-4,1", "5,6e2,0"), lines.rows());
    }

    @Test
    void exactRowCountsRepeatTheRowsInOrder() throws IOException {
        for (boolean gzip : new boolean[] {false, true}) {
            Path target = dir.resolve("seven.csv" + (gzip ? ".gz" : ""));
            CsvGenerator.Generated g = CsvGenerator.toRows(source(), target, 7, gzip);
            assertEquals(7, g.rows());
            assertEquals(Files.size(target), g.fileBytes());
            String text = "a,b,label\n" + "1,2,0\n3.5,-4,1\n5,6e2,0\n".repeat(2) + "1,2,0\n";
            assertEquals(text.length(), g.uncompressedBytes(), "counted before compression");
            float[] expected = {1, 2, 3.5f, -4, 5, 600, 1, 2, 3.5f, -4, 5, 600, 1, 2};
            try (CsvReader reader = CsvReader.open(target, ColumnRequest.of(2, null, ColumnRequest.Target.REQUIRED))) {
                Batch b = reader.next(100);
                assertEquals(7, b.rows());
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], b.features()[i], "value " + i + (gzip ? " (gzip)" : ""));
                }
                assertEquals(1.0, b.targets()[1]);
            }
            if (gzip) {
                assertTrue(g.fileBytes() < g.uncompressedBytes() + 40, "gzip file");
                byte[] head = Files.readAllBytes(target);
                assertEquals((byte) 0x1f, head[0]);
            }
        }
    }

    @Test
    void byteTargetsAreReachedAndCachedFilesReused() throws IOException {
        Path target = dir.resolve("big.csv");
        CsvGenerator.Generated g = CsvGenerator.toBytes(source(), target, 1000, false);
        assertTrue(g.uncompressedBytes() >= 1000, "at least the size asked for");
        assertTrue(g.uncompressedBytes() < 1000 + 10, "at most one row more");
        assertEquals(Files.size(target), g.uncompressedBytes());
        CsvGenerator.Generated again = CsvGenerator.cached(target);
        assertNotNull(again);
        assertEquals(g, again);
        Files.writeString(target, "a,b,label\n1,2,0\n");
        assertNull(CsvGenerator.cached(target), "a file changed since it was generated is not reused");
        assertNull(CsvGenerator.cached(dir.resolve("missing.csv")));
    }
}
