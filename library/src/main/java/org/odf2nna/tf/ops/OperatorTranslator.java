package org.odf2nna.tf.ops;

import org.odf2nna.onnx.proto.OnnxProto.NodeProto;
import org.tensorflow.Operand;

/**
 * The TensorFlow ops for one ONNX operator (one handler per operator, as onnx-tensorflow's backend writes them).
 * Registered by name and first opset in {@link Translators}.
 */
@FunctionalInterface
public interface OperatorTranslator {

    /**
     * Builds {@code node} from the values its inputs already have in {@code ctx}.
     *
     * @return the node's first output; a node with several outputs defines the others through
     *     {@link TranslationContext#define}
     */
    Operand<?> translate(TranslationContext ctx, NodeProto node);
}
