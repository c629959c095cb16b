package org.odf2nna;

/** Receives progress of long work; the command line draws it, tests ignore it. */
public interface Progress {

    Progress NONE = (phase, done, total, detail) -> { };

    /**
     * @param phase  what is running ("scoring", "evaluating")
     * @param done   work done so far, in the unit of {@code total}
     * @param total  total work, or -1 when unknown
     * @param detail a short note to show beside the bar (rows so far), or null
     */
    void update(String phase, long done, long total, String detail);

    /** The phase has ended; a bar on screen can be finished. */
    default void done(String phase) {
    }

    /**
     * A one-line note for the user (e.g. columns a file has that the model does not read); the same note is
     * shown once, however often it is passed.
     */
    default void note(String text) {
    }
}
