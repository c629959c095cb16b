package org.odf2nna.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class SkipPolicyTest {

    @Test
    void inCiASkipThatNamesNoToolFailsAndOneThatNamesAToolStaysASkip() {
        TestAbortedException corpus = new TestAbortedException("Assumption failed: the corpus is absent");
        Throwable judged = SkipPolicy.judged(corpus, true);
        assertTrue(judged instanceof AssertionFailedError, judged.toString());
        assertTrue(judged.getMessage().contains("the corpus is absent"), judged.getMessage());
        TestAbortedException tool = assertThrows(TestAbortedException.class,
                () -> Skips.requireTool(false, "zsh", "apt-get install zsh"));
        assertEquals("missing tool: zsh (apt-get install zsh)", tool.getMessage());
        assertSame(tool, SkipPolicy.judged(tool, true));
    }

    @Test
    void outsideCiEverySkipStaysASkipAndFailuresPassThrough() {
        TestAbortedException corpus = new TestAbortedException("the corpus is absent");
        assertSame(corpus, SkipPolicy.judged(corpus, false));
        AssertionError failure = new AssertionError("a real failure");
        assertSame(failure, SkipPolicy.judged(failure, true));
        Skips.requireTool(true, "zsh", "apt-get install zsh");
    }
}
