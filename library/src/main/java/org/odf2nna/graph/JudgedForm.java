package org.odf2nna.graph;

import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * What each round's graph is judged and written as: itself, or another form of it (its int8 form), which the
 * validation rows then judge in ONNX Runtime and the sweep writes.
 */
public interface JudgedForm {

    /** The round's graph as it is. */
    JudgedForm FLOAT = new JudgedForm() {
        @Override
        public ModelProto apply(ModelProto model) {
            return model;
        }

        @Override
        public boolean eachRow() {
            return false;
        }
    };

    /** The form of {@code model} to judge and write. */
    ModelProto apply(ModelProto model);

    /** Whether its rows are run one per call (a dynamic int8 form quantizes a batch with one range). */
    boolean eachRow();
}
