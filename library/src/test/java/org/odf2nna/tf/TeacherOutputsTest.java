package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/** The original's outputs are read back only for the very model and rows they were made on. */
class TeacherOutputsTest {

    @Test
    void theOutputsKeptAreReadOnlyForTheSameModelAndTheSameRows() {
        ModelProto original = ModelProto.newBuilder().setProducerName("a").build();
        ModelProto equalCopy = ModelProto.newBuilder().setProducerName("a").build();
        float[] rows = {1, 2, 3, 4};
        float[] outputs = {0.5f, 0.25f};
        TeacherOutputs.keep(original, rows, 2, outputs);
        assertSame(outputs, TeacherOutputs.find(original, rows, 2));
        assertNull(TeacherOutputs.find(equalCopy, rows, 2), "another model object, equal or not");
        TeacherOutputs.keep(original, rows, 2, outputs);
        assertNull(TeacherOutputs.find(original, rows.clone(), 2), "other rows, equal or not");
        TeacherOutputs.keep(original, rows, 2, outputs);
        assertNull(TeacherOutputs.find(original, rows, 3), "another row count");
        assertNull(TeacherOutputs.find(original, rows, 2), "a miss forgets what was kept");
    }
}
