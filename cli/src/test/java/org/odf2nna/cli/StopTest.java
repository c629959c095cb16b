package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
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
        assertEquals("odf2nna-onnx: stopped by SIGINT; no unfinished output was left", Stop.line("INT", List.of()));
    }

    /** A stop just after the model was moved into place keeps it whole: the line says so, not that nothing was left. */
    @Test
    void theLineNamesTheFinishedOutputsTheStopKept() {
        assertEquals("odf2nna-onnx: stopped by SIGTERM; the finished output out/digits.small.onnx was kept; no "
                + "unfinished output was left", Stop.line("TERM", List.of(Path.of("out/digits.small.onnx"))));
        assertEquals("odf2nna-onnx: stopped by SIGTERM; the finished outputs a.onnx, a.json were kept; no unfinished "
                + "output was left", Stop.line("TERM", List.of(Path.of("a.onnx"), Path.of("a.json"))));
        assertEquals("odf2nna-onnx: stopped by SIGHUP; the finished outputs 1.onnx, 2.onnx, 3.onnx and 2 more were "
                + "kept; no unfinished output was left", Stop.line("HUP", List.of(Path.of("1.onnx"),
                Path.of("2.onnx"), Path.of("3.onnx"), Path.of("4.onnx"), Path.of("5.onnx"))));
    }
}
