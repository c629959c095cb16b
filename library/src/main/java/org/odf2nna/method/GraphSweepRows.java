package org.odf2nna.method;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.Setting;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRegression;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.GraphRun;
import org.odf2nna.metrics.BoundedRegression;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.SweepFiles;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;

/**
 * The rows a graph sweep reads: training, validation, and the rows only measured (or null); how many training rows are
 * read, and a regressor's targets checked before any round runs.
 */
record GraphSweepRows(GraphRows training, GraphRows validation, GraphRows report) {

    /** Values of training rows held at most (1 GiB of floats): wide rows (images) retrain on fewer rows. */
    static final long MAX_TRAINING_VALUES = 1L << 28;

    /**
     * Reads the rows, their targets as values for a regressor ({@code settings.task()}), and checks that training and
     * validation rows are kept apart. A detector's uint8 images are read /255 by {@link GraphRows} itself
     * ({@link GraphFeed#detectorImages}).
     */
    static GraphSweepRows read(SweepFiles files, GraphFeed feed, List<Path> dataFiles, SweepSettings settings,
            Progress progress) {
        String label = files.csv() == null ? null : files.csv().label();
        boolean regression = settings.task() == Task.REGRESSION;
        int rows = trainingRows(GraphRun.DEFAULT_STATISTICS_ROWS, settings.graphRetraining(), feed, progress,
                files.train());
        if (regression) {
            // The clip is the range of the training targets: every training row (up to 1 GiB of values), as on chains.
            rows = (int) Math.min(Integer.MAX_VALUE, Math.max(rows, MAX_TRAINING_VALUES / Math.max(1, feed.width())));
        }
        // A language model's windows are its own targets: no labels are read (an array of them is left alone).
        boolean windows = settings.task() == Task.NEXT_TOKEN;
        java.util.function.BiFunction<Path, Integer, GraphRows> reader = (file, most) -> windows
                ? GraphRows.inputs(file, dataFiles.indexOf(file), feed, most)
                : GraphRows.read(file, dataFiles.indexOf(file), feed, label, most, regression);
        GraphRows training = reader.apply(files.train(), rows);
        GraphRows validation = reader.apply(files.validation(), Integer.MAX_VALUE);
        ValidationLeakCheck.check(files.train(), ValidationLeakCheck.rows(training), files.validation(), ValidationLeakCheck.rows(validation),
                progress);
        GraphRows report = files.test() == null ? null : reader.apply(files.test(), Integer.MAX_VALUE);
        return new GraphSweepRows(training, validation, report);
    }

    /**
     * A regressor's rows, checked before any round runs: training rows with targets (their range is the clip), and
     * validation rows whose targets lie within it ({@link GraphRegression#checkTargets}); rows only measured need
     * targets, not the range.
     */
    void checkTargets(SweepFiles files) {
        if (training.targets() == null) {
            throw InputException.usage(files.train(), "has no targets: a regressor's outputs are clipped to the "
                    + "range of its training targets, and its rounds are judged against the validation targets");
        }
        BoundedRegression.Range range = GraphRegression.range(training);
        GraphRegression.checkTargets(validation, range, files.validation(), "the validation rows");
        if (report != null && report.targets() == null) {
            throw InputException.usage(files.test(), "has no targets: a regressor's rows are measured by their MSE");
        }
    }

    /**
     * The training rows read: those the units are measured on, and those end-to-end retraining takes where it runs,
     * at most {@link #MAX_TRAINING_VALUES} values (said in a note when that cuts them).
     */
    static int trainingRows(int statistics, GraphRetraining retraining, GraphFeed feed, Progress progress,
            Path train) {
        // Token ids and several inputs retrain end to end too: they were read as statistics rows alone (3,000).
        if (!retraining.endToEnd() || !feed.retrainable()) {
            return statistics;
        }
        long width = Math.max(1, feed.valuesPerRowFed());
        long fit = Math.max(statistics, MAX_TRAINING_VALUES / width);
        if (fit < retraining.rows()) {
            progress.note(train + ": end-to-end retraining takes at most " + fit + " rows of " + width
                    + " values (1 GiB), of the " + retraining.rows() + " " + Setting.GRAPH_ROWS.ref() + " asks for");
            return (int) fit;
        }
        return Math.max(statistics, retraining.rows());
    }
}
