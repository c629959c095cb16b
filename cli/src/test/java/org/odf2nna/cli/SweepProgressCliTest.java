package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a sweep's progress says (issue 47): which round of how many, the time left in all, why a round takes as long
 * as it does and how to make it shorter, and no "loss NaN" where retraining has not started yet.
 */
class SweepProgressCliTest {

    @TempDir
    Path dir;

    @Test
    void theChainSweepSaysWhichRoundOfAboutHowManyAndWhatARoundCosts() throws java.io.IOException {
        // Without its JSON sidecar the model records no epochs: each round retrains the default 20.
        Path model = java.nio.file.Files.copy(Path.of("models/iris_4-16-16-3_relu.onnx"), dir.resolve("iris.onnx"));
        List<String> lines = progressOf("sweep", model.toString(), "--eval",
                "examples/iris/iris-test.csv", "--train", "examples/iris/iris-train.csv", "--validation",
                "examples/iris/iris-test.csv", "--max-drop", "20", "--share", "0.5", "-o", dir.resolve("iris.small.onnx").toString());
        assertTrue(lines.contains("odf2nna-onnx: note: each round retrains up to 20 epochs (the default; the original "
                + "epochs are unknown: set --original-epochs or --retrain-epochs)"), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("round 1 of about ")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("retraining round 2 of about ")
                && l.contains(" left (the rounds alone")), "retraining says the time left in all: " + String.join("\n", lines));
        assertTrue(lines.stream().noneMatch(l -> l.contains("NaN")), "no NaN loss: " + String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("retraining round 1 of about ")
                && l.contains("epoch 0/20, training-row accuracy")), "epoch 0 has no loss yet: "
                + String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("judging rounds")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("writing ")), String.join("\n", lines));
    }

    @Test
    void theGraphSweepSaysWhichRoundOfHowManyAndItsStep() {
        List<String> lines = progressOf("sweep", "models/digits_mixer_8x8_gelu.onnx", "--eval",
                "examples/digits/digits-test.csv.gz", "--train", "examples/digits/digits-mixer-train.csv.gz",
                "--validation", "examples/digits/digits-holdout.csv.gz", "--share", "0.3", "--graph-retrain",
                "sequential", "--max-drop", "10", "-o", dir.resolve("mixer.onnx").toString());
        List<String> phases = lines.stream().map(l -> l.substring(0, l.indexOf(':'))).distinct().toList();
        // After the chain's rounds, the half step before its last (made from round 1, tested before round 2).
        assertEquals(List.of("round 1 of 2", "round 2 of 2", "half step before the last round", "judging rounds",
                "timing the original and the certified rounds in ONNX Runtime", "writing " + dir.resolve("mixer.onnx")),
                phases, String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("round 1 of 2: statistics")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("round 1 of 2: refit")), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("round 2 of 2: refit: at least ")
                && l.contains(" left (the rounds alone")), String.join("\n", lines));
    }

    /** Standard error of an in-process run that shows every progress phase as it starts. */
    private static List<String> progressOf(String... args) {
        String before = System.getProperty(ConsoleProgress.SHOW_AFTER_PROPERTY);
        System.setProperty(ConsoleProgress.SHOW_AFTER_PROPERTY, "0");
        try {
            CliRun run = CliRun.of(args);
            assertEquals(0, run.exitCode(), run.toString());
            return run.err().lines().toList();
        } finally {
            if (before == null) {
                System.clearProperty(ConsoleProgress.SHOW_AFTER_PROPERTY);
            } else {
                System.setProperty(ConsoleProgress.SHOW_AFTER_PROPERTY, before);
            }
        }
    }
}
