package org.odf2nna.harness.reproduce;

import java.util.List;
import org.odf2nna.metrics.Metrics;

/**
 * What the reproduction measured, as plain records that are written to JSON and read back to render
 * {@code RESULTS.md}: the Markdown is made only from these records, never from anything else, so every
 * figure in it can be traced to the JSON beside it.
 */
public final class Results {

    private Results() {
    }

    /**
     * One of the paper's tables (or a group of them), as regenerated here.
     *
     * @param id           the harness's name for it ({@code table1}, {@code lenet}, ...)
     * @param title        the heading
     * @param paperTables  which of the paper's tables it corresponds to
     * @param command      the command that regenerates the whole table
     * @param quick        whether it ran with {@code --quick} (small budgets, not a reproduction)
     * @param settings     the budget and protocol, in words
     * @param method       the pruning score and compensation the figures used
     * @param toolVersion  version and commit of the tool that measured them
     * @param machine      processors, memory, Java
     * @param datasets     one entry per data set (or architecture) of the table
     */
    public record TableResult(String id, String title, String paperTables, String command, boolean quick,
            String settings, String method, String toolVersion, String machine, List<DatasetResult> datasets) {

        public TableResult {
            datasets = List.copyOf(datasets);
        }

        /** Wall time of all its data sets, in seconds. */
        public double seconds() {
            return datasets.stream().mapToDouble(d -> d.seconds() + (d.defaults() == null ? 0
                    : d.defaults().seconds())).sum();
        }
    }

    /**
     * One data set of a table: the original model, every ε tried, and the model chosen.
     *
     * @param id         its name in the harness ({@code iris}, {@code mnist-1000x3}, ...)
     * @param train      training file (relative to the shared folder)
     * @param test       test file (relative to the shared folder)
     * @param task       classification or regression
     * @param trainRows  rows used for the Adam steps (the rest of the training file is validation)
     * @param validationRows rows held out of the training file
     * @param testRows   test rows
     * @param original   the model that was pruned (the general model, or the given one)
     * @param general    how the general model was built, or null when a given model was pruned
     * @param grid       how the ε values were chosen
     * @param retraining how the pruned models were retrained (epochs asked and why, batch, learning rate)
     * @param retrainEpochs epochs asked for each retraining
     * @param originalValidation the original model's validation metric (accuracy or MSE), the reference of the choice
     * @param rows       one per ε, in increasing ε
     * @param chosen     index into {@code rows} of the model the rule chose, or null when none qualified
     * @param choice     the sentence explaining the choice
     * @param scratch    the chosen topology trained from random weights with the retraining budget, or null
     * @param seconds    wall time of this data set, in seconds
     * @param command    the command whose run produced these figures
     * @param finished   when it finished (UTC, ISO-8601)
     * @param notes      what was done to the data beyond reading it (rows left out, and why)
     * @param defaults   the tool's defaults on the same model and rows, or null where they were not run
     */
    public record DatasetResult(String id, String train, String test, String task, int trainRows, int validationRows,
            long testRows, Model original, General general, String grid, String retraining, int retrainEpochs,
            double originalValidation, List<Row> rows, Integer chosen, String choice, Scratch scratch, double seconds,
            String command, String finished, List<String> notes, Defaults defaults) {

        public DatasetResult {
            rows = List.copyOf(rows);
            notes = notes == null ? List.of() : List.copyOf(notes);
        }

        /** Without the defaults' run. */
        public DatasetResult(String id, String train, String test, String task, int trainRows, int validationRows,
                long testRows, Model original, General general, String grid, String retraining, int retrainEpochs,
                double originalValidation, List<Row> rows, Integer chosen, String choice, Scratch scratch,
                double seconds, String command, String finished, List<String> notes) {
            this(id, train, test, task, trainRows, validationRows, testRows, original, general, grid, retraining,
                    retrainEpochs, originalValidation, rows, chosen, choice, scratch, seconds, command, finished,
                    notes, null);
        }

        /** The same with the defaults' run. */
        public DatasetResult withDefaults(Defaults newDefaults) {
            return new DatasetResult(id, train, test, task, trainRows, validationRows, testRows, original, general,
                    grid, retraining, retrainEpochs, originalValidation, rows, chosen, choice, scratch, seconds,
                    command, finished, notes, newDefaults);
        }

        public boolean classification() {
            return "classification".equals(task);
        }

        public Row chosenRow() {
            return chosen == null ? null : rows.get(chosen);
        }
    }

