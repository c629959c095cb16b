package org.odf2nna.api;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.io.AtomicFiles;

/**
 * The write ledger of this process: every file the library writes goes to a hidden temporary file (or folder) that is
 * moved into place only once complete and checked. A program that stops itself on a signal abandons the writes in
 * progress and says which outputs it finished; a watcher outside reads the journal of temporary paths to delete what a
 * {@code kill -9} left. Process-wide, as the files are.
 */
public final class Writes {

    private Writes() {
    }

    /**
     * Stops every write of this process for good: the hidden temporary files and folders of the writes in progress
     * are deleted, and no write starts or completes after that (each then fails with "not written: the program was
     * interrupted"). For a program that stops itself on a signal; the JVM's shutdown hook does the same.
     */
    public static void abandon() {
        AtomicFiles.abandonPending();
    }

    /**
     * The outputs this process finished (moved into place, complete and checked) that are still there, named as they
     * were given: what a stop keeps, for the line that says so.
     */
    public static List<Path> finished() {
        return AtomicFiles.finished();
    }

    /**
     * From now on, lists the temporary file or folder of every write in {@code journal} before it is used (records
     * {@code f} or {@code d}, a tab, the absolute path, a NUL byte), for a process that watches this one from outside
     * and deletes, once this process is gone, what a {@code kill -9} left: the paths listed that still exist.
     */
    public static void journalTo(Path journal) {
        AtomicFiles.journalTo(journal);
    }

    /**
     * Writes {@code text} (UTF-8) to {@code target} as the library writes its own outputs: into a hidden temporary file
     * beside it, moved into place once complete, so that a reader never sees half a file and a stop leaves the old one;
     * the write is in this ledger ({@link #finished()}, {@link #abandon()}). For a program that writes its own reports
     * beside the library's outputs (the research harness writes its JSON figures and tables so).
     *
     * @throws org.odf2nna.InputException when the file cannot be written (its folder missing or not writable), or
     *                                     after {@link #abandon()}
     */
    public static void writeString(Path target, String text) {
        AtomicFiles.writeString(target, text);
    }
}
