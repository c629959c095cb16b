package org.odf2nna.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.testing.Skips;

class OutputPathsTest {

    @TempDir
    Path dir;

    private Path model;
    private Path data;

    @BeforeEach
    void inputs() throws IOException {
        Files.createDirectories(dir.resolve("in"));
        model = Files.writeString(dir.resolve("in").resolve("model.onnx"), "model");
        data = Files.writeString(dir.resolve("in").resolve("data.csv"), "a,y\n1,0\n");
    }

    private static InputException refused(Path output, Path... inputs) {
        return assertThrows(InputException.class, () -> OutputPaths.checkWritable(output, inputs));
    }

    @Test
    void aFreshOutputNextToTheInputsIsFine() throws IOException {
        assertDoesNotThrow(() -> OutputPaths.checkWritable(dir.resolve("in").resolve("small.onnx"), model, data));
        Path existing = Files.writeString(dir.resolve("old.onnx"), "old");
        assertDoesNotThrow(() -> OutputPaths.checkWritable(existing, model, data), "an old output may be replaced");
        assertDoesNotThrow(() -> OutputPaths.checkWritable(dir.resolve("x.onnx"), model, null));
        assertDoesNotThrow(() -> OutputPaths.checkWritable(dir.resolve("x.onnx")));
    }

    @Test
    void outputEqualToAnInputIsRefused() {
        InputException e = refused(model, model, data);
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertEquals(model, e.file());
        assertEquals(InputException.Kind.USAGE, refused(data, model, data).kind());
    }

    @Test
    void theSameFileThroughAnotherPathIsRefused() throws IOException {
        Path dotted = dir.resolve("in").resolve("..").resolve("in").resolve(".").resolve("model.onnx");
        assertEquals(InputException.Kind.USAGE, refused(dotted, model).kind());
        Path relative = Path.of("").toAbsolutePath().relativize(model);
        assertTrue(!relative.isAbsolute());
        assertEquals(InputException.Kind.USAGE, refused(relative, model).kind());
        assertEquals(InputException.Kind.USAGE, refused(model, relative).kind());
    }

    @Test
    void theSameFileThroughASymlinkOrHardLinkIsRefused() throws IOException {
        Path link;
        try {
            link = Files.createSymbolicLink(dir.resolve("link.onnx"), model);
        } catch (UnsupportedOperationException | IOException e) {
            Skips.requireTool(false, "symbolic links (" + e + ")", "run the tests on a file system that has them");
            return;
        }
        assertEquals(InputException.Kind.USAGE, refused(link, model).kind());
        assertEquals(InputException.Kind.USAGE, refused(model, link).kind());
        // A symlinked folder.
        Path folderLink = Files.createSymbolicLink(dir.resolve("in-link"), dir.resolve("in"));
        assertEquals(InputException.Kind.USAGE, refused(folderLink.resolve("model.onnx"), model).kind());
        // A hard link is the same file too.
        Path hard = Files.createLink(dir.resolve("hard.onnx"), model);
        assertEquals(InputException.Kind.USAGE, refused(hard, model).kind());
        // A different file of the same name elsewhere is fine.
        Files.createDirectories(dir.resolve("out"));
        assertDoesNotThrow(() -> OutputPaths.checkWritable(dir.resolve("out").resolve("model.onnx"), model));
    }

    @Test
    void missingFolderIsRefused() {
        Path output = dir.resolve("no-such-folder").resolve("small.onnx");
        InputException e = refused(output, model);
        assertEquals(output, e.file());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("no-such-folder"), e.getMessage());
    }

    @Test
    void directoryAsOutputIsRefused() {
        InputException e = refused(dir.resolve("in"), model);
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    /** The one thing these two checks need that a machine may lack: a user whom permissions bind (root is not). */
    static final String ROOTLESS = "a user whom file permissions bind (this one, root?, writes into 555 folders)";
    static final String ROOTLESS_HOW = "run the tests as an ordinary user";

    @Test
    void readOnlyFolderIsRefusedWhenPermissionsApply() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("ro"));
        try {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
        } catch (UnsupportedOperationException e) {
            Skips.requireTool(false, "a file system with POSIX permissions", "run the tests on Linux or macOS");
        }
        try {
            // root (and some CI containers) may write anywhere; then there is nothing to refuse.
            Skips.requireTool(!Files.isWritable(folder), ROOTLESS, ROOTLESS_HOW);
            InputException e = refused(folder.resolve("small.onnx"), model);
            assertTrue(e.getMessage().contains("not writable"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void readOnlyExistingOutputIsRefusedWhenPermissionsApply() throws IOException {
        Path file = Files.writeString(dir.resolve("ro.onnx"), "x");
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        } catch (UnsupportedOperationException e) {
            Skips.requireTool(false, "a file system with POSIX permissions", "run the tests on Linux or macOS");
        }
        Skips.requireTool(!Files.isWritable(file), ROOTLESS, ROOTLESS_HOW);
        InputException e = refused(file, model);
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
    }
}
