package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The exit codes and the line of a stopped run; StopInEveryPhaseIT stops real runs in every phase. */
class StopTest {

    @Test
    void aStopExitsWith128PlusTheSignalAsShellsExpect() {
        assertEquals(130, Stop.exitCode(2), "SIGINT, Ctrl-C");
        assertEquals(143, Stop.exitCode(15), "SIGTERM");
        assertEquals(129, Stop.exitCode(1), "SIGHUP");
    }

    @Test
    void theLineNamesTheSignal() {
        assertEquals("odf2nna-onnx: stopped by SIGINT; no unfinished output was left", Stop.line("INT"));
    }
}
