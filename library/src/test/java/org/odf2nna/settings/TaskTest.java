package org.odf2nna.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.odf2nna.InputException;
import org.odf2nna.network.OutputHead;

class TaskTest {

    @Test
    void inferFromTheOutputLayer() {
        // Several outputs: class scores, whatever the head.
        for (OutputHead head : OutputHead.values()) {
            assertEquals(Task.CLASSIFICATION, Task.infer(2, head), head.toString());
            assertEquals(Task.CLASSIFICATION, Task.infer(10, head), head.toString());
        }
        // One output: a probability behind a sigmoid (or a degenerate softmax), else a regression value.
        assertEquals(Task.CLASSIFICATION, Task.infer(1, OutputHead.SIGMOID));
        assertEquals(Task.CLASSIFICATION, Task.infer(1, OutputHead.SOFTMAX));
        assertEquals(Task.CLASSIFICATION, Task.infer(1, OutputHead.LOG_SOFTMAX));
        assertEquals(Task.REGRESSION, Task.infer(1, OutputHead.NONE));
    }

    @Test
    void classCount() {
        assertEquals(2, Task.classCount(1));
        assertEquals(2, Task.classCount(2));
        assertEquals(7, Task.classCount(7));
    }

    @Test
    void parse() {
        assertEquals(Task.CLASSIFICATION, Task.parse("classification"));
        assertEquals(Task.CLASSIFICATION, Task.parse("Classification"));
        assertEquals(Task.CLASSIFICATION, Task.parse("binary"));
        assertEquals(Task.CLASSIFICATION, Task.parse("class"));
        assertEquals(Task.REGRESSION, Task.parse("REGRESSION"));
        InputException e = assertThrows(InputException.class, () -> Task.parse("clustering"));
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertEquals("regression", Task.REGRESSION.displayName());
    }
}
