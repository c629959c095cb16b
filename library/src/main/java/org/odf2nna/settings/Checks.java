package org.odf2nna.settings;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import org.odf2nna.Setting;

/** The checks several settings and files records make alike, so that each reads and words them once. */
final class Checks {

    private Checks() {
    }

    /**
     * Throws {@link NullPointerException} naming the first null of {@code values}, as
     * {@link Objects#requireNonNull(Object, String)} does.
     *
     * @param names  the components' names, comma-separated, in the order of {@code values}
     * @param values the components that must be present
     */
    static void present(String names, Object... values) {
        String[] named = names.split(", *");
        if (named.length != values.length) {
            throw new IllegalArgumentException(named.length + " names for " + values.length + " values");
        }
        for (int i = 0; i < values.length; i++) {
            Objects.requireNonNull(values[i], named[i]);
        }
    }

    /** A maximum drop is a number ≥ 0, or null for the task's default. */
    static void maxDrop(Double maxDrop) {
        InvalidSetting.require(maxDrop == null || (maxDrop >= 0 && !maxDrop.isInfinite()), Setting.MAX_DROP.ref()
                + " must be a number >= 0, got " + maxDrop);
    }

    /** No threshold listed twice. */
    static void distinct(List<Double> epsilons) {
        InvalidSetting.require(new HashSet<>(epsilons).size() == epsilons.size(), Setting.EPSILON.ref()
                + " lists a value twice: " + epsilons);
    }
}
