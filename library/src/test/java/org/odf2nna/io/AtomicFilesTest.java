package org.odf2nna.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.testing.Skips;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void writesTheContentAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("model.onnx");
        byte[] bytes = randomBytes(300_000, 1);
        AtomicFiles.writeBytes(target, bytes, null);
        assertArrayEquals(bytes, Files.readAllBytes(target));
        assertEquals(List.of("model.onnx"), names());
        AtomicFiles.writeString(dir.resolve("report.json"), "{\"é\": 1}\n");
        assertEquals("{\"é\": 1}\n", Files.readString(dir.resolve("report.json"), StandardCharsets.UTF_8));
        assertEquals(List.of("model.onnx", "report.json"), names());
    }

    @Test
    void targetAppearsOnlyWhenCompleteAndChecked() throws IOException {
        Path target = dir.resolve("out.bin");
        byte[] bytes = randomBytes(100_000, 2);
        AtomicBoolean checked = new AtomicBoolean();
        AtomicFiles.write(target, out -> {
            out.write(bytes, 0, 50_000);
            assertFalse(Files.exists(target), "nothing at the target while writing");
            out.write(bytes, 50_000, 50_000);
        }, written -> {
            // The check sees the complete file, next to the target, hidden, and the target still absent.
            assertFalse(Files.exists(target));
            assertArrayEquals(bytes, Files.readAllBytes(written));
            assertEquals(target.toAbsolutePath().getParent(), written.toAbsolutePath().getParent());
            assertTrue(written.getFileName().toString().startsWith("."), written.toString());
            checked.set(true);
        });
        assertTrue(checked.get());
        assertArrayEquals(bytes, Files.readAllBytes(target));
        assertEquals(List.of("out.bin"), names());
    }

    @Test
    void replacingAnExistingFile() throws IOException {
        Path target = dir.resolve("model.onnx");
        Files.writeString(target, "old content that is longer than the new one");
        AtomicFiles.write(target, out -> out.write("new".getBytes(StandardCharsets.UTF_8)), written ->
                // The old file stays in place until the new one is verified.
                assertEquals("old content that is longer than the new one", Files.readString(target)));
        assertEquals("new", Files.readString(target));
        assertEquals(List.of("model.onnx"), names());
    }

    @Test
    void failingCheckLeavesNoTargetAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("bad.onnx");
        InputException e = assertThrows(InputException.class, () -> AtomicFiles.writeBytes(target, new byte[] {1, 2, 3},
                written -> {
                    throw new IOException("ONNX Runtime cannot load it");
                }));
        assertEquals(target, e.file());
        assertTrue(e.getMessage().contains("ONNX Runtime cannot load it"), e.getMessage());
        assertEquals(List.of(), names());

        // An unchecked exception from the check propagates as it is, and also cleans up.
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> AtomicFiles.writeBytes(target, new byte[] {1}, written -> {
                    throw boom;
                }));
        assertSame(boom, thrown);
        assertEquals(List.of(), names());
    }

    @Test
    void failureWhileWritingKeepsTheOldTargetAndCleansUp() throws IOException {
        Path target = dir.resolve("keep.onnx");
        Files.writeString(target, "previous");
        assertThrows(InputException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[1000]);
            throw new IOException("disk full");
        }, null));
        assertEquals("previous", Files.readString(target));
        assertThrows(InputException.class, () -> AtomicFiles.writeBytes(target, new byte[10], written -> {
            throw new IOException("refused");
        }));
        assertEquals("previous", Files.readString(target));
        assertEquals(List.of("keep.onnx"), names());
    }

    @Test
    void missingFolderIsAnInputError() {
        Path target = dir.resolve("no-such-folder").resolve("model.onnx");
        InputException e = assertThrows(InputException.class, () -> AtomicFiles.writeString(target, "x"));
        assertEquals(target, e.file());
    }

    @Test
    void relativeTargetIsWrittenWhereItPoints() throws IOException {
        Path target = dir.resolve("rel.txt");
        Path relative = Path.of("").toAbsolutePath().relativize(target);
        assertFalse(relative.isAbsolute());
        AtomicFiles.writeString(relative, "hello");
        assertEquals("hello", Files.readString(target));
        assertEquals(List.of("rel.txt"), names());
    }

    @Test
    void newFileGetsTheSamePermissionsAsAnOrdinaryNewFile() throws IOException {
        Skips.requireTool(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"),
                "a file system with POSIX permissions", "run the tests on Linux or macOS");
        // A file written by Files.write gets 0666 minus the umask; the atomic writer must not make its output
        // private (0600, the permissions of a Files.createTempFile) just because it went through a temp file.
        Path ordinary = dir.resolve("ordinary.txt");
        Files.writeString(ordinary, "x");
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(ordinary);
        Path target = dir.resolve("atomic.txt");
        AtomicFiles.writeString(target, "x");
        assertEquals(expected, Files.getPosixFilePermissions(target));
    }

    @Test
    void temporaryFilesLeftByDeadWritersAreDeletedByTheNextWrite() throws Exception {
        // A process that has ended: its id names a writer killed with kill -9.
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        long dead = ended.pid();
        long living = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
        Path target = dir.resolve("model.onnx");
        Files.writeString(dir.resolve(".model.onnx." + dead + ".abc.tmp"), "half");
        Files.writeString(dir.resolve(".model.onnx." + living + ".def.tmp"), "someone else's, still writing");
        Files.writeString(dir.resolve(".other.onnx." + dead + ".abc.tmp"), "another target's");
        Files.writeString(dir.resolve(".model.onnx.notapid.tmp"), "not ours");

        AtomicFiles.writeString(target, "new");
        assertEquals("new", Files.readString(target));
        assertEquals(List.of(".model.onnx." + living + ".def.tmp", ".model.onnx.notapid.tmp",
                ".other.onnx." + dead + ".abc.tmp", "model.onnx"), names());
    }

    @Test
    void theTemporaryFileNamesItsTargetAndTheWritingProcess() throws IOException {
        Path target = dir.resolve("t.onnx");
        AtomicFiles.write(target, out -> out.write(1), written -> {
            String name = written.getFileName().toString();
            assertTrue(name.matches("\\.t\\.onnx\\." + ProcessHandle.current().pid() + "\\.[0-9a-z]+\\.tmp"), name);
        });
    }

    @Test
    void deleteTreeRemovesAFolderWithWhatIsBelowItAndLeavesItsNeighbours() throws IOException {
        Path tree = dir.resolve(".work");
        Files.createDirectories(tree.resolve("a/b"));
        Files.writeString(tree.resolve("a/b/eps0.onnx"), "x");
        Files.writeString(tree.resolve("top.json"), "{}");
        Files.writeString(dir.resolve("kept.onnx"), "y");

        AtomicFiles.deleteTree(tree);

        assertFalse(Files.exists(tree));
        assertEquals(List.of("kept.onnx"), names());
        AtomicFiles.deleteTree(tree); // nothing there: no error
        AtomicFiles.deleteTree(dir.resolve("kept.onnx")); // a plain file goes too
        assertEquals(List.of(), names());
    }

    /**
     * The journal a watcher outside the JVM reads after a kill -9 (the launcher's filter): every temporary file and
     * folder is listed, by its absolute path, before it is used; a completed write's temporary path no longer exists.
     */
    @Test
    void theJournalListsEveryTemporaryPathBeforeItIsUsed() throws Exception {
        Path journal = Files.createTempFile("journal", ".bin");
        Path target = dir.resolve("out.txt");
        Path folder;
        try {
            AtomicFiles.journalTo(journal);
            AtomicFiles.writeString(target, "complete");
            folder = AtomicFiles.temporaryFolder(target, () -> Files.createTempDirectory(dir, ".work"));
            AtomicFiles.release(folder);
        } finally {
            AtomicFiles.journalTo(null);
        }
        AtomicFiles.writeString(dir.resolve("after.txt"), "not listed");
        String[] records = Files.readString(journal, StandardCharsets.UTF_8).split("\0");
        Files.delete(journal);
        assertEquals(2, records.length, String.join(" | ", records));
        assertTrue(records[0].matches("f\t" + java.util.regex.Pattern.quote(dir.toAbsolutePath() + "/.out.txt.")
                + ProcessHandle.current().pid() + "\\.[0-9a-z]+\\.tmp"), records[0]);
        assertFalse(Files.exists(Path.of(records[0].substring(2))), "renamed over the target");
        assertEquals("d\t" + folder.toAbsolutePath(), records[1]);
        assertEquals("complete", Files.readString(target));
    }

    /**
     * What a stop keeps, for its line: the outputs moved into place that are still there, named as the caller named
     * them; not a file moved into a temporary folder (deleted with it), nor one deleted since.
     */
    @Test
    void theFinishedOutputsAreTheTargetsMovedIntoPlaceThatAreStillThere() throws Exception {
        Path model = dir.resolve("kept.onnx");
        Path deleted = dir.resolve("deleted.json");
        AtomicFiles.writeString(model, "complete");
        AtomicFiles.writeString(deleted, "{}");
        Files.delete(deleted);
        Path work = AtomicFiles.temporaryFolder(model, () -> Files.createTempDirectory(dir, ".work"));
        Path inWork = work.resolve("round-1.onnx");
        try {
            AtomicFiles.writeString(inWork, "a round's model");
            List<Path> finished = AtomicFiles.finished();
            assertTrue(finished.contains(model), finished.toString());
            assertFalse(finished.contains(deleted), "deleted since: " + finished);
            assertFalse(finished.contains(inWork), "in a temporary folder: " + finished);
        } finally {
            AtomicFiles.release(work);
        }
        assertFalse(AtomicFiles.finished().contains(inWork));
    }
}
