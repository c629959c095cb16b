package org.odf2nna.settings;

import java.util.Locale;

/**
 * The short names of the settings' enums ({@link Compensation}, {@link UnitScore}, {@link ModelFormat}): the
 * constant's name in lower case, as the command line and the reports write it.
 */
final class EnumIds {

    private EnumIds() {
    }

    /** {@code constant}'s short name. */
    static String id(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} whose short name {@code text} is (case-insensitive, trimmed); null for none. */
    static <E extends Enum<E>> E parse(Class<E> type, String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (E constant : type.getEnumConstants()) {
            if (id(constant).equals(t)) {
                return constant;
            }
        }
        return null;
    }
}
