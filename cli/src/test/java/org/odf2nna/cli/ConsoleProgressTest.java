package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The display runs on a clock the test moves ({@link #advance}), so no test waits for real seconds. */
class ConsoleProgressTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    private ConsoleProgress display(ByteArrayOutputStream bytes, boolean terminal) {
        return new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal, nanos::get);
    }

    /** Moves the clock by the milliseconds given, the ticker's once-a-second redraw included. */
    private void advance(ConsoleProgress progress, long millis) {
        for (long left = millis; left > 0; left -= 1000) {
            nanos.addAndGet(Math.min(left, 1000) * 1_000_000L);
            if (left >= 1000) {
                progress.tick();
            }
        }
    }

    @Test
    void aPhaseThatReportsOnlyItsStartIsStillShownWhileItRuns() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress progress = display(bytes, false);
        progress.update("round 1: least squares", 0, -1, null);
        advance(progress, 2_600);
        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(shown.startsWith("round 1: least squares:"), "the phase is shown with no further update: " + shown);
        progress.done("round 1: least squares");
        advance(progress, 1_200);
        assertEquals(shown, bytes.toString(StandardCharsets.UTF_8), "nothing is drawn once the phase is done");
    }

    @Test
    void theLaunchersWordDecidesWhetherToRedrawElseTheConsole() {
        assertTrue(ConsoleProgress.terminal("1", false), "the launcher saw a terminal on standard error");
        assertTrue(ConsoleProgress.terminal("true", false));
        assertFalse(ConsoleProgress.terminal("0", true), "the launcher saw a pipe");
        assertFalse(ConsoleProgress.terminal("false", true));
        assertTrue(ConsoleProgress.terminal(null, true), "java started directly on a console");
        assertFalse(ConsoleProgress.terminal(null, false));
        assertFalse(ConsoleProgress.terminal("maybe", false), "anything else: the console decides");
    }

    @Test
    void aTerminalRedrawsInPlaceAndAPipeGetsAFewPlainLines() {
        for (boolean terminal : new boolean[] {true, false}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ConsoleProgress progress = display(bytes, terminal);
            progress.update("retraining", 0, 100, null);
            advance(progress, 1_100);
            for (int epoch = 1; epoch <= 100; epoch++) {
                progress.update("retraining", epoch, 100, "epoch " + epoch);
                advance(progress, 3);
            }
            progress.done("retraining");
            String shown = bytes.toString(StandardCharsets.UTF_8);
            long lines = shown.chars().filter(c -> c == '\n').count();
            if (terminal) {
                assertTrue(shown.startsWith("\r") && shown.indexOf('\r', 1) > 0, "redrawn: " + shown);
                assertEquals(1, lines, "one line, ended when the phase is done: " + shown);
                assertTrue(shown.contains("100%"), shown);
            } else {
                assertFalse(shown.contains("\r"), shown);
                assertTrue(lines >= 2 && lines <= 5, "a few plain lines: " + shown);
                assertTrue(shown.lines().allMatch(l -> l.startsWith("retraining:")), shown);
            }
        }
    }
}
