package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.odf2nna.Device;

class TfSessionsTest {

    @Test
    void oneThreadUnlessAskedForMore() {
        assertEquals(1, TfSessions.threads(null, null));
        assertEquals(1, TfSessions.threads(" ", ""));
        assertEquals(2, TfSessions.threads(null, "2"));
        assertEquals(4, TfSessions.threads("4", "2"), "the property wins over the environment");
        assertThrows(IllegalArgumentException.class, () -> TfSessions.threads("0", null));
        assertThrows(IllegalArgumentException.class, () -> TfSessions.threads("two", null));
    }

    @Test
    void theTestsRunWithOneThread() {
        assertEquals(1, TfSessions.intraOpThreads());
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
