package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.onnx.proto.OnnxProto.StringStringEntryProto;

/**
 * Where the target column stands, and what it is called, changes nothing but where it is read from: the same
 * rows with the target first, in the middle or last (named label, Target or, with --label, anything) give the
 * same model, byte for byte, on --eval, --train, --validation and eval. The failing variants are in
 * {@link BadInputMatrixTest}.
 */
class TargetColumnCliTest {

    static final Path IRIS = MainTest.IRIS;
    static final Path IRIS_TEST = MainTest.IRIS_TEST;
    static final Path IRIS_TRAIN = Path.of("examples/iris/iris-train.csv");
    /** The iris files' columns: sepal_length, sepal_width, petal_length, petal_width, label. */
    static final List<String> FEATURES = List.of("sepal_length", "sepal_width", "petal_length", "petal_width");

    @TempDir
    Path dir;

    @Test
    void targetFirstInTheMiddleOrLastGivesTheSameModel() throws IOException {
        byte[] reference = shrink(IRIS, IRIS_TEST, "last");
        String referenceEval = evalLine(IRIS, IRIS_TEST);

        Path first = rewrite(IRIS_TEST, "first.csv", new int[] {4, 0, 1, 2, 3}, null);
        Path middle = rewrite(IRIS_TEST, "middle.csv", new int[] {0, 1, 4, 2, 3},
                List.of("sepal_length", "sepal_width", "Target", "petal_length", "petal_width"));
        Path species = rewrite(IRIS_TEST, "species.csv", new int[] {0, 4, 1, 2, 3},
                List.of("sepal_length", "species", "sepal_width", "petal_length", "petal_width"));
        assertArrayEquals(reference, shrink(IRIS, first, "first"), "label first");
        assertArrayEquals(reference, shrink(IRIS, middle, "middle"), "Target in the middle");
        assertArrayEquals(reference, shrink(IRIS, species, "species", "--label", "species"), "--label species");
        assertEquals(referenceEval, evalLine(IRIS, first));
        assertEquals(referenceEval, evalLine(IRIS, middle));
        assertEquals(referenceEval, evalLine(IRIS, species, "--label", "species"));
    }

    @Test
    void trainingAndValidationRowsFollowTheSameRules() throws IOException {
        byte[] reference = shrink(IRIS, IRIS_TEST, "last", "--train", IRIS_TRAIN.toString(), "--validation",
                IRIS_TEST.toString(), "--retrain-epochs", "2");
        Path trainFirst = rewrite(IRIS_TRAIN, "train-first.csv", new int[] {4, 0, 1, 2, 3}, null);
        Path validationMiddle = rewrite(IRIS_TEST, "validation-middle.csv", new int[] {0, 1, 4, 2, 3}, null);
        assertArrayEquals(reference, shrink(IRIS, IRIS_TEST, "moved", "--train", trainFirst.toString(),
                "--validation", validationMiddle.toString(), "--retrain-epochs", "2"));
        // --label names the target of every file of the run, --train and --validation included.
        List<String> renamed = List.of("sepal_length", "species", "sepal_width", "petal_length", "petal_width");
        int[] order = {0, 4, 1, 2, 3};
        assertArrayEquals(reference, shrink(IRIS, rewrite(IRIS_TEST, "eval-species.csv", order, renamed), "species",
                "--label", "species", "--train", rewrite(IRIS_TRAIN, "train-species.csv", order, renamed).toString(),
                "--validation", rewrite(IRIS_TEST, "val-species.csv", order, renamed).toString(),
                "--retrain-epochs", "2"));
    }

    @Test
    void exactlyTheFeaturesAndNoTargetColumnAreStillLabelFreeRows() throws IOException {
        Path unlabelled = rewrite(IRIS_TEST, "unlabelled.csv", new int[] {0, 1, 2, 3}, null);
        Path out = dir.resolve("unlabelled.onnx");
        CliRun run = CliRun.of("-q", "shrink", IRIS.toString(), "--eval", unlabelled.toString(), "--epsilon", "0.1",
                "-o", out.toString());
        assertEquals(0, run.exitCode(), run.toString());
        assertTrue(Files.size(out) > 0);
        assertTrue(run.out().contains("no target column"), run.toString());
    }

