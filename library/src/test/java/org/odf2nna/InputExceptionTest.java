package org.odf2nna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InputExceptionTest {

    @Test
    void messageNamesFileThenPlaceThenProblem() {
        Path file = Path.of("d", "x.csv");
        InputException e = new InputException(file, "line 3, column 2 'b'", "'abc' is not a number");
        assertEquals(file + ": line 3, column 2 'b': 'abc' is not a number", e.getMessage());
        assertEquals(file, e.file());
        assertEquals("line 3, column 2 'b'", e.place());
        assertEquals(InputException.Kind.BAD_INPUT, e.kind());
        assertEquals("x.csv: bad", new InputException(Path.of("x.csv"), null, "bad").getMessage());
        assertEquals("x.csv: bad", new InputException(Path.of("x.csv"), "", "bad").getMessage());
        assertEquals("bad", new InputException(null, null, "bad").getMessage());
        IOException cause = new IOException("io");
        assertSame(cause, new InputException(file, null, "m", cause).getCause());
    }

    @Test
    void usageKind() {
        InputException e = InputException.usage("unknown option");
        assertEquals(InputException.Kind.USAGE, e.kind());
        assertEquals("unknown option", e.getMessage());
        assertNull(e.file());
        InputException f = InputException.usage(Path.of("out"), "is a directory");
        assertEquals("out: is a directory", f.getMessage());
        assertEquals(InputException.Kind.USAGE, f.kind());
    }

    @Test
    void inFileAttributesLateButNeverOverrides() {
        InputException bare = new InputException(null, "node 'MatMul_1'", "has no weights", InputException.Kind.USAGE, null);
        InputException located = bare.inFile(Path.of("m.onnx"));
        assertEquals("m.onnx: node 'MatMul_1': has no weights", located.getMessage());
        assertEquals(Path.of("m.onnx"), located.file());
        assertEquals("node 'MatMul_1'", located.place());
        assertEquals(InputException.Kind.USAGE, located.kind());
        assertSame(located, located.inFile(Path.of("other.onnx")));
        InputException noPlace = new InputException(null, null, "broken").inFile(Path.of("a"));
        assertEquals("a: broken", noPlace.getMessage());
    }
}
