package org.odf2nna.harness.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void scaleRunsOnlyWhenNamed() {
        assertTrue(!Bench.expand(List.of("all")).contains("scale"));
        assertEquals(List.of("scale"), Bench.expand(List.of("scale")));
        assertThrows(IllegalArgumentException.class, () -> Bench.expand(List.of("scales")));
    }
}
