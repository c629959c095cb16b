package org.odf2nna.settings;

import org.odf2nna.InputException;
import org.odf2nna.Setting;

/**
 * A setting out of its range, found by the one check the settings types make. A Java caller sees an
 * {@link IllegalArgumentException} whose message names the setting in plain words ({@link Setting#plain}); a front
 * end that names settings its own way (the command line's flags) takes {@link #asUsage()} instead.
 */
public final class InvalidSetting extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The message with its settings as {@link Setting#ref()} placeholders. */
    private final String template;

    /** @param template the message, its settings written as {@link Setting#ref()} */
    public InvalidSetting(String template) {
        super(Setting.plain(template));
        this.template = template;
    }

    /** The same mistake as a usage error, whose message each front end renders with its own names. */
    public InputException asUsage() {
        return InputException.usage(template);
    }

    /** Throws unless {@code holds}, with {@code template} as the message. */
    static void require(boolean holds, String template) {
        if (!holds) {
            throw new InvalidSetting(template);
        }
    }
}