    /**
     * What the tool's defaults (a plain {@code sweep}: progressive pruning, least squares, distillation, the 95% bound)
     * chose on the same model, training, validation and test rows as the paper's rule beside it.
     *
     * @param architecture     the written model's, or null when no round held
     * @param parameters       its parameters (the original's when none held)
     * @param reductionPercent fewer parameters than the original, in percent (0 when none held)
     * @param test             its test figures, or null when none held
     * @param rounds           rounds run
     * @param choice           the sentence explaining the choice
     * @param seconds          wall time of the run
     */
    public record Defaults(String architecture, long parameters, double reductionPercent, Figures test, int rounds,
            String choice, double seconds) {
    }

    /**
     * A network and its test figures.
     *
     * @param architecture widths from input to output
     * @param parameters   weights and biases
     * @param weights      weights only (no biases)
     * @param test         its figures on the test rows
     */
    public record Model(String architecture, long parameters, long weights, Figures test) {
    }

    /**
     * How the general model was built.
     *
     * @param sizing      eq. 2 with its numbers, or the width given instead
     * @param maxEpochs   epochs at most
     * @param epochsRun   epochs run (early stopping may end sooner)
     * @param bestEpoch   the epoch whose weights were kept
     * @param batchSize   rows per Adam step
     * @param learningRate Adam's learning rate
     * @param patience    epochs without improvement before stopping
     * @param validation  its validation metric
     */
    public record General(String sizing, int maxEpochs, int epochsRun, int bestEpoch, int batchSize,
            double learningRate, int patience, double validation) {
    }

    /**
     * One ε.
     *
     * @param epsilon         the threshold
     * @param architecture    the pruned network's widths
     * @param parameters      its weights and biases
     * @param weights         its weights only
     * @param reductionPercent parameters removed, in percent of the original's
     * @param pwr             test figures pruned, without retraining
     * @param pr              test figures pruned and retrained
     * @param epochsRun       retraining epochs run
     * @param bestEpoch       retraining epoch kept (0: the pruned weights were not improved on)
     * @param validationBefore validation metric before retraining
     * @param validationAfter  validation metric after retraining (what the choice reads)
     * @param changeFromOriginal share of training rows whose class changed (or MSE change share), what the choice
     *                        also reads for classifiers
     */
    public record Row(double epsilon, String architecture, long parameters, long weights, double reductionPercent,
            Figures pwr, Figures pr, int epochsRun, int bestEpoch, double validationBefore, double validationAfter,
            double changeFromOriginal) {
    }

    /**
     * The chosen topology trained from scratch (the paper's §5 comparison).
     *
     * @param architecture its widths
     * @param test         its test figures
     * @param epochsRun    epochs run
     */
    public record Scratch(String architecture, Figures test, int epochsRun) {
    }

    /**
     * Test figures; those that do not apply are NaN (written as null).
     *
     * @param accuracy share of rows classified right
     * @param macroF1  unweighted mean of the per-class F1
     * @param auc      ROC AUC (two classes only)
     * @param mse      mean squared error
     * @param mae      mean absolute error
     * @param r2       coefficient of determination
     */
    public record Figures(double accuracy, double macroF1, double auc, double mse, double mae, double r2) {

        public static Figures of(Metrics m) {
            if (m == null) {
                return null;
            }
            if (m instanceof Metrics.Classification c) {
                return new Figures(c.accuracy(), c.macroF1(), c.rocAuc(), Double.NaN, Double.NaN, Double.NaN);
            }
            Metrics.Regression r = (Metrics.Regression) m;
            return new Figures(Double.NaN, Double.NaN, Double.NaN, r.mse(), r.mae(), r.r2());
        }

        /** Accuracy, or MSE. */
        public double primary() {
            return Double.isNaN(accuracy) ? mse : accuracy;
        }
    }
}
