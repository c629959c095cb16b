package org.odf2nna.settings;

import java.util.Locale;

/**
 * A settings enum named on the command line and in reports by its constant's name in lower case
 * ({@link Compensation}, {@link UnitScore}, {@link ModelFormat}).
 */
public interface ShortName {

    /** The constant's name. */
    String name();

    /** The name used on the command line and in reports: the constant's name in lower case. */
    default String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} whose {@link #id()} {@code text} is (case-insensitive, trimmed); null for none. */
    static <E extends Enum<E> & ShortName> E parse(Class<E> type, String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (E constant : type.getEnumConstants()) {
            if (constant.id().equals(t)) {
                return constant;
            }
        }
        return null;
    }
}
