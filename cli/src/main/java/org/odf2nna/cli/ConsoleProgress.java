package org.odf2nna.cli;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.LongSupplier;
import org.odf2nna.Progress;

/**
 * A progress bar on standard error for work that lasts more than a second: redrawn in place on a
 * terminal, a few plain lines otherwise (logs, pipes, CI: one per quarter of a phase, or every 30 s while its
 * length is unknown); notes on a line of their own, each once.
 */
final class ConsoleProgress implements Progress {

    /**
     * The system property the launcher sets to say whether standard error is a terminal ({@code [ -t 2 ]}): Java
     * runs there as a background child whose standard input is not the terminal, so {@link System#console()} is null
     * even on one.
     */
    static final String TERMINAL_PROPERTY = "odf2nna.terminal";

    /**
     * Whether to redraw in place: as the launcher says ({@value #TERMINAL_PROPERTY} = 1 or 0, also true or false),
     * else, when Java was started some other way, whether it has a console.
     */
    static boolean terminal(String property, boolean console) {
        if (property != null) {
            String p = property.strip().toLowerCase(Locale.ROOT);
            if (p.equals("1") || p.equals("true")) {
                return true;
            }
            if (p.equals("0") || p.equals("false")) {
                return false;
            }
        }
        return console;
    }

    /**
     * The system property with the seconds a phase runs before it is shown (default 1): 0 shows every phase as it
     * starts, which tests that stop a run in a given phase wait for.
     */
    static final String SHOW_AFTER_PROPERTY = "odf2nna.progress.after";

    /** The display of this run, if one was made: a stop ends its line ({@link #endLineForStop}). */
    private static volatile ConsoleProgress current;

    private final long showAfterNanos = showAfterNanos(System.getProperty(SHOW_AFTER_PROPERTY));
    private static final int BAR = 30;

    private final PrintStream err;
    private final boolean terminal;
    /** Nanoseconds, as {@link System#nanoTime()} gives them; a test passes a clock it moves itself. */
    private final LongSupplier clock;
    private String phase;
    private long started;
    private boolean shown;
    private int lastStep = -1;
    private long lastDraw;
    private final Set<String> notes = new HashSet<>();
    /** Set by a stop: nothing more is drawn. */
    private boolean stopped;

    // The last figures given, redrawn each second: a phase that reports only its start (a least-squares refit,
    // unit costs) is still shown with its elapsed time instead of leaving the screen silent for a minute.
    private long lastDone;
    private long lastTotal = -1;
    private String lastDetail;

    ConsoleProgress(PrintStream err, boolean terminal) {
        this(err, terminal, System::nanoTime);
        Thread ticker = new Thread(this::tickForever, "odf2nna-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    /**
     * A display on the given clock with no ticker thread of its own: whoever moves the clock calls {@link #tick()}
     * where the ticker would, once a second.
     */
    ConsoleProgress(PrintStream err, boolean terminal, LongSupplier clock) {
        this.err = err;
        this.terminal = terminal;
        this.clock = clock;
        current = this;
    }

    static long showAfterNanos(String property) {
        if (property != null) {
            try {
                double seconds = Double.parseDouble(property.strip());
                if (seconds >= 0 && seconds < 1e6) {
                    return (long) (seconds * 1e9);
                }
            } catch (NumberFormatException e) {
                // the default below
            }
        }
        return 1_000_000_000L;
    }

    /** A stop (SIGINT, SIGTERM): a bar drawn in place gets its line ended, and nothing is drawn after. */
    static void endLineForStop() {
        ConsoleProgress display = current;
        if (display != null) {
            synchronized (display) {
                if (display.shown && display.terminal) {
                    display.err.println();
                }
                display.err.flush();
                display.stopped = true;
            }
        }
    }

    private void tickForever() {
        try {
            while (true) {
                Thread.sleep(1000);
                tick();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the ticker does each second: the phase running is redrawn with the last figures given. */
    synchronized void tick() {
        if (phase != null) {
            update(phase, lastDone, lastTotal, lastDetail);
        }
    }

    @Override
    public synchronized void update(String newPhase, long done, long total, String detail) {
        if (stopped) {
            return;
        }
        lastDone = done;
        lastTotal = total;
        lastDetail = detail;
        long now = clock.getAsLong();
        if (!newPhase.equals(phase)) {
            phase = newPhase;
            started = now;
            shown = false;
            lastStep = -1;
        }
        if (now - started < showAfterNanos) {
            return;
        }
        double fraction = total > 0 ? Math.min(1.0, (double) done / total) : -1;
        double seconds = (now - started) / 1e9;
        String eta = "";
        if (fraction > 0.01 && fraction < 1) {
            eta = String.format(Locale.ROOT, ", ~%.0f s left", seconds / fraction - seconds);
        }
        String note = detail == null ? "" : " " + detail;
        if (terminal) {
            if (now - lastDraw < 100_000_000L && fraction < 1) {
                return;
            }
            lastDraw = now;
            String bar = fraction < 0 ? "" : "[" + "#".repeat((int) (fraction * BAR))
                    + " ".repeat(BAR - (int) (fraction * BAR)) + "] "
                    + String.format(Locale.ROOT, "%3.0f%%", 100 * fraction);
            err.print(String.format(Locale.ROOT, "\r%-10s %s%s (%.1f s%s)   ", phase, bar, note, seconds, eta));
            err.flush();
            shown = true;
        } else {
            int step = fraction < 0 ? (int) seconds / 30 : (int) (fraction * 4);
            if (step != lastStep) {
                lastStep = step;
                String pct = fraction < 0 ? "" : String.format(Locale.ROOT, " %3.0f%%", 100 * fraction);
                err.println(String.format(Locale.ROOT, "%s:%s%s (%.1f s%s)", phase, pct, note, seconds, eta));
                shown = true;
            }
        }
    }

    @Override
    public synchronized void note(String text) {
        if (stopped || !notes.add(text)) {
            return;
        }
        if (shown && terminal) {
            err.println();
            shown = false;
        }
        err.println("odf2nna-onnx: note: " + text);
    }

    @Override
    public synchronized void done(String donePhase) {
        if (shown && terminal && donePhase.equals(phase)) {
            err.println();
        }
        phase = null;
        shown = false;
    }
}
