package org.odf2nna.network;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class InputPrefixTest {

    @Test
    void onlyShapeOperationsLeaveTheRowAsItIs() {
        assertTrue(new InputPrefix(InputPrefix.Kind.PREPROCESSING, List.of("Flatten")).reshapesOnly());
        assertTrue(new InputPrefix(InputPrefix.Kind.PREPROCESSING, List.of("Reshape", "Identity")).reshapesOnly());
        assertFalse(new InputPrefix(InputPrefix.Kind.PREPROCESSING, List.of("Flatten", "Sub", "Div")).reshapesOnly());
        assertFalse(InputPrefix.NONE.reshapesOnly());
        assertFalse(new InputPrefix(InputPrefix.Kind.BACKBONE, List.of("Conv", "Flatten")).reshapesOnly());
    }
}
