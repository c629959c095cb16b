package org.odf2nna.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.BuildInfo;
import org.odf2nna.network.Activation;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** Written models name this tool, at the pom's version, as their producer, and keep the producer they came from. */
class ProducerTest {

    private static final String POM_VERSION = System.getProperty("odf2nna.version", "(run through Maven)");

    @Test
    void theVersionIsThePoms() {
        assertEquals(POM_VERSION, BuildInfo.version());
        assertNotEquals("unknown", BuildInfo.version());
    }

    @Test
    void stampingNamesThisToolAndKeepsTheOriginalProducerOnce() {
        ModelProto original = TestModels.dense(4, 5, 3).build().model(); // made by "odf2nna-tests 1.2.3"
        ModelProto stamped = Producer.stamp(original);
        assertEquals("odf2nna-onnx", stamped.getProducerName());
        assertEquals(POM_VERSION, stamped.getProducerVersion());
        assertEquals(List.of(Producer.SOURCE_KEY + "=odf2nna-tests 1.2.3"), metadata(stamped));
        assertEquals(stamped, Producer.stamp(stamped), "a model shrunk twice keeps its first producer");
        assertEquals(original.getGraph(), stamped.getGraph());
    }

    @Test
    void builtModelsNameThisToolAndHaveNoSourceProducer() {
        ModelProto built = OnnxModelBuilder.build(TestNetworks.random(new Random(1), new int[] {3, 4, 2},
                Activation.RELU, OutputHead.NONE), "x", "y", Map.of());
        assertEquals("odf2nna-onnx", built.getProducerName());
        assertEquals(POM_VERSION, built.getProducerVersion());
        assertEquals(List.of(), metadata(Producer.stamp(built)));
    }

    private static List<String> metadata(ModelProto model) {
        return model.getMetadataPropsList().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
