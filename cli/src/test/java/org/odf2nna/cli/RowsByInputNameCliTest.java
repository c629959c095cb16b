package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows as users already hold them (issue 72): a 3-input BERT export (and ONNX Runtime's optimized form of it) fed by
 * arrays named after its inputs with labels named {@code labels}, as an {@code .npz} archive and as a Parquet file of a
 * list column per input, with no flag; a Parquet file read wherever a CSV file is, to the same figures and the same
 * written model; a malformed one refused in one line. The fixtures and onnxruntime's accuracy on them come from
 * scripts/fixtures/make_bert_rows.py and make_parquet_fixtures.py.
 */
class RowsByInputNameCliTest {

    private static final Path ROWS = Path.of("library/src/test/resources/org/odf2nna/data/rows");
    private static final Path IRIS_PARQUET = Path.of("library/src/test/resources/org/odf2nna/data/parquet/iris.parquet");
    private static final Path IRIS_CSV = Path.of("examples/iris/iris-test.csv");
    private static final String IRIS_MODEL = "models/iris_4-16-16-3_relu.onnx";

    @TempDir
    Path dir;

    /** onnxruntime's accuracy (%, two decimals) of each model on the test rows, as the script recorded it. */
    private static Map<String, String> onnxruntime() throws IOException {
        Map<String, String> accuracy = new HashMap<>();
        for (String line : Files.readAllLines(ROWS.resolve("bert3-ort.txt"))) {
            String[] parts = line.strip().split(" ");
            accuracy.put(parts[0], parts[1]);
        }
        return accuracy;
    }

    @Test
    void evalFeedsEveryInputFromItsArrayWithoutAFlag() throws IOException {
        Map<String, String> ort = onnxruntime();
        for (String model : List.of("bert3.onnx", "bert3_opt.onnx")) {
            for (String rows : List.of("bert3-test.npz", "bert3-test.parquet")) {
                CliRun run = CliRun.of("eval", ROWS.resolve(model).toString(), ROWS.resolve(rows).toString());
                assertEquals(0, run.exitCode(), model + " " + rows + ": " + run);
                assertTrue(run.out().contains("(200 rows, classification)"), run.toString());
                assertTrue(run.out().contains("accuracy " + ort.get(model) + "%"), model + " " + rows + ", onnxruntime "
                        + ort.get(model) + "%: " + run);
            }
        }
    }

    @Test
    void sweepFeedsThemTooAndMeasuresTheOriginalAsOnnxRuntimeDoes() throws IOException {
        String ort = onnxruntime().get("bert3_opt.onnx");
        CliRun run = CliRun.of("sweep", ROWS.resolve("bert3_opt.onnx").toString(), "--train",
                ROWS.resolve("bert3-train.npz").toString(), "--validation", ROWS.resolve("bert3-validation.npz")
                        .toString(), "--eval", ROWS.resolve("bert3-test.parquet").toString(), "--graph-retrain",
                "sequential", "--share", "0.5", "--max-drop", "2", "-o", dir.resolve("small.onnx").toString());
        // Written (0) or nothing held on 400 validation rows (3): either way the rows were fed.
        assertTrue(run.exitCode() == 0 || run.exitCode() == 3, run.toString());
        String original = run.out().lines().filter(l -> l.strip().startsWith("original")).findFirst().orElse("");
        assertTrue(original.strip().endsWith(ort + "%"), "the report rows' original, onnxruntime " + ort + "%: "
                + original + "\n" + run);
    }

    @Test
    void aParquetFileGivesItsCsvFilesFiguresAndModel() throws IOException {
        CliRun csv = CliRun.of("eval", IRIS_MODEL, IRIS_CSV.toString());
        CliRun parquet = CliRun.of("eval", IRIS_MODEL, IRIS_PARQUET.toString());
        assertEquals(0, parquet.exitCode(), parquet.toString());
        assertEquals(csv.out().lines().skip(2).toList(), parquet.out().lines().skip(2).toList(), parquet.toString());
        Path fromCsv = dir.resolve("csv.onnx");
        Path fromParquet = dir.resolve("parquet.onnx");
        assertEquals(0, CliRun.of("shrink", IRIS_MODEL, "--eval", IRIS_CSV.toString(), "--epsilon", "0.2", "-o",
                fromCsv.toString()).exitCode());
        CliRun shrink = CliRun.of("shrink", IRIS_MODEL, "--eval", IRIS_PARQUET.toString(), "--epsilon", "0.2", "-o",
                fromParquet.toString());
        assertEquals(0, shrink.exitCode(), shrink.toString());
        assertEquals(-1, Files.mismatch(fromCsv, fromParquet), "the same bytes");
    }

    @Test
    void aMalformedParquetFileIsOneLine() throws IOException {
        byte[] good = Files.readAllBytes(IRIS_PARQUET);
        Path cut = dir.resolve("cut.parquet");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length - 9));
        for (String command : List.of("eval", "shrink")) {
            CliRun run = command.equals("eval") ? CliRun.of("eval", IRIS_MODEL, cut.toString())
                    : CliRun.of("shrink", IRIS_MODEL, "--eval", cut.toString(), "-o", dir.resolve("o.onnx").toString());
            assertEquals(Main.FAILED, run.exitCode(), run.toString());
            String err = run.err().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("odf2nna-onnx: error: " + cut + ": is not a readable Parquet file ("), err);
            assertTrue(!err.contains("InputFile@"), "no reader object's name in the reason: " + err);
            assertTrue(!Files.exists(dir.resolve("o.onnx")), "nothing written");
        }
    }
}
