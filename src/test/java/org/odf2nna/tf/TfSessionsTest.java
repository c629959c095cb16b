package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

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
        assertEquals(1, TfSessions.config().getIntraOpParallelismThreads());
        assertEquals(1, TfSessions.config().getInterOpParallelismThreads());
    }

    @Test
    void tensorFlowSeesNoGpuUnlessCudaIsAsked() {
        try {
            TfSessions.allowGpu(false);
            assertEquals(0, TfSessions.config().getDeviceCountOrDefault("GPU", -1));
            TfSessions.allowGpu(true);
            assertEquals(-1, TfSessions.config().getDeviceCountOrDefault("GPU", -1), "no limit: TensorFlow's default");
        } finally {
            TfSessions.allowGpu(false);
        }
    }
}
