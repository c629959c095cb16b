package org.odf2nna.metrics;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.odf2nna.InputException;

/** A bad label is placed by its row in an array file, by its line in a CSV file: an .npz row is no "line" (issue 56). */
class RowPlaceTest {

    @Test
    void anArrayFilesRowIsCalledARow() {
        InputException e = assertThrows(InputException.class,
                () -> Evaluator.classId(7, 3, Path.of("rows.npz"), "y", 12));
        assertTrue(e.getMessage().contains("row 12, labels 'y'") && !e.getMessage().contains("line"),
                e.getMessage());
    }

    @Test
    void aCsvFilesRowIsCalledALine() {
        InputException e = assertThrows(InputException.class,
                () -> Evaluator.classId(7, 3, Path.of("rows.csv"), "label", 12));
        assertTrue(e.getMessage().contains("line 12, column 'label'"), e.getMessage());
    }
}
