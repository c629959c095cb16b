package org.odf2nna.tf.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The registry of operator translators, keyed by domain and operator: one per operator, each with the first opset (of
 * its domain) it translates, as onnx-tensorflow's handlers. The default domain's groups ({@link ElementwiseOps},
 * {@link ActivationOps}, {@link ReduceOps}, {@link ShapeOps}, {@link IndexOps}, {@link ConvOps}, {@link ResizeOps}, {@link LinearOps})
 * and ONNX Runtime's {@code com.microsoft} operators ({@link ContribOps}) register theirs here.
 */
public final class Translators {

    /** The default ONNX domain, as nodes write it ("ai.onnx" is the same domain). */
    public static final String DEFAULT_DOMAIN = "";

    /**
     * One registered operator.
     *
     * @param domain     its domain, {@link #DEFAULT_DOMAIN} for the default one
     * @param op         the ONNX operator type
     * @param sinceOpset the first opset of its domain it is translated at
     * @param translator what builds it
     */
    public record Entry(String domain, String op, int sinceOpset, OperatorTranslator translator) {

        /** The operator's name, prefixed by its domain outside the default one ("com.microsoft.Attention"). */
        public String qualifiedName() {
            return qualified(domain, op);
        }
    }

    /** Where a group registers its operators. */
    @FunctionalInterface
    interface Registry {
        void add(String domain, String op, int sinceOpset, OperatorTranslator translator);

        /** Registers {@code op} of the default domain from {@code sinceOpset}. */
        default void add(String op, int sinceOpset, OperatorTranslator translator) {
            add(DEFAULT_DOMAIN, op, sinceOpset, translator);
        }

        /** Registers {@code op} of the default domain from opset 1. */
        default void add(String op, OperatorTranslator translator) {
            add(DEFAULT_DOMAIN, op, 1, translator);
        }
    }

    /** Per domain, its operators by name; the default domain sorts first (the empty string). */
    private static final Map<String, Map<String, Entry>> ENTRIES = build();

    private Translators() {
    }

    private static Map<String, Map<String, Entry>> build() {
        Map<String, Map<String, Entry>> m = new TreeMap<>();
        Registry r = (domain, op, since, t) -> {
            String d = domain(domain);
            if (m.computeIfAbsent(d, k -> new TreeMap<>()).put(op, new Entry(d, op, since, t)) != null) {
                throw new IllegalStateException("operator " + qualified(d, op) + " registered twice");
            }
        };
        ElementwiseOps.register(r);
        ActivationOps.register(r);
        ReduceOps.register(r);
        ShapeOps.register(r);
        IndexOps.register(r);
        ConvOps.register(r);
        ResizeOps.register(r);
        LinearOps.register(r);
        ContribOps.register(r);
        m.replaceAll((d, ops) -> Collections.unmodifiableMap(ops));
        return Collections.unmodifiableMap(m);
    }

    /** A node's domain as the registry keys it: "ai.onnx" is the default domain. */
    public static String domain(String domain) {
        return domain.equals("ai.onnx") ? DEFAULT_DOMAIN : domain;
    }

    /** {@code op}, prefixed by {@code domain} outside the default domain. */
    public static String qualified(String domain, String op) {
        String d = domain(domain);
        return d.isEmpty() ? op : d + "." + op;
    }

    /** The translator of the default domain's {@code op} at {@code opset}, if one is registered for that opset. */
    public static Optional<OperatorTranslator> find(String op, int opset) {
        return find(DEFAULT_DOMAIN, op, opset);
    }

    /** The translator of {@code domain}'s {@code op} at that domain's {@code opset}, if one is registered for it. */
    public static Optional<OperatorTranslator> find(String domain, String op, int opset) {
        Entry e = ENTRIES.getOrDefault(domain(domain), Map.of()).get(op);
        return e == null || opset < e.sinceOpset() ? Optional.empty() : Optional.of(e.translator());
    }

    /** Every registered operator's name of the default domain, sorted. */
    public static SortedSet<String> names() {
        return names(DEFAULT_DOMAIN);
    }

    /** Every registered operator's name of {@code domain}, sorted (empty for a domain with none). */
    public static SortedSet<String> names(String domain) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(ENTRIES.getOrDefault(domain(domain), Map.of())
                .keySet()));
    }

    /** The domains with registered operators, the default one ("") first. */
    public static SortedSet<String> domains() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(ENTRIES.keySet()));
    }

    /** Every registered operator: the default domain's sorted by name, then each other domain's. */
    public static List<Entry> entries() {
        List<Entry> all = new ArrayList<>();
        ENTRIES.values().forEach(ops -> all.addAll(ops.values()));
        return List.copyOf(all);
    }
}
