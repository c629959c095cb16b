package org.odf2nna.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Rows no model here was trained on, for validating a sweep: copies of a training file's rows with a little Gaussian
 * noise on every feature, without the target column (a classifier's agreement needs no label).
 */
final class FreshRows {

    private FreshRows() {
    }

    /** {@code rows} noisy copies of {@code train}'s rows (noise: {@code noise} times each column's spread). */
    static Path unlabelled(Path train, int rows, double noise, long seed, Path out) throws IOException {
        List<String> lines = Files.readAllLines(train);
        String[] header = lines.get(0).split(",");
        int features = header.length - 1;
        double[][] x = new double[lines.size() - 1][features];
        double[] mean = new double[features];
        double[] square = new double[features];
        for (int r = 1; r < lines.size(); r++) {
            String[] cells = lines.get(r).split(",");
            for (int c = 0; c < features; c++) {
                x[r - 1][c] = Double.parseDouble(cells[c]);
                mean[c] += x[r - 1][c] / x.length;
                square[c] += x[r - 1][c] * x[r - 1][c] / x.length;
            }
        }
        Random random = new Random(seed);
        StringBuilder s = new StringBuilder(String.join(",", java.util.Arrays.copyOf(header, features))).append('\n');
        for (int r = 0; r < rows; r++) {
            double[] row = x[random.nextInt(x.length)];
            for (int c = 0; c < features; c++) {
                double spread = Math.sqrt(Math.max(0, square[c] - mean[c] * mean[c]));
                s.append(c == 0 ? "" : ",").append((float) (row[c] + noise * spread * random.nextGaussian()));
            }
            s.append('\n');
        }
        Files.writeString(out, s);
        return out;
    }
}
