package org.odf2nna.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.odf2nna.InputException;

/**
 * Writes files so that a reader only ever sees the old file or the complete, verified new one.
 *
 * <p>The content goes to a hidden temporary file in the target's folder, is flushed to disk, checked
 * by the caller (an ONNX file is loaded back into ONNX Runtime), and only then renamed over the target
 * in one atomic step. A failure, or a stop ({@link #abandonPending}: the JVM's shutdown hook, or the command line on
 * SIGINT and SIGTERM), deletes the temporary file. A {@code kill -9} in the middle can leave the hidden temporary file
 * {@code .NAME.PID.RANDOM.tmp}, never a broken target; the next write to the same target deletes such
 * files of processes that no longer run. A process that watches this one from outside (the launcher's standard-error
 * filter) can delete them at once: {@link #journalTo} lists every temporary path before it is used.
 */
public final class AtomicFiles {

    /** Writes the content to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Checks a complete temporary file before it replaces the target; throws to refuse it. */
    @FunctionalInterface
    public interface Check {
        void verify(Path written) throws IOException;
    }

    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();
    /** Temporary folders (a SavedModel being written, a sweep's work folder): deleted with all they hold. */
    private static final Set<Path> PENDING_TREES = ConcurrentHashMap.newKeySet();
    /** Held while a temporary path is created and registered, and while the pending ones are abandoned. */
    private static final Object LOCK = new Object();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The targets moved into place by this run, in order: what a stop keeps, and names ({@link #finished}). */
    private static final Set<Path> FINISHED = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());
    /** Set when the program stops: no temporary file is created or moved into place after that. */
    private static volatile boolean closing;
    /** Where temporary paths are listed for a watcher outside the JVM ({@link #journalTo}), or null. */
    private static volatile Path journal;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::abandonPending, "odf2nna-temp-cleanup"));
    }

    /**
     * Stops every write: deletes the temporary files and folders of writes in progress, and refuses to start or finish
     * one after that. The JVM's shutdown hook calls it, and so does a front end that stops the program itself (the
     * command line on SIGINT or SIGTERM, which halts without running shutdown hooks: ONNX Runtime's own hook closes
     * its environment under a session that may still be running, a crash in native code).
     */
    public static void abandonPending() {
        synchronized (LOCK) {
            closing = true;
            for (Path p : PENDING) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // The program is going down; a leftover hidden temp file is all that can remain.
                }
            }
            for (Path p : PENDING_TREES) {
                deleteTree(p);
            }
        }
    }

    /**
     * From now on, lists every temporary file and folder in {@code file} before it is used (appended, one record each:
     * {@code f} or {@code d}, a tab, the absolute path, a NUL byte), so that a process outside the JVM can delete what
     * a {@code kill -9} left once this process is gone. The records stay when a write completes: whoever reads them
     * deletes only the paths that still exist, and a completed write's temporary path no longer does. Null stops the
     * listing.
     */
    public static void journalTo(Path file) {
        journal = file == null ? null : file.toAbsolutePath();
    }

    /** Appends one record to the journal, if there is one; a journal that cannot be written is given up. */
    private static void journal(char kind, Path path) {
        Path to = journal;
        if (to == null) {
            return;
        }
        byte[] record = (kind + "\t" + path.toAbsolutePath() + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            channel.write(java.nio.ByteBuffer.wrap(record));
        } catch (IOException e) {
            // Without the journal a kill -9 may leave a hidden temporary file, as without a watcher.
            journal = null;
        }
    }

    /**
     * Registers a temporary folder that {@link #abandonPending} deletes with all it holds, until {@link #release}: made
     * by {@code create} while no stop can come between its creation and its registration.
     *
     * @param target what the folder is for, named when the program is already stopping
     */
    public static Path temporaryFolder(Path target, java.util.concurrent.Callable<Path> create) throws IOException {
        synchronized (LOCK) {
            checkNotClosing(target);
            try {
                Path folder = create.call();
                journal('d', folder);
                PENDING_TREES.add(folder);
                return folder;
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
    }

    /** Deletes a folder of {@link #temporaryFolder} with all it holds, and forgets it. */
    public static void release(Path folder) {
        deleteTree(folder);
        PENDING_TREES.remove(folder);
    }

    private AtomicFiles() {
    }

    /**
     * Moves a finished {@code temp} file or folder over {@code target} in one step where the file system can, else
     * replacing it.
     */
    public static void move(Path temp, Path target) throws IOException {
        // Under the lock that a stop takes: a stop either comes first and the move is refused, or comes after and
        // finds the target among the finished ones.
        synchronized (LOCK) {
            checkNotClosing(target);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            FINISHED.add(target);
        }
    }

    /**
     * The outputs this run moved into place that are still there, in the order they were finished, named as the
     * caller named them: what a stop keeps. A file moved into a temporary folder (a sweep's work folder, deleted with
     * it) is gone by then and not named.
     */
    public static java.util.List<Path> finished() {
        synchronized (FINISHED) {
            return FINISHED.stream().filter(p -> Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && PENDING_TREES.stream().noneMatch(tree -> p.toAbsolutePath().startsWith(tree))).toList();
        }
    }

    public static void write(Path target, Content content, Check check) {
        Path folder = target.toAbsolutePath().getParent();
        Path temp = null;
        try {
            removeStaleTemps(folder, target.getFileName().toString());
            synchronized (LOCK) {
                checkNotClosing(target);
                temp = createHiddenTemp(folder, target.getFileName().toString());
                PENDING.add(temp);
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = Channels.newOutputStream(channel);
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            if (check != null) {
                check.verify(temp);
            }
            move(temp, target);
        } catch (AccessDeniedException e) {
            throw new InputException(target, null, "cannot write: permission denied in " + folder, e);
        } catch (IOException e) {
            throw new InputException(target, null, "cannot write: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // Best effort: the temp file is hidden and named after the target.
                }
                PENDING.remove(temp);
            }
        }
    }

    private static void checkNotClosing(Path target) {
        if (closing) {
            throw new InputException(target, null, "not written: the program was interrupted");
        }
    }

    /**
     * Deletes hidden temporary files of {@code name} left by processes that were killed (kill -9) while
     * writing it: their names carry the writer's process id.
     */
    static void removeStaleTemps(Path folder, String name) {
        String prefix = "." + name + ".";
        try (java.util.stream.Stream<Path> entries = Files.list(folder)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String file = p.getFileName().toString();
                if (!file.startsWith(prefix) || !file.endsWith(".tmp")) {
                    continue;
                }
                String[] parts = file.substring(prefix.length(), file.length() - 4).split("\\.");
                if (parts.length != 2) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(parts[0]);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).isEmpty()) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Cleaning up after an earlier crash is a courtesy; the write itself does not depend on it.
        }
    }

    /**
     * A new empty hidden file in {@code folder}. Unlike {@link Files#createTempFile}, which makes the file
     * private (0600), this gets the ordinary permissions of a new file (0666 less the umask), which the
     * target then keeps after the rename.
     */
    private static Path createHiddenTemp(Path folder, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path candidate = folder.resolve("." + name + "." + ProcessHandle.current().pid() + "."
                    + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
            // Listed before it exists, so that no moment of a kill -9 leaves it unlisted.
            journal('f', candidate);
            try {
                return Files.createFile(candidate);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    public static void writeBytes(Path target, byte[] bytes, Check check) {
        write(target, out -> out.write(bytes), check);
    }

    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
    }

    /**
     * Deletes {@code root} and everything below it, as far as it can: what cannot be deleted stays, and the caller
     * reports the failure it cares about (a hidden temporary folder beside an output is all that can remain).
     */
    public static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort, as said above
                }
            });
        } catch (IOException ignored) {
            // best effort, as said above
        }
    }
}
