package org.odf2nna.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
