package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.Batch;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.RowOverlap;
import org.odf2nna.data.RowReader;

class ValidationLeakCheckTest {

    @TempDir
    Path dir;

    /** The notes a run prints. */
    private static final class Notes implements Progress {
        final List<String> lines = new ArrayList<>();

        @Override
        public void update(String phase, long done, long total, String detail) {
        }

        @Override
        public void note(String text) {
            lines.add(text);
        }
    }

    private static RowOverlap.Rows rows(float... valuesThenTarget) {
        int n = valuesThenTarget.length / 3;
        float[] x = new float[n * 2];
        float[] y = new float[n];
        for (int r = 0; r < n; r++) {
            x[2 * r] = valuesThenTarget[3 * r];
            x[2 * r + 1] = valuesThenTarget[3 * r + 1];
            y[r] = valuesThenTarget[3 * r + 2];
        }
        return RowOverlap.Rows.of(x, 2, y);
    }

    @Test
    void theSameFileOrItsBytesUnderAnotherNameAreTold() throws IOException {
        Path a = Files.writeString(dir.resolve("train.csv"), "x,y\n1,2\n");
        Path copy = Files.copy(a, dir.resolve("copy.csv"));
        Path other = Files.writeString(dir.resolve("other.csv"), "x,y\n1,3\n");
        assertEquals("the same file", ValidationLeakCheck.sameFile(a, dir.resolve(".").resolve("train.csv")));
        assertEquals("the same bytes under another name", ValidationLeakCheck.sameFile(a, copy));
        assertNull(ValidationLeakCheck.sameFile(a, other));
        assertNull(ValidationLeakCheck.sameFile(a, dir.resolve("missing.csv")), "a missing file fails where it is read");
    }

    @Test
    void theTrainingFileAsValidationFileIsRefusedWithTheCount() throws IOException {
        Path train = Files.writeString(dir.resolve("train.csv"), "a,b,target\n");
        RowOverlap.Rows rows = rows(1, 2, 0, 3, 4, 1, 1, 2, 0);
        Notes notes = new Notes();
        // Two of the three rows repeat each other: chance alone explains sharing them, the same file does not.
        InputException e = assertThrows(InputException.class, () -> ValidationLeakCheck.check(train, rows, train, rows, notes));
        assertEquals(InputException.Kind.UNCERTIFIABLE, e.kind());
        assertTrue(e.getMessage().startsWith("the validation file " + train + " is the training file " + train
                + " (the same file): 3 of the 3 validation rows in " + train + " also appear among the 3 training rows "
                + "in " + train + "; rows the model was steered on certify nothing"), e.getMessage());
        assertEquals(List.of(), notes.lines);
    }

    @Test
    void sharedRowsBeyondChanceAreRefusedAndAFewThatChanceExplainsAreNoted() throws IOException {
        Path train = Files.writeString(dir.resolve("train.csv"), "a,b,target\n1\n");
        Path validation = Files.writeString(dir.resolve("val.csv"), "a,b,target\n2\n");
        Notes notes = new Notes();
        InputException e = assertThrows(InputException.class, () -> ValidationLeakCheck.check(train, rows(1, 2, 0, 3, 4, 1),
                validation, rows(3, 4, 1, 5, 6, 0), notes));
        assertTrue(e.getMessage().startsWith("1 of the 2 validation rows in " + validation + " also appear among the "
                + "2 training rows in " + train + " (no training row repeats another, so chance explains none); rows"),
                e.getMessage());
        // Half the training rows repeat: one shared row of two is what chance gives.
        ValidationLeakCheck.check(train, rows(1, 2, 0, 1, 2, 0, 3, 4, 1, 7, 8, 1), validation, rows(1, 2, 0, 5, 6, 0), notes);
        assertEquals(1, notes.lines.size(), notes.lines.toString());
        assertTrue(notes.lines.get(0).startsWith("1 of the 2 validation rows in " + validation + " also appear among "
                + "the 4 training rows in " + train + ", as chance explains (2 of the training rows repeat another, "
                + "50.00%, which explains about 1.0 shared rows; as many or more by chance: 0.750); they are kept"),
                notes.lines.get(0));
        Notes quiet = new Notes();
        ValidationLeakCheck.check(train, rows(1, 2, 0), validation, rows(5, 6, 0), quiet);
        assertEquals(List.of(), quiet.lines, "nothing shared, nothing said");
    }

