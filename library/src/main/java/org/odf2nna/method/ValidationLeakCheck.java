package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.RowOverlap;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.tf.TrainingData;

/**
 * Validation rows must be kept apart from the training rows: rows the model was trained or steered on certify
 * nothing. Refused (exit 3, nothing written): a validation file that is the training file (the same path, or the same
 * bytes under another name), and validation rows that appear among the training rows more often than the training
 * rows' own repeats explain ({@link RowOverlap}; at {@link #LEVEL}). Fewer shared rows, as an honest split of a file
 * with repeated rows has, are noted and kept.
 */
final class ValidationLeakCheck {

    /** The chance below which an overlap is refused: P(Binomial(validation rows, repeat share) ≥ overlap). */
    static final double LEVEL = 1e-6;

    /** The one-sided level of the test that the original scores higher on the validation rows than on the report rows. */
    static final double ABOVE_REPORT_LEVEL = 1e-3;

    /** The normal quantile of {@link #ABOVE_REPORT_LEVEL}, one-sided: Φ⁻¹(1 − 0.001). */
    private static final double ABOVE_REPORT_Z = 3.090232;

    private ValidationLeakCheck() {
    }

    /** The dense chain's rows (its inputs and targets; NaN targets: rows without targets). */
    static RowOverlap.Rows rows(TrainingData data) {
        return RowOverlap.Rows.of(data.inputs(), data.width(), TrainingRows.labelled(data) ? data.targets() : null);
    }

    /** A graph's rows: the data input's values and every other input fed per row (by name), and the labels. */
    static RowOverlap.Rows rows(GraphRows data) {
        // A detector's images held as bytes are compared as bytes, not copied out as floats.
        List<float[]> blocks = new ArrayList<>(data.pixels() == null ? List.of(data.features()) : List.of());
        blocks.addAll(new TreeMap<>(data.sides()).values());
        float[] labels = null;
        if (data.labelled()) {
            labels = new float[data.count()];
            for (int r = 0; r < labels.length; r++) {
                labels[r] = data.labels()[r];
            }
        }
        return new RowOverlap.Rows(data.count(), blocks,
                data.pixels() == null ? List.of() : List.of(data.pixels()), labels);
    }

    /**
     * Refuses validation rows the training rows hold beyond chance (or any, when {@code validationFile} is the training
     * file), and notes an overlap chance explains; says nothing when none is shared.
     */
    static void check(Path trainFile, RowOverlap.Rows training, Path validationFile, RowOverlap.Rows validation,
            Progress progress) {
        RowOverlap.Count count = RowOverlap.count(training, validation);
        String sameFile = sameFile(trainFile, validationFile);
        if (sameFile != null || count.beyondChance(LEVEL)) {
            String shared = String.format(Locale.ROOT, "%d of the %d validation rows in %s also appear among the %d "
                    + "training rows in %s", count.overlapping(), count.validationRows(), validationFile,
                    count.trainingRows(), trainFile);
            String what = sameFile != null ? "the validation file " + validationFile + " is the training file "
                    + trainFile + " (" + sameFile + "): " + shared : shared + chance(count);
            throw InputException.uncertifiable(null, null, what + "; rows the model was steered on certify nothing, "
                    + "and nothing was written: validate on rows kept apart from the training rows");
        }
        if (count.overlapping() > 0) {
            progress.note(String.format(Locale.ROOT, "%d of the %d validation rows in %s also appear among the %d "
                    + "training rows in %s, as chance explains%s; they are kept", count.overlapping(),
                    count.validationRows(), validationFile, count.trainingRows(), trainFile, chance(count)));
        }
    }

    /** The arithmetic of the chance: the training rows' repeat share and what it explains. */
    private static String chance(RowOverlap.Count count) {
        if (count.trainingDuplicates() == 0) {
            return " (no training row repeats another, so chance explains none)";
        }
        return String.format(Locale.ROOT, " (%d of the training rows repeat another, %s, which explains about %.1f shared "
                + "rows; as many or more by chance: %s)", count.trainingDuplicates(),
                ReportFormat.percent(count.duplicateShare()), count.expectedByChance(),
                probability(count.chanceOfAtLeast()));
    }

    private static String probability(double p) {
        return p < 1e-12 ? "below 1e-12" : p < 0.001 ? String.format(Locale.ROOT, "%.1e", p)
                : String.format(Locale.ROOT, "%.3f", p);
    }

    /**
     * "the same file" when both paths name one file, "the same bytes" when the files are equal, else null (also
     * when either cannot be read: reading it fails with its own message).
     */
    static String sameFile(Path a, Path b) {
        try {
            if (Files.isSameFile(a, b)) {
                return "the same file";
            }
            return Files.size(a) == Files.size(b) && Files.mismatch(a, b) == -1 ? "the same bytes under another name" : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The dense chain's form of {@link #noteAboveReport}: the original {@code network}'s accuracy on the validation
     * rows against {@code onReport}, when a validation file was given and both have labels (classification only).
     */
    static void noteAboveReport(Retrainer retrainer, org.odf2nna.network.DenseNetwork network, Path validationFile,
            org.odf2nna.metrics.Metrics onReport, Path reportFile, Progress progress) {
        if (validationFile != null && onReport instanceof org.odf2nna.metrics.Metrics.Classification
                && retrainer.validationLabelled()) {
            noteAboveReport(retrainer.validationMetric(network), retrainer.validationRows(), validationFile,
                    onReport.primaryValue(), onReport.rows(), reportFile, progress);
        }
    }

    /**
     * Notes that the validation rows may have been trained on when the original's accuracy on them is above its
     * accuracy on the report rows by more than a one-sided two-proportion test at {@link #ABOVE_REPORT_LEVEL} explains.
     */
    static void noteAboveReport(double validationAccuracy, long validationRows, Path validationFile,
            double reportAccuracy, long reportRows, Path reportFile, Progress progress) {
        if (aboveReport(validationAccuracy, validationRows, reportAccuracy, reportRows)) {
            progress.note(String.format(Locale.ROOT, "the original scores %s on the %d validation rows in %s and %s "
                    + "on the %d report rows in %s, more than chance explains (two-proportion test, one-sided "
                    + "p < %s): the validation rows may have been trained on, and rows trained on certify nothing",
                    ReportFormat.percent(validationAccuracy), validationRows, validationFile,
                    ReportFormat.percent(reportAccuracy), reportRows, reportFile,
                    ReportFormat.number(ABOVE_REPORT_LEVEL)));
        }
    }

    /** The one-sided pooled two-proportion z test: accuracy {@code a} on {@code n} rows above {@code b} on {@code m}. */
    static boolean aboveReport(double a, long n, double b, long m) {
        if (n < 2 || m < 2 || Double.isNaN(a) || Double.isNaN(b)) {
            return false;
        }
        double pooled = (a * n + b * m) / (n + m);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / n + 1.0 / m));
        return se > 0 && (a - b) / se > ABOVE_REPORT_Z;
    }
}
