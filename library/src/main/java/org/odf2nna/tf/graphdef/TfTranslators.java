package org.odf2nna.tf.graphdef;

import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The registry of TensorFlow op translators, one per op name: {@link MathOps}, {@link ArrayOps} and {@link NnOps}
 * register theirs. Calls ({@code StatefulPartitionedCall}, {@code PartitionedCall}) are not ops here: the
 * {@link FunctionTranslator} follows them into their functions.
 */
public final class TfTranslators {

    /** Where a group registers its ops. */
    @FunctionalInterface
    interface Registry {
        void add(String op, TfOpTranslator translator);
    }

    private static final Map<String, TfOpTranslator> OPS = build();

    private TfTranslators() {
    }

    private static Map<String, TfOpTranslator> build() {
        Map<String, TfOpTranslator> ops = new TreeMap<>();
        Registry r = (op, t) -> {
            if (ops.put(op, t) != null) {
                throw new IllegalStateException("op " + op + " registered twice");
            }
        };
        MathOps.register(r);
        ArrayOps.register(r);
        NnOps.register(r);
        return Collections.unmodifiableMap(ops);
    }

    static TfOpTranslator get(String op) {
        return OPS.get(op);
    }

    /** The ops translated, sorted (calls and NoOp besides). */
    public static SortedSet<String> supported() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(OPS.keySet()));
    }
}
