package org.odf2nna.settings;

import java.util.Locale;

/**
 * Which promise a sweep's written round keeps, as a user chooses it ({@link org.odf2nna.Setting#PROMISE}); the
 * statistics of each are {@code metrics.ChainCertificate.Reading}'s, of the same names.
 */
public enum Promise {
    /** The written round's accuracy on the data the validation rows come from (the default). */
    POPULATION,
    /** A new set of as many rows as the validation rows. */
    NEW_SET;

    /** The name a user types: {@code population} or {@code new-set}. */
    public String option() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The promise a user typed ({@link #option()}), or an IllegalArgumentException naming both. */
    public static Promise ofOption(String text) {
        for (Promise p : values()) {
            if (p.option().equalsIgnoreCase(text.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a promise: population or new-set");
    }
}
