package org.odf2nna.harness.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.api.Rows;
import org.odf2nna.api.Training;
import org.odf2nna.settings.Task;

class BenchTest {

    @TempDir
    Path dir;

    @Test
    void allExpandsToEveryBenchmarkOnce() {
        assertEquals(Bench.NAMES, Bench.expand(List.of("all")));
        assertEquals(List.of("csv", "scoring"), Bench.expand(List.of("csv,scoring", "csv")));
        assertEquals(List.of("memory", "scoring", "retrain", "inference", "csv"),
                Bench.expand(List.of("memory", "all")));
        assertThrows(IllegalArgumentException.class, () -> Bench.expand(List.of("scoring,latency")));
        assertThrows(IllegalArgumentException.class, () -> Bench.expand(List.of(",")));
    }

    @Test
    void unitsToTimeAreSpreadEvenly() {
        assertArrayEquals(new int[] {0, 33, 66, 99}, ScoringBench.spread(100, 4));
        assertArrayEquals(new int[] {0, 1, 2}, ScoringBench.spread(3, 8), "all of them when k ≥ units");
        assertArrayEquals(new int[] {0, 1, 2}, ScoringBench.spread(3, -1));
        assertArrayEquals(new int[] {5}, ScoringBench.spread(10, 1));
    }

    @Test
    void defaultsFallBackToTheRepositoryExamples() {
        BenchInputs inputs = BenchInputs.defaults(dir.resolve("no-shared"), Path.of(""));
        assertTrue(inputs.model().toString().endsWith("digits_8x8-128-64-10_relu.onnx"), inputs.toString());
        assertTrue(Files.isRegularFile(inputs.model()));
        assertTrue(Files.isRegularFile(inputs.data()));
        assertEquals(2, inputs.retrain().size());
        for (RetrainBench.Case c : inputs.retrain()) {
            assertTrue(Files.isRegularFile(c.model()) && Files.isRegularFile(c.train()), c.toString());
        }
        assertTrue(inputs.origin().contains("examples"));
    }

    @Test
    void retrainProblemsRoundTrip() {
        java.util.Random random = new java.util.Random(3);
        var net = org.odf2nna.network.TestNetworks.random(random, new int[] {3, 4, 2},
                org.odf2nna.network.Activation.TANH, org.odf2nna.network.OutputHead.NONE);
        var train = new Rows(new float[] {1, 2, 3, 4, 5, 6}, 3, new float[] {0, 1});
        var validation = new Rows(new float[] {7, 8, 9}, 3, new float[] {1});
        RetrainFiles.write(dir, new Training.Problem(net, train, validation, Task.CLASSIFICATION),
                new org.odf2nna.settings.TrainingOptions(4, 16, 0.01f, 9, 0));
        RetrainFiles.Problem p = RetrainFiles.read(dir);
        assertEquals(RetrainFiles.hash(net), RetrainFiles.hash(p.problem().network()));
        assertEquals(net.layer(0).activation(), p.problem().network().layer(0).activation());
        assertEquals(train, p.problem().training());
        assertEquals(validation, p.problem().validation());
        assertEquals(4, p.options().epochs());
        assertEquals(16, p.options().batchSize());
        assertEquals("SOFTMAX_CROSS_ENTROPY", p.problem().loss(), "the loss the PyTorch side reads");
        assertEquals(Task.CLASSIFICATION, p.problem().task());
        var changed = net.withLayers(List.of(net.layer(0), net.layer(1).withWeights(new float[8], new float[2])));
        assertTrue(!RetrainFiles.hash(changed).equals(RetrainFiles.hash(net)), "the hash sees the weights");
    }
}
