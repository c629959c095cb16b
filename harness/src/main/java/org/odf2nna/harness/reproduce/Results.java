package org.odf2nna.harness.reproduce;

import java.util.List;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.report.JsonInline;

/**
 * What the reproduction measured, as plain records that are written to JSON and read back to render
 * {@code RESULTS.md}: the Markdown is made only from these records, never from anything else, so every
 * figure in it can be traced to the JSON beside it.
 */
public final class Results {

    private Results() {
    }

    /**
     * One of the paper's tables (or a group of them), as regenerated here. Its parts' fields, and those of
     * {@link DatasetResult}'s and {@link Row}'s, are stored among their parent's own ({@link JsonInline}), as they
     * were before they were grouped; in code they are read from the part that holds them
     * ({@code table.protocol().command()}, {@code dataset.outcome().rows()}).
     *
     * @param heading     which table it is, as {@link ReproTable} names it
     * @param protocol    how it was run: the command, the budget and the method
     * @param toolVersion version and commit of the tool that measured them
     * @param machine     processors, memory, Java
     * @param datasets    one entry per data set (or architecture) of the table
     */
    public record TableResult(Heading heading, Protocol protocol, String toolVersion, String machine,
            List<DatasetResult> datasets) {

        public TableResult {
            datasets = List.copyOf(datasets);
        }

        /** Wall time of all its data sets, in seconds. */
        public double seconds() {
            return datasets.stream().mapToDouble(d -> d.run().seconds() + (d.defaults() == null ? 0
                    : d.defaults().seconds())).sum();
        }
    }

    /**
     * Which table it is (stored among the table's own fields): the names {@link ReproTable} gives it, recorded as they
     * were when it ran.
     *
     * @param id          the harness's name for it ({@code table1}, {@code lenet}, ...)
     * @param title       the heading
     * @param paperTables which of the paper's tables it corresponds to
     */
    @JsonInline
    public record Heading(String id, String title, String paperTables) {
    }

    /**
     * How a table was run (stored among the table's own fields).
     *
     * @param command  the command that regenerates the whole table
     * @param quick    whether it ran with {@code --quick} (small budgets, not a reproduction)
     * @param settings the budget and protocol, in words
     * @param method   the pruning score and compensation the figures used
     */
    @JsonInline
    public record Protocol(String command, boolean quick, String settings, String method) {
    }

    /**
     * One data set of a table: the original model, every ε tried, and the model chosen.
     *
     * @param id       its name in the harness ({@code iris}, {@code mnist-1000x3}, ...)
     * @param data     the files and rows it was trained, validated and tested on
     * @param original the model that was pruned (the general model, or the given one)
     * @param general  how the general model was built, or null when a given model was pruned
     * @param method   how the ε values were chosen and the pruned models retrained
     * @param outcome  every ε's row, the one chosen, and the scratch comparison
     * @param run      the run that measured these figures
     * @param defaults the tool's defaults on the same model and rows, or null where they were not run
     */
    public record DatasetResult(String id, Data data, Model original, General general, Method method,
            Outcome outcome, Run run, Defaults defaults) {

        /** The same with the defaults' run. */
        public DatasetResult withDefaults(Defaults newDefaults) {
            return new DatasetResult(id, data, original, general, method, outcome, run, newDefaults);
        }

        public boolean classification() {
            return "classification".equals(data.task());
        }

        public Row chosenRow() {
            return outcome.chosen() == null ? null : outcome.rows().get(outcome.chosen());
        }
    }

    /**
     * The files and rows of a data set (stored among the data set's own fields).
     *
     * @param train          training file (relative to the shared folder)
     * @param test           test file (relative to the shared folder)
     * @param task           classification or regression
     * @param trainRows      rows used for the Adam steps (the rest of the training file is validation)
     * @param validationRows rows held out of the training file
     * @param testRows       test rows
     */
    @JsonInline
    public record Data(String train, String test, String task, int trainRows, int validationRows, long testRows) {
    }

    /**
     * How the ε values were chosen and the pruned models retrained (stored among the data set's own fields).
     *
     * @param grid          how the ε values were chosen
     * @param retraining    how the pruned models were retrained (epochs asked and why, batch, learning rate)
     * @param retrainEpochs epochs asked for each retraining
     */
    @JsonInline
    public record Method(String grid, String retraining, int retrainEpochs) {
    }

    /**
     * Every ε tried and the model chosen (stored among the data set's own fields).
     *
     * @param originalValidation the original model's validation metric (accuracy or MSE), the reference of the choice
     * @param rows               one per ε, in increasing ε
     * @param chosen             index into {@code rows} of the model the rule chose, or null when none qualified
     * @param choice             the sentence explaining the choice
     * @param scratch            the chosen topology trained from random weights with the retraining budget, or null
     */
    @JsonInline
    public record Outcome(double originalValidation, List<Row> rows, Integer chosen, String choice,
            Scratch scratch) {

        public Outcome {
            rows = List.copyOf(rows);
        }
    }

    /**
     * The run that measured a data set's figures (stored among the data set's own fields).
     *
     * @param seconds  wall time of this data set, in seconds
     * @param command  the command whose run produced these figures
     * @param finished when it finished (UTC, ISO-8601)
     * @param notes    what was done to the data beyond reading it (rows left out, and why)
     */
    @JsonInline
    public record Run(double seconds, String command, String finished, List<String> notes) {

        public Run {
            notes = notes == null ? List.of() : List.copyOf(notes);
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
     * @param epsilon   the threshold
     * @param size      the pruned network's widths and parameters
     * @param pwr       test figures pruned, without retraining
     * @param pr        test figures pruned and retrained
     * @param retrained how its retraining went
     */
    public record Row(double epsilon, Size size, Figures pwr, Figures pr, Retrained retrained) {
    }

    /**
     * A pruned network's size (stored among its row's own fields).
     *
     * @param architecture     the pruned network's widths
     * @param parameters       its weights and biases
     * @param weights          its weights only
     * @param reductionPercent parameters removed, in percent of the original's
     */
    @JsonInline
    public record Size(String architecture, long parameters, long weights, double reductionPercent) {
    }

    /**
     * How a pruned network's retraining went (stored among its row's own fields).
     *
     * @param epochsRun          retraining epochs run
     * @param bestEpoch          retraining epoch kept (0: the pruned weights were not improved on)
     * @param validationBefore   validation metric before retraining
     * @param validationAfter    validation metric after retraining (what the choice reads)
     * @param changeFromOriginal share of training rows whose class changed (or MSE change share), what the choice
     *                           also reads for classifiers
     */
    @JsonInline
    public record Retrained(int epochsRun, int bestEpoch, double validationBefore, double validationAfter,
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