    @Test
    void accuracyFarAboveTheReportRowsIsTold() {
        assertTrue(ValidationLeakCheck.aboveReport(1.0, 500, 0.9, 2000));
        assertFalse(ValidationLeakCheck.aboveReport(0.92, 500, 0.9, 2000), "two points on 500 rows is chance");
        assertFalse(ValidationLeakCheck.aboveReport(0.8, 500, 0.9, 2000), "lower is no sign of training");
        assertFalse(ValidationLeakCheck.aboveReport(Double.NaN, 500, 0.9, 2000), "without labels nothing is judged");
        assertFalse(ValidationLeakCheck.aboveReport(1.0, 500, 1.0, 2000));
        Notes notes = new Notes();
        ValidationLeakCheck.noteAboveReport(0.995, 736, Path.of("val.csv"), 0.91, 2000, Path.of("test.csv"), notes);
        assertEquals(1, notes.lines.size());
        assertTrue(notes.lines.get(0).contains("the validation rows may have been trained on"), notes.lines.get(0));
    }

    /**
     * The reference splits (../shared/data/splits): every honest train/test pair passes, and every training file is
     * refused as its own validation file, and as a shuffled copy of its rows under another name.
     */
    @Test
    void theSharedSplitsPassAndTheirTrainingFilesAreRefusedAsValidation() throws IOException {
        Path splits = Path.of(System.getProperty("odf2nna.shared", "../shared")).resolve("data/splits");
        assumeTrue(Files.isDirectory(splits), "skipped: " + splits + " not found");
        List<Path> trains;
        try (Stream<Path> files = Files.list(splits)) {
            trains = files.filter(f -> f.getFileName().toString().endsWith("-train.csv")).sorted().toList();
        }
        assertFalse(trains.isEmpty());
        for (Path train : trains) {
            Path test = splits.resolve(train.getFileName().toString().replace("-train.csv", "-test.csv"));
            RowOverlap.Rows trainRows = read(train);
            RowOverlap.Count honest = RowOverlap.count(trainRows, read(test));
            assertFalse(honest.beyondChance(ValidationLeakCheck.LEVEL), train + ": " + honest);
            ValidationLeakCheck.check(train, trainRows, test, read(test), new Notes());
            assertThrows(InputException.class, () -> ValidationLeakCheck.check(train, trainRows, train, trainRows, new Notes()),
                    train.toString());
            Path shuffled = shuffledCopy(train);
            InputException e = assertThrows(InputException.class, () -> ValidationLeakCheck.check(train, trainRows, shuffled,
                    read(shuffled), new Notes()), train.toString());
            assertTrue(e.getMessage().startsWith(trainRows.count() + " of the " + trainRows.count() + " validation rows"),
                    e.getMessage());
        }
    }

    private Path shuffledCopy(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> body = new ArrayList<>(lines.subList(1, lines.size()));
        Collections.shuffle(body, new java.util.Random(1));
        body.add(0, lines.get(0));
        return Files.write(dir.resolve("shuffled-" + csv.getFileName()), body);
    }

    private static RowOverlap.Rows read(Path csv) {
        List<float[]> chunks = new ArrayList<>();
        List<Float> targets = new ArrayList<>();
        int width;
        try (RowReader reader = RowReader.open(csv, ColumnRequest.of(-1, null, ColumnRequest.Target.OPTIONAL))) {
            width = reader.featureCount();
            Batch b;
            while ((b = reader.next(4096)) != null) {
                chunks.add(java.util.Arrays.copyOf(b.features(), b.rows() * b.width()));
                for (int r = 0; r < b.rows(); r++) {
                    targets.add((float) b.targets()[r]);
                }
            }
        }
        float[] x = new float[targets.size() * width];
        int at = 0;
        for (float[] c : chunks) {
            System.arraycopy(c, 0, x, at, c.length);
            at += c.length;
        }
        float[] y = new float[targets.size()];
        for (int r = 0; r < y.length; r++) {
            y[r] = targets.get(r);
        }
        return RowOverlap.Rows.of(x, width, y);
    }
}
