package org.odf2nna.tf.graphdef;

import java.util.List;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * One TensorFlow node being translated: its definition, the function that holds it, and its data inputs' values
 * (control inputs left out). Attributes a FunctionDef omits take TensorFlow's defaults, given by the caller.
 */
record TfNode(NodeDef def, String function, List<TfValue> inputs) {

    TfNode {
        inputs = List.copyOf(inputs);
    }

    String name() {
        return def.getName();
    }

    String op() {
        return def.getOp();
    }

    TfValue input(int i) {
        if (i >= inputs.size()) {
            throw refuse("has " + inputs.size() + " inputs, expected at least " + (i + 1));
        }
        return inputs.get(i);
    }

    /** Input {@code i}, which must be a constant known at translation time (a shape, axes, a variable). */
    TfValue constant(int i, String what) {
        TfValue v = input(i);
        if (!v.isConstant()) {
            throw refuse(what + " (input " + i + ") depends on the data; only constant " + what + " is translated");
        }
        return v;
    }

    boolean has(String attr) {
        return def.containsAttr(attr);
    }

    String string(String attr, String otherwise) {
        AttrValue a = def.getAttrOrDefault(attr, null);
        return a == null ? otherwise : a.getS().toStringUtf8();
    }

    long integer(String attr, long otherwise) {
        AttrValue a = def.getAttrOrDefault(attr, null);
        return a == null ? otherwise : a.getI();
    }

    float real(String attr, float otherwise) {
        AttrValue a = def.getAttrOrDefault(attr, null);
        return a == null ? otherwise : a.getF();
    }

    boolean bool(String attr, boolean otherwise) {
        AttrValue a = def.getAttrOrDefault(attr, null);
        return a == null ? otherwise : a.getB();
    }

    long[] ints(String attr, long... otherwise) {
        AttrValue a = def.getAttrOrDefault(attr, null);
        return a == null ? otherwise : a.getList().getIList().stream().mapToLong(Long::longValue).toArray();
    }

    DataType type(String attr) {
        AttrValue a = def.getAttrOrDefault(attr, null);
        return a == null ? DataType.DT_INVALID : a.getType();
    }

    /** A translation error naming this node, its op and its function. */
    TfTranslationException refuse(String why) {
        return new TfTranslationException(function, name(), op(), why);
    }
}
