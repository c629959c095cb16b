package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Progress;
import org.odf2nna.network.Activation;
import org.odf2nna.settings.BuildFiles;
import org.odf2nna.settings.CsvReading;
import org.odf2nna.settings.Distillation;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.Task;

/**
 * Random initial weights are drawn for the coordinates the trainer works in (standardised inputs), not for
 * the raw columns: a raw column with a spread of thousands must not multiply its Glorot weights by
 * thousands. Before this was so, the general model of compactiv (a column with a spread of 4e5) and ailerons
 * trained to worse than predicting the mean.
 */
class InitialScaleTest {

    @TempDir
    Path dir;

    /** y = 3·x1 + x2/10⁴ with x1 in [-1, 1] and x2 in [-10⁴, 10⁴]: linear, easy, badly scaled. */
    private Path badlyScaled() throws IOException {
        Random random = new Random(7);
        StringBuilder s = new StringBuilder("x1,x2,x3,target\n");
        for (int r = 0; r < 800; r++) {
            double x1 = 2 * random.nextDouble() - 1;
            double x2 = 2e4 * random.nextDouble() - 1e4;
            double x3 = 5e5 + 1e5 * random.nextGaussian();
            s.append(String.format(Locale.ROOT, "%.6f,%.3f,%.1f,%.6f%n", x1, x2, x3, 3 * x1 + x2 / 1e4));
        }
        Path csv = dir.resolve("scaled.csv");
        Files.writeString(csv, s);
        return csv;
    }

    @Test
    void theGeneralModelLearnsWhateverTheScaleOfItsColumns() throws IOException {
        Path csv = badlyScaled();
        RetrainOptions training = new RetrainOptions(csv, RetrainSettings.builder().epochs(40).batchSize(32)
                .learningRate(0.01f).seed(0).validationShare(0.2).patience(40).distillation(Distillation.NONE).build());
        BuildOptions options = new BuildOptions(new BuildFiles(csv, dir.resolve("general.onnx"), CsvReading.DEFAULT),
                Task.REGRESSION, 2, null, 16, Activation.RELU, training);
        ModelBuilder.Built built = ModelBuilder.build(options, Progress.NONE);
        // The target's variance is 3 + 1/3 ≈ 3.3; a model worth the name explains nearly all of it.
        double mse = built.training().validationAfter();
        assertTrue(mse < 0.1, "validation MSE " + mse + " against a target variance of about 3.3");
    }

    @Test
    void theInitialWeightsAreGlorotsInTrainingCoordinates() throws IOException {
        Path csv = badlyScaled();
        RetrainOptions training = new RetrainOptions(csv, RetrainSettings.builder().epochs(0).batchSize(32)
                .learningRate(0.01f).seed(0).validationShare(0.2).patience(10).distillation(Distillation.NONE).build());
        BuildOptions options = new BuildOptions(new BuildFiles(csv, dir.resolve("untrained.onnx"), CsvReading.DEFAULT),
                Task.REGRESSION, 1, null, 8, Activation.RELU, training);
        // Zero epochs: the written model is the initial one, back in the raw coordinates. Its first-layer
        // weights for x2 and x3 must be Glorot's divided by the columns' spreads, hence tiny.
        ModelBuilder.Built built = ModelBuilder.build(options, Progress.NONE);
        float[] w = built.network().layer(0).weights();
        int units = built.network().layer(0).units();
        double limit = Math.sqrt(6.0 / (3 + units));
        for (int j = 0; j < units; j++) {
            assertTrue(Math.abs(w[j]) <= limit * 1.8 + 1e-6, "x1 weight " + w[j]);
            assertTrue(Math.abs(w[units + j]) <= limit / 1000, "x2 weight " + w[units + j]);
            assertTrue(Math.abs(w[2 * units + j]) <= limit / 10000, "x3 weight " + w[2 * units + j]);
        }
    }
}
