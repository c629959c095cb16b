package org.odf2nna.harness.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The stored tables under {@code docs/research/results} read back into the records and written again are the same bytes: the
 * records may group their fields (their JSON parts are written in place), the stored JSON, a public format, stays.
 */
class StoredResultsTest {

    @Test
    void storedTablesWriteBackByteForByte() throws IOException {
        Path folder = Path.of("docs/research/results");
        List<Path> files;
        try (Stream<Path> listed = Files.list(folder)) {
            files = listed.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no stored tables in " + folder.toAbsolutePath());
        for (Path json : files) {
            String stored = Files.readString(json, StandardCharsets.UTF_8);
            assertEquals(stored, Reproducer.json(Reproducer.read(json)), json.toString());
        }
    }
}
