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
        ScaleBench.Sizes cross = new ScaleBench.Sizes(rows, List.of(256, 1024, 4096), true);
        assertEquals(rows, cross.rowsAt(0));
        assertEquals(List.of(10_000), cross.rowsAt(1));
        assertEquals(List.of(10_000), cross.rowsAt(2));
        ScaleBench.Sizes grid = new ScaleBench.Sizes(rows, List.of(256, 1024), false);
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

    @Test
    void aStoppedSweepKeepsWhatGnuTimeMeasuredAndTheRoundsItFinished() {
        List<String> log = List.of("odf2nna-onnx: note: each round retrains up to 1 epochs (--retrain-epochs 1)",
                "round 1 of about 40: unit costs: (1.6 s)",
                "retraining round 1 of about 40 (28-940-961-802-2): 100% epoch 1/1, loss 2.554 (4.1 s)",
                "round 12 of about 40: unit costs: at least 46 min left (the rounds alone, at their pace so far) (1.9 s)",
                "retraining round 12 of about 40 (28-500-480-400-2):   0% epoch 0/1 (1.7 s)",
                "odf2nna-onnx: stopped by SIGTERM; no unfinished output was left",
                "Command exited with non-zero status 143", "ODF2NNA_TIME 1800.5 1500.25 20.75 1048576");
        ScaleBench.Measured m = ScaleBench.stopped(log, "sweep", 1800);
        assertEquals(1521.0, m.cpu(), 1e-9);
        assertEquals(1800.5, m.wall(), 1e-9);
        assertEquals("stopped at 1800 s in round 12, 11 rounds done", m.failure());
        String[] row = m.cells("10000", "28-1024-1024-1024-2", "sweep", 1800, new double[] {0.4, 1.3});
        assertEquals(List.of("sweep (stopped at 1800 s in round 12, 11 rounds done)", "1521.0", "1800.5", "1024", "",
                ""), List.of(row).subList(2, 8), "the figures up to the stop, no ratios");

        List<String> judging = List.of("round 3 of about 40: unit costs: (1.0 s)", "judging rounds (30.0 s)",
                "ODF2NNA_TIME 10 8 1 2048");
        assertEquals("stopped at 60 s, judging its 3 rounds", ScaleBench.stopped(judging, "sweep", 60).failure());
        assertEquals("stopped at 60 s", ScaleBench.stopped(judging, "shrink-train", 60).failure(), "rounds: sweep's");
        ScaleBench.Measured none = ScaleBench.stopped(List.of("round 2 of about 5: unit costs: (1.0 s)"), "sweep", 60);
        assertTrue(Double.isNaN(none.cpu()), "no time line: no figures");
        assertEquals(List.of("sweep (stopped at 60 s in round 2, 1 round done)", "stopped", ">60"),
                List.of(none.cells("10", "n", "sweep", 60, new double[] {1, 1})).subList(2, 5));
        assertEquals("stopped at 22 s, no round finished", ScaleBench.stopped(List.of("odf2nna-onnx: note: each round "
                + "retrains up to 1 epochs", "ODF2NNA_TIME 22.71 5.98 1.17 524356"), "sweep", 22).failure());
        ScaleBench.Measured tiny = ScaleBench.measured(List.of("ODF2NNA_TIME 1 1 0 1024"), "eval", 0,
                java.nio.file.Path.of("eval.log"));
        assertEquals(List.of("", ""), List.of(tiny.cells("10", "n", "eval", 9, new double[] {0, 0})).subList(6, 8),
                "no ratio to a plain pass of 0.00 s");
    }
}
