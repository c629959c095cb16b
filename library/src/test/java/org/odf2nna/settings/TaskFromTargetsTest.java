package org.odf2nna.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class TaskFromTargetsTest {

    static Task of(float... t) {
        return Task.fromTargets(t, t.length);
    }

    @Test
    void classIdsZeroToKMinusOneAreClasses() {
        assertEquals(Task.CLASSIFICATION, of(0, 1, 2, 1, 0));
        assertEquals(Task.CLASSIFICATION, of(1, 0));
    }

    @Test
    void otherNumbersAreValues() {
        assertEquals(Task.REGRESSION, of(0, 10, 20, 30), "pole's targets: integers, but not ids");
        assertEquals(Task.REGRESSION, of(0, 1, 3), "a class id missing");
        assertEquals(Task.REGRESSION, of(1, 2, 3), "no class 0");
        assertEquals(Task.REGRESSION, of(0.5f, 1));
        assertEquals(Task.REGRESSION, of(-1, 0, 1));
        assertEquals(Task.REGRESSION, of(0, 0, 0), "one class only");
        assertEquals(Task.REGRESSION, of(0, 1, 5000), "too many classes");
    }

    @Test
    void aTallyOfBatchesAnswersAsTheWholeColumn() {
        Task.TargetTally tally = new Task.TargetTally();
        tally.add(new float[] {0, 1, 2}, 3);
        assertEquals(Task.CLASSIFICATION, tally.task());
        assertEquals(2, tally.maxClass());
        assertNull(tally.firstOther());
        // The first value that is not a class id is named by its row across the batches.
        tally.add(new float[] {1, 2.5f, 7000, 9}, 4);
        assertEquals(Task.REGRESSION, tally.task());
        assertEquals(new Task.TargetTally.Target(4, 2.5f), tally.firstOther());
        assertEquals(9, tally.maxClass());
    }
}
