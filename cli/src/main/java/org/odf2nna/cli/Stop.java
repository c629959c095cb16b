package org.odf2nna.cli;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;
import org.odf2nna.api.Halting;
import org.odf2nna.api.Writes;

/**
 * What SIGINT (Ctrl-C), SIGTERM and SIGHUP do to a run of the command line: one line on standard error, the temporary
 * files and folders of writes in progress deleted ({@link Writes#abandon}), and the JVM halted with 128 plus
 * the signal's number, as shells expect: 130, 143, 129.
 *
 * <p>Why halt instead of exit: ONNX Runtime's Java binding closes its environment in a shutdown hook of its own, and a
 * session still running on the worker thread then crashes in native code (SIGSEGV in {@code libonnxruntime.so} inside
 * {@code OrtSession.run}, an {@code hs_err_pid*.log} file, exit 134). Halting runs no shutdown hook and leaves the
 * native sessions alone; the run has nothing to save, since every output is renamed into place only when complete.
 * Outputs already renamed into place stay, and the line names them. Halting still runs the C library's exit handlers,
 * which tear down TensorFlow's native state: a retraining step under way on the work thread then crashed in
 * TensorFlow's kernels (SIGILL, a fatal-error report), so the stop first lets that step end ({@link Halting}).
 */
final class Stop {

    /**
     * The file the launcher names for the list of temporary paths ({@link Writes#journalTo}): its standard-error
     * filter outlives a JVM killed with SIGKILL, which cannot clean up, and deletes what the list names.
     */
    static final String JOURNAL_PROPERTY = "odf2nna.pending.journal";

    /** How long the cleanup may take before the JVM halts anyway (a stuck file system, a blocked stream). */
    static final long CLEANUP_LIMIT_MILLIS = 5_000;

    /** How long a TensorFlow step under way may take to end before the JVM halts anyway (a step is seconds). */
    static final long NATIVE_RUN_LIMIT_MILLIS = 30_000;

    private static final AtomicBoolean STOPPING = new AtomicBoolean();

    private Stop() {
    }

    /**
     * Handles SIGINT, SIGTERM and SIGHUP from now on. A signal the process was started with ignored (SIGINT in a
     * background job of a shell without job control) stays ignored.
     *
     * @param err     where the line goes
     * @param endLine ends a progress bar drawn in place, so that the line starts on a line of its own
     */
    static void install(PrintStream err, Runnable endLine) {
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> stop(s.getName(), s.getNumber(), err, endLine));
            } catch (IllegalArgumentException ignoredOrUnknown) {
                // Ignored at start (the JVM keeps it so) or not on this platform: nothing to handle.
            }
        }
    }

    /** Lists every write's temporary path in the launcher's journal, when the launcher names one. */
    static void journalWrites() {
        String journal = System.getProperty(JOURNAL_PROPERTY);
        if (journal != null && !journal.isEmpty()) {
            Writes.journalTo(java.nio.file.Path.of(journal));
        }
    }

    /** The exit code of a run stopped by signal {@code number}: 128 + number. */
    static int exitCode(int number) {
        return 128 + number;
    }

    /** How many finished outputs the line names; more are counted. */
    static final int NAMED_OUTPUTS = 3;

    /**
     * The one line a stopped run prints: the signal, the finished outputs the stop kept (a stop just after the model
     * was moved into place keeps it whole, and says so), and that nothing unfinished was left.
     */
    static String line(String signal, java.util.List<java.nio.file.Path> kept) {
        String stopped = "odf2nna-onnx: stopped by SIG" + signal + "; ";
        if (kept.isEmpty()) {
            return stopped + "no unfinished output was left";
        }
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < Math.min(kept.size(), NAMED_OUTPUTS); i++) {
            names.append(i == 0 ? "" : ", ").append(kept.get(i));
        }
        if (kept.size() > NAMED_OUTPUTS) {
            names.append(" and ").append(kept.size() - NAMED_OUTPUTS).append(" more");
        }
        return stopped + (kept.size() == 1 ? "the finished output " + names + " was kept"
                : "the finished outputs " + names + " were kept") + "; no unfinished output was left";
    }

    private static void stop(String signal, int number, PrintStream err, Runnable endLine) {
        if (!STOPPING.compareAndSet(false, true)) {
            // Ctrl-C reaches the JVM both from the terminal and through the launcher: one stop is enough.
            return;
        }
        int code = exitCode(number);
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(CLEANUP_LIMIT_MILLIS + NATIVE_RUN_LIMIT_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(code);
        }, "odf2nna-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        endLine.run();
        // Both streams held until the JVM halts: the work, whose write fails once its temporary file is gone, prints
        // nothing after the one line (its error would block here). The progress display draws no more (endLine).
        synchronized (System.out) {
            synchronized (System.err) {
                Writes.abandon();
                Main.removeRuntimeLog();
                err.println(line(signal, Writes.finished()));
                err.flush();
                Halting.settleNativeRuns(NATIVE_RUN_LIMIT_MILLIS);
                Runtime.getRuntime().halt(code);
            }
        }
    }
}
