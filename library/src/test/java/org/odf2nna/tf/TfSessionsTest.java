package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.odf2nna.Device;

class TfSessionsTest {

    @Test
    void thePropertyOrTheEnvironmentFixTheCountElseNone() {
        assertNull(TfSessions.fixed(null, null), "neither: what a program asks, else the machine's cores");
        assertNull(TfSessions.fixed(" ", ""));
        assertEquals(2, TfSessions.fixed(null, "2"));
        assertEquals(4, TfSessions.fixed("4", "2"), "the property wins over the environment");
        assertThrows(IllegalArgumentException.class, () -> TfSessions.fixed("0", null));
        assertThrows(IllegalArgumentException.class, () -> TfSessions.fixed("two", null));
        assertThrows(IllegalArgumentException.class, () -> TfSessions.useThreads(0));
    }

    @Test
    void theTestsRunWithOneThreadWhateverAProgramAsks() {
        // The build fixes the tests' count (-Dodf2nna.tf.threads=1) so that their training is bit-reproducible; a
        // program's --tf-threads does not move it.
        TfSessions.useThreads(3);
        assertEquals(1, TfSessions.intraOpThreads());
        assertTrue(TfSessions.reproducible());
        assertEquals(1, TfSessions.config(Device.CPU).getIntraOpParallelismThreads());
        assertEquals(1, TfSessions.config(Device.CPU).getInterOpParallelismThreads());
    }

    @Test
    void tensorFlowSeesNoGpuUnlessCudaIsAsked() {
        assertEquals(0, TfSessions.config(Device.CPU).getDeviceCountOrDefault("GPU", -1));
        assertEquals(-1, TfSessions.config(Device.CUDA).getDeviceCountOrDefault("GPU", -1),
                "no limit: TensorFlow's default");
    }
}
