package org.odf2nna.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * The one way a test may skip in CI: by naming a tool this machine lacks ({@link #requireTool}). Every other skip (a
 * corpus or ../shared that is absent, say) fails when the environment variable {@code CI} is {@code true}
 * ({@link SkipPolicy}); {@code .ci/run} counts and prints the skips at the end of the run.
 */
public final class Skips {

    /** What a skip's reason starts with when it names a missing tool. */
    public static final String MISSING_TOOL = "missing tool: ";

    private Skips() {
    }

    /**
     * Skips the test, saying so on the console, unless {@code present}: {@code tool} names what the machine lacks and
     * {@code how} how to get it (e.g. "apt-get install zsh").
     */
    public static void requireTool(boolean present, String tool, String how) {
        if (!present) {
            String reason = MISSING_TOOL + tool + " (" + how + ")";
            System.out.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
    }

    /** Whether this run is CI's: the environment variable CI is "true" (as GitHub Actions and most CIs set it). */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }
}
