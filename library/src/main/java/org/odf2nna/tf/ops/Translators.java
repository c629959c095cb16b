package org.odf2nna.tf.ops;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The registry of operator translators: one per ONNX operator of the default domain, each with the first opset it
 * translates. The groups ({@link ElementwiseOps}, {@link ActivationOps}, {@link ReduceOps}, {@link ShapeOps}, {@link IndexOps},
 * {@link ConvOps}, {@link LinearOps}) register theirs here.
 */
public final class Translators {

    /**
     * One registered operator.
     *
     * @param op         the ONNX operator type
     * @param sinceOpset the first opset of the default domain it is translated at
     * @param translator what builds it
     */
    public record Entry(String op, int sinceOpset, OperatorTranslator translator) { }

    /** Where a group registers its operators. */
    @FunctionalInterface
    interface Registry {
        void add(String op, int sinceOpset, OperatorTranslator translator);

        /** Registers {@code op} from opset 1. */
        default void add(String op, OperatorTranslator translator) {
            add(op, 1, translator);
        }
    }

    private static final Map<String, Entry> ENTRIES = build();

    private Translators() {
    }

    private static Map<String, Entry> build() {
        Map<String, Entry> m = new TreeMap<>();
        Registry r = (op, since, t) -> {
            if (m.put(op, new Entry(op, since, t)) != null) {
                throw new IllegalStateException("operator " + op + " registered twice");
            }
        };
        ElementwiseOps.register(r);
        ActivationOps.register(r);
        ReduceOps.register(r);
        ShapeOps.register(r);
        IndexOps.register(r);
        ConvOps.register(r);
        LinearOps.register(r);
        return Collections.unmodifiableMap(m);
    }

    /** The translator of {@code op} at {@code opset}, if one is registered for that opset. */
    public static Optional<OperatorTranslator> find(String op, int opset) {
        Entry e = ENTRIES.get(op);
        return e == null || opset < e.sinceOpset() ? Optional.empty() : Optional.of(e.translator());
    }

    /** Every registered operator's name, sorted. */
    public static SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(ENTRIES.keySet()));
    }

    /** Every registered operator, sorted by name. */
    public static List<Entry> entries() {
        return List.copyOf(ENTRIES.values());
    }
}
