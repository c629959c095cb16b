package org.odf2nna.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;

class ScaleBenchTest {

    @Test
    void generatesThe28WWW2ReluNetworkTheSameEachTime() {
        DenseNetwork network = ScaleBench.network(16);
        assertEquals(28, network.inputs());
        assertEquals(2, network.outputs());
        assertEquals(List.of(16, 16, 16), java.util.Arrays.stream(network.hiddenUnits()).boxed().toList());
        assertEquals(Activation.RELU, network.layer(0).activation());
        assertEquals(network, ScaleBench.network(16), "seeded: the same network every run");
    }

    @Test
    void theCrossRunsEveryRowCountAtTheFirstWidthAndTheOtherWidthsAtTheFewestRows() {
        List<Integer> rows = List.of(100_000, 10_000, 1_000_000);
        ScaleBench.Settings cross = new ScaleBench.Settings(rows, List.of(256, 1024, 4096), List.of("eval"), 0.3, 1,
                java.nio.file.Path.of("bin"), java.nio.file.Path.of("time"), 1, java.nio.file.Path.of("w"), true);
        assertEquals(rows, cross.rowsAt(0));
        assertEquals(List.of(10_000), cross.rowsAt(1));
        assertEquals(List.of(10_000), cross.rowsAt(2));
        ScaleBench.Settings grid = new ScaleBench.Settings(rows, List.of(256, 1024), List.of("eval"), 0.3, 1,
                java.nio.file.Path.of("bin"), java.nio.file.Path.of("time"), 1, java.nio.file.Path.of("w"), false);
        assertEquals(rows, grid.rowsAt(1), "every pair");
    }

    @Test
    void scaleRunsOnlyWhenNamed() {
        assertTrue(!Bench.expand(List.of("all")).contains("scale"));
        assertEquals(List.of("scale"), Bench.expand(List.of("scale")));
        assertThrows(IllegalArgumentException.class, () -> Bench.expand(List.of("scales")));
    }

    @Test
    void scaleAloneNeedsNoDefaultModelOrRows() {
        assertFalse(Bench.readsInputs(List.of("scale")), "it generates its networks and rows");
        assertTrue(Bench.readsInputs(List.of("scale", "csv")));
        assertTrue(Bench.readsInputs(Bench.expand(List.of("all"))));
    }

    @Test
    void aCommandThatFailsIsMeasuredAndNamedWithoutRatios() {
        java.nio.file.Path log = java.nio.file.Path.of("scale.log");
        List<String> oom = List.of("scoring: 100% 10000 rows (16.4 s)",
                "odf2nna-onnx: error: out of memory (Java heap space); give Java more with JAVA_OPTS=-Xmx8g",
                "Command exited with non-zero status 1", "ODF2NNA_TIME 170.34 32.45 12.15 2695912");
        ScaleBench.Measured failed = ScaleBench.measured(oom, "shrink-eval", 1, log);
        assertEquals(44.60, failed.cpu(), 1e-9);
        assertEquals(170.34, failed.wall(), 1e-9);
        assertTrue(failed.failure().startsWith("exit 1: error: out of memory (Java heap space)"), failed.failure());
        String[] row = failed.cells("10000", "28-4096-4096-4096-2", "shrink-eval", 900, new double[] {6.0, 26.7});
        assertTrue(row[2].startsWith("shrink-eval (exit 1: error: out of memory"), row[2]);
        assertEquals(List.of("44.6", "170.3", "2633", "", ""), List.of(row).subList(3, 8), "no ratio for a failure");

        List<String> sweep = List.of("ODF2NNA_TIME 20.0 15.0 1.0 1024");
        assertNull(ScaleBench.measured(sweep, "sweep", 3, log).failure(), "sweep's exit 3: it ran all the same");
        assertEquals("exit 3", ScaleBench.measured(sweep, "eval", 3, log).failure());
        String[] ok = ScaleBench.measured(sweep, "eval", 0, log).cells("10", "n", "eval", 900, new double[] {2, 4});
        assertEquals(List.of("eval", "16.0", "20.0", "1", "8.0", "5.0"), List.of(ok).subList(2, 8));
        assertThrows(IllegalStateException.class, () -> ScaleBench.measured(List.of("no timing"), "eval", 1, log));
        assertEquals("stopped", ScaleBench.Measured.stopped(900).cells("10", "n", "sweep", 900, new double[] {1, 1})[3]);
    }
}
