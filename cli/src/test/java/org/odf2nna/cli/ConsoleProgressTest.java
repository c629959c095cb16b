package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

    @Test
    void aPhaseThatReportsOnlyItsStartIsStillShownWhileItRuns() throws InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress progress = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        progress.update("round 1: least squares", 0, -1, null);
        Thread.sleep(2_600);
        String shown;
        synchronized (progress) {
            shown = bytes.toString(StandardCharsets.UTF_8);
        }
        assertTrue(shown.startsWith("round 1: least squares:"), "the phase is shown with no further update: " + shown);
        progress.done("round 1: least squares");
        Thread.sleep(1_200);
        synchronized (progress) {
            assertEquals(shown, bytes.toString(StandardCharsets.UTF_8), "nothing is drawn once the phase is done");
        }
    }
}