    @Test
    void aModelThatNamesItsColumnsReadsThemByNameAndNotesExtraColumnsOnce() throws IOException {
        Path named = namedIris();
        byte[] reference = shrink(named, IRIS_TEST, "ordered");
        String referenceEval = evalLine(named, IRIS_TEST);
        // Columns in another order, the target first, and two columns the model does not read.
        Path shuffled = rewrite(IRIS_TEST, "shuffled.csv", new int[] {4, 3, 0, -1, 2, 1, -2},
                List.of("label", "petal_width", "sepal_length", "id", "petal_length", "sepal_width", "batch"));
        Path out = dir.resolve("shuffled.onnx");
        CliRun run = CliRun.of("shrink", named.toString(), "--eval", shuffled.toString(), "--epsilon", "0.1,0.2",
                "-o", out.toString());
        assertEquals(0, run.exitCode(), run.toString());
        List<String> notes = run.err().lines().filter(l -> l.contains("note:")).toList();
        assertEquals(1, notes.size(), "one note, though the file is read several times: " + run);
        assertTrue(notes.get(0).contains("shuffled.csv: the model reads its 4 feature columns by name; 2 other "
                + "columns are ignored: id, batch"), notes.get(0));
        assertArrayEquals(reference, Files.readAllBytes(dir.resolve("shuffled.eps0.1.onnx")));
        assertTrue(Files.exists(dir.resolve("shuffled.eps0.2.onnx")));

        CliRun eval = CliRun.of("eval", named.toString(), shuffled.toString());
        assertEquals(0, eval.exitCode(), eval.toString());
        assertEquals(referenceEval, accuracyLine(eval));
        assertEquals(1, eval.err().lines().filter(l -> l.contains("note:")).count(), eval.toString());
    }

    /** Runs shrink at ε = 0.1 and returns the model written. */
    private byte[] shrink(Path model, Path eval, String name, String... more) throws IOException {
        Path out = dir.resolve(name + ".onnx");
        List<String> args = new ArrayList<>(List.of("-q", "shrink", model.toString(), "--eval", eval.toString(),
                "--epsilon", "0.1", "-o", out.toString()));
        args.addAll(List.of(more));
        CliRun run = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, run.exitCode(), run.toString());
        return Files.readAllBytes(out);
    }

    private static String evalLine(Path model, Path csv, String... more) {
        List<String> args = new ArrayList<>(List.of("-q", "eval", model.toString(), csv.toString()));
        args.addAll(List.of(more));
        CliRun run = CliRun.of(args.toArray(new String[0]));
        assertEquals(0, run.exitCode(), run.toString());
        return accuracyLine(run);
    }

    private static String accuracyLine(CliRun run) {
        return run.out().lines().filter(l -> l.startsWith("accuracy")).findFirst().orElseThrow(() ->
                new AssertionError("no accuracy line: " + run));
    }

    /**
     * The rows of {@code source} with its columns in {@code order} (index into the source's columns; -1 and -2
     * add a row number and a constant column), under {@code header} (null: the source's names).
     */
    private Path rewrite(Path source, String name, int[] order, List<String> header) throws IOException {
        List<String> lines = Files.readAllLines(source);
        List<String> out = new ArrayList<>();
        for (int r = 0; r < lines.size(); r++) {
            String[] cells = lines.get(r).split(",");
            List<String> row = new ArrayList<>();
            for (int k = 0; k < order.length; k++) {
                if (r == 0) {
                    row.add(header != null ? header.get(k) : cells[order[k]]);
                } else {
                    row.add(order[k] == -1 ? Integer.toString(r) : order[k] == -2 ? "7" : cells[order[k]]);
                }
            }
            out.add(String.join(",", row));
        }
        return Files.write(dir.resolve(name), out);
    }

    /** The iris model recording its feature and target columns, as build and evolve --select-features write them. */
    private Path namedIris() throws IOException {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(IRIS)).toBuilder()
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("odf2nna.features")
                        .setValue("[\"" + String.join("\",\"", FEATURES) + "\"]"))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("odf2nna.target").setValue("label"))
                .build();
        return Files.write(dir.resolve("named.onnx"), model.toByteArray());
    }
}
