package org.odf2nna.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * In CI ({@link Skips#inCi()}), a skip that names no missing tool is a failure: a test that cannot find its corpus or
 * ../shared there tests nothing. Registered for every test class of every module by
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} and {@code junit-platform.properties} (both in
 * the library's test resources, which the other modules read through its test-jar). Outside CI a skip stays a skip.
 */
public final class SkipPolicy implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        throw judged(thrown, Skips.inCi());
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable thrown)
            throws Throwable {
        throw judged(thrown, Skips.inCi());
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable thrown)
            throws Throwable {
        throw judged(thrown, Skips.inCi());
    }

    /** {@code thrown} as it is, or, in CI, a skip that names no missing tool turned into a failure. */
    static Throwable judged(Throwable thrown, boolean ci) {
        if (!ci || !(thrown instanceof TestAbortedException)) {
            return thrown;
        }
        String reason = String.valueOf(thrown.getMessage());
        if (reason.contains(Skips.MISSING_TOOL)) {
            return thrown;
        }
        return new AssertionFailedError("skipped in CI (CI=true), where a test may skip only for a missing tool: "
                + reason, thrown);
    }
}
