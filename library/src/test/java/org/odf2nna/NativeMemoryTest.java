package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The native heap's free pages go back to the system where glibc runs the tool, once TensorFlow's bindings (which hold
 * JavaCPP's malloc_trim) are loaded: 64 MB of tensors freed, then trimmed.
 */
class NativeMemoryTest {

    @Test
    void trimsWhatTensorFlowFreedOnLinux() {
        assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"));
        for (int i = 0; i < 64; i++) {
            try (TFloat32 t = TFloat32.tensorOf(Shape.of(1 << 18))) {
                t.setFloat(1f, 0);
            }
        }
        assertTrue(NativeMemory.trim(), "malloc_trim through JavaCPP returned nothing");
    }
}
