package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** shrink --train without --epsilon prunes as sweep does by default; --epsilon keeps the paper's one-shot rule. */
class ShrinkDefaultCliTest {

    static final String MODEL = ProgressiveSweepCliTest.MODEL;
    static final String TRAIN = ProgressiveSweepCliTest.TRAIN.toString();
    static final String TEST = ProgressiveSweepCliTest.TEST.toString();

    @TempDir
    Path dir;

    @Test
    void withTrainingRowsTheDefaultIsSweepsProgressivePruning() throws IOException {
        Path shrunk = dir.resolve("shrunk.onnx");
        Path shrinkReport = dir.resolve("shrink.json");
        String fresh = FreshRows.unlabelled(Path.of(TRAIN), 400, 0.05, 1, dir.resolve("fresh.csv")).toString();
        CliRun shrink = CliRun.of("-q", "shrink", MODEL, "--eval", TEST, "--train", TRAIN, "--validation", fresh,
                "--retrain-epochs", "4", "-o", shrunk.toString(), "--report", shrinkReport.toString());
        Path swept = dir.resolve("swept.onnx");
        Path sweepReport = dir.resolve("sweep.json");
        CliRun sweep = CliRun.of("-q", "sweep", MODEL, "--eval", TEST, "--train", TRAIN, "--validation", fresh,
                "--retrain-epochs", "4", "-o", swept.toString(), "--report", sweepReport.toString());
        assertEquals(sweep.exitCode(), shrink.exitCode(), shrink + "\n" + sweep);
        assertTrue(shrink.out().contains("round 1"), shrink.out());
        JsonObject a = JsonParser.parseString(Files.readString(shrinkReport)).getAsJsonObject();
        JsonObject b = JsonParser.parseString(Files.readString(sweepReport)).getAsJsonObject();
        assertEquals(b.getAsJsonObject("table").getAsJsonArray("outcomes").size(),
                a.getAsJsonObject("table").getAsJsonArray("outcomes").size(), "the same rounds");
        assertEquals(b.get("chosen"), a.get("chosen"));
        if (shrink.exitCode() == Main.OK) {
            assertArrayEquals(Files.readAllBytes(swept), Files.readAllBytes(shrunk), "the same model");
        } else {
            assertEquals(Main.NOTHING_QUALIFIED, shrink.exitCode(), shrink.toString());
            assertFalse(Files.exists(shrunk));
        }
        assertFalse(Files.exists(dir.resolve("shrunk.chart.png")), "shrink writes no chart");
    }

    @Test
    void anEpsilonKeepsThePapersOneShotRule() {
        Path out = dir.resolve("eps.onnx");
        CliRun run = CliRun.of("-q", "shrink", MODEL, "--eval", TEST, "--train", TRAIN, "--retrain-epochs", "2",
                "-e", "0.05", "-o", out.toString());
        assertEquals(Main.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("ε=0.05"), run.out());
        assertFalse(run.out().contains("round 1"), run.out());
        assertTrue(Files.exists(out));
    }

    @Test
    void maxDropWithoutTheProgressiveDefaultIsBadUsage() {
        Path out = dir.resolve("x.onnx");
        CliRun run = CliRun.of("shrink", MODEL, "--eval", TEST, "--train", TRAIN, "-e", "0.05", "--max-drop", "2",
                "-o", out.toString());
        assertEquals(Main.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("--max-drop") && run.err().contains("--epsilon"), run.err());
        CliRun negative = CliRun.of("shrink", MODEL, "--eval", TEST, "--train", TRAIN, "--max-drop", "-1",
                "-o", out.toString());
        assertEquals(Main.USAGE, negative.exitCode(), negative.toString());
        assertFalse(Files.exists(out));
    }
}
