package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reproduce command's surface; the runs themselves are in ReproduceQuickIT (they need ../shared). */
class ReproduceCommandTest {

    @TempDir
    Path dir;

    @Test
    void helpListsTheTablesAndOptions() {
        CliRun run = CliRun.of("reproduce", "--help");
        assertEquals(0, run.exitCode(), run.toString());
        for (String word : new String[] {"table1", "table3", "lenet", "spambase", "poker", "higgs", "regression",
            "--shared", "--out", "--quick", "--only", "--render-only"}) {
            assertTrue(run.out().contains(word), word + " in\n" + run.out());
        }
    }

    @Test
    void theMainHelpNamesTheCommand() {
        CliRun run = CliRun.of("--help");
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(run.out().contains("reproduce"), run.out());
    }

    @Test
    void anUnknownTableIsAUsageError() {
        CliRun run = CliRun.of("reproduce", "table2", "--shared", dir.toString());
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("unknown table 'table2'"), run.err());
    }

    @Test
    void aMissingSharedFolderIsNamed() {
        Path missing = dir.resolve("no-such-shared");
        CliRun run = CliRun.of("-q", "reproduce", "table1", "--shared", missing.toString(), "--out",
                dir.resolve("R.md").toString());
        assertEquals(1, run.exitCode(), run.toString());
        assertTrue(run.err().contains("no-such-shared") && run.err().contains("is not the shared folder"), run.err());
        assertFalse(Files.exists(dir.resolve("R.md")), "nothing is written when nothing ran");
    }

    @Test
    void anUnknownDataSetIsAUsageError() throws Exception {
        Path shared = dir.resolve("shared");
        Files.createDirectories(shared.resolve("data"));
        Files.createDirectories(shared.resolve("models"));
        CliRun run = CliRun.of("-q", "reproduce", "table1", "--only", "mnist", "--shared", shared.toString(), "--out",
                dir.resolve("R.md").toString());
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().contains("'mnist' is not a data set") && run.err().contains("iris"), run.err());
    }

    @Test
    void renderOnlyWritesTheDocumentFromWhatIsStored() throws Exception {
        Path out = dir.resolve("docs/research/RESULTS.md");
        Files.createDirectories(out.getParent());
        CliRun run = CliRun.of("reproduce", "--render-only", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.toString());
        String md = Files.readString(out);
        assertTrue(md.startsWith("# Reproducing ODF2NNA's experiments"), md);
        assertTrue(md.contains("not run yet"), md);
        assertTrue(run.out().contains("from 0 stored tables"), run.out());
    }
}
