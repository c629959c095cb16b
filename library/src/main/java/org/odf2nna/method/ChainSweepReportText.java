package org.odf2nna.method;

import static org.odf2nna.method.Sweeper.judgedAt;
import static org.odf2nna.method.Sweeper.outsideChain;
import static org.odf2nna.method.Sweeper.reading;

import java.util.List;
import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.method.Sweeper.Sweep;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.InputClip;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OutputClip;
import org.odf2nna.metrics.ChainCertificate;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.report.EpsilonOutcome;
import org.odf2nna.report.Int8Summary;
import org.odf2nna.report.ReportFormat;
import org.odf2nna.settings.Schedule;

/**
 * The words of a chain sweep's report ({@link Sweeper}): the chosen round explained with its promise, the notes on the
 * inputs' and outputs' clips, the int8 weights, the held-out validation rows and the whole model's counts. Its own
 * room because it only puts into sentences what the sweep measured.
 */
final class ChainSweepReportText {

    private ChainSweepReportText() {
    }

    /** The choice's words on the clip, when the inputs were clipped. */
    static String clipNote(ProgressiveSweep.Result pruned, boolean written) {
        if (!pruned.clipped()) {
            return "";
        }
        return String.format(Locale.ROOT, " Inputs clipped to the range of the %d training rows (the validation rows "
                + "judged every round so clipped, the original as it is)%s.", pruned.inputRange().rows(),
                written ? "; the written model holds the clip in front of its dense chain and the range in its "
                + "metadata (" + InputClip.METADATA_KEY + ")" : "");
    }

    /** Regression: the choice's words on the output clip the rounds were judged with (and the written model holds). */
    static String outputClipNote(ProgressiveSweep.Result pruned, boolean written) {
        float[] range = pruned.outputRange();
        if (range == null) {
            return "";
        }
        return String.format(Locale.ROOT, " Outputs clipped to the training targets' range [%s, %s] (every round and "
                + "the original judged so)%s.", ReportFormat.number(range[0]), ReportFormat.number(range[1]),
                written ? "; the written model holds the clip on its output and the range in its metadata ("
                + OutputClip.METADATA_KEY + ")" : "");
    }

    /**
     * The validation rows were held out of the training file: refused when the original scores on them as on rows it
     * was trained on, else the report's warning that they speak of rows like those.
     */
    static String heldOutWarning(Sweep options, Retrainer retrainer, DenseNetwork network, Metrics original,
            boolean accuracy, String validationPlace) {
        // Without test rows there is nothing to compare the validation rows with.
        String seen = original == null ? null : seenByOriginal(retrainer.validationMetric(network),
                retrainer.validationRows(), original, accuracy);
        if (seen != null) {
            throw InputException.uncertifiable(options.retrain().train(), validationPlace, seen + ": the original was "
                    + "most likely trained on them, and rows it was trained on cannot certify its loss on new rows; "
                    + "nothing was written (give rows it never saw with {{VALIDATION}}; for classification they "
                    + "need no labels)");
        }
        return " The validation rows were held out of " + options.retrain().train() + ": if the original "
                + "was trained on them, this speaks of rows like those, not of new ones (give rows it never saw "
                + "with {{VALIDATION}}).";
    }

    /** The report's line on how progressive pruning ran. */
    static String progressiveGrid(Sweep options, int validationRows, boolean accuracy) {
        Schedule schedule = options.settings().schedule();
        String byRows = schedule.share() != Schedule.SHARE_BY_ROWS ? ""
                : String.format(Locale.ROOT, ", the default on %d validation rows (%s%% on %d or more, else %s%%)",
                        validationRows, ReportFormat.number(100 * Schedule.FINE_SHARE), Schedule.FINE_SHARE_ROWS,
                        ReportFormat.number(100 * Schedule.DEFAULT_SHARE));
        return String.format(Locale.ROOT, "progressive: each round removes %s%% of the parameters%s; half as "
                + "much after a round the search did not go on from (%d such in a row end it); steered on at most %d "
                + "training rows; then each round it went on from is judged once on the validation rows, %s, and "
                + "the smallest that holds is written (README, \"sweep\")",
                ReportFormat.number(100 * schedule.shareFor(validationRows)), byRows, Schedule.FAILURES_TO_STOP,
                ProgressivePruning.WATCHED_TRAINING_ROWS, judgedAt(accuracy, reading(options, accuracy)));
    }

    /** What the promise speaks of, in words: the data the validation rows come from, or a new set of them. */
    static String promised(ChainCertificate.Reading reading, int rows) {
        return reading == ChainCertificate.Reading.POPULATION ? "on the data the validation rows come from"
                : "on a new set of " + rows + " rows drawn like them";
    }

    /** {@link Sweeper#int8Summary} in words, for the choice line. */
    static String int8Note(Int8Summary int8) {
        List<Integer> floatLayers = int8.fallback().floatLayers();
        String kept = floatLayers.isEmpty() ? "none" : String.join(", ", floatLayers.stream().map(String::valueOf)
                .toList());
        StringBuilder layers = new StringBuilder();
        for (Int8Summary.Layer l : int8.layers()) {
            layers.append(layers.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT, "layer %d %s (change "
                    + "%s, %d bytes of weights, outputs within %s of the float round's by itself)", l.layer(),
                    l.storedAs(), ReportFormat.number(l.change()), l.weightBytes(),
                    ReportFormat.number(l.maxDifferenceFromFloat())));
        }
        return String.format(Locale.ROOT, " Weights int8 with a scale per unit%s (what the search went by and the "
                + "validation rows judged); layers kept float: %s (a layer stays float when its int8 form alone "
                + "changes more than %s of the tolerance's share of the float round's predictions on the watched "
                + "training rows); %s; %d -> %d bytes; outputs within %s of the float round's on %d check rows.",
                int8.form().equals("int8") ? ", on integer kernels" : ", weight-only", kept,
                ReportFormat.percent(int8.fallback().fallbackShare()), layers, int8.size().bytesBefore(),
                int8.size().bytesAfter(), ReportFormat.number(int8.check().maxDifferenceFromFloat()),
                int8.check().checkRows());
    }

    /**
     * Whether the original does clearly better on the validation rows than on the evaluation rows, in words, or null.
     * Classification: a one-sided two-proportion test at 99%; regression: an MSE there below two thirds of the one on
     * the evaluation rows (squared errors are too heavy-tailed for a normal test on a few hundred rows). The evaluation
     * rows only tell whether the validation rows can be trusted: they choose nothing among the rounds.
     */
    static String seenByOriginal(double there, int rows, Metrics onEval, boolean accuracy) {
        long evalRows = onEval.rows();
        if (rows < 2 || evalRows < 2) {
            return null;
        }
        if (accuracy) {
            double a = onEval.primaryValue();
            double pooled = (there * rows + a * evalRows) / (rows + evalRows);
            double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / rows + 1.0 / evalRows));
            boolean seen = se == 0 ? there > a : (there - a) / se > 2.326;
            return seen ? String.format(Locale.ROOT, "the original scores %s on them, %s on the evaluation rows",
                    ReportFormat.percent(there), ReportFormat.percent(a)) : null;
        }
        double mse = onEval.primaryValue();
        return rows >= 30 && evalRows >= 30 && there < mse * 2 / 3 ? String.format(Locale.ROOT, "the original's MSE "
                + "is %s on them, %s on the evaluation rows", ReportFormat.number(there), ReportFormat.number(mse))
                : null;
    }

    /**
     * Where weights lie outside the dense chain, the choice's words on what the counts are: the whole model's, and
     * the head's alone beside them.
     */
    static String wholeModel(OnnxDenseModel model, DenseNetwork network, List<EpsilonOutcome> outcomes,
            Integer chosen) {
        long outside = outsideChain(model, network);
        if (chosen == null || outside <= 0) {
            return "";
        }
        long before = network.parameterCount();
        long after = outcomes.get(chosen).network().parameters() - outside;
        return String.format(Locale.ROOT, " Parameter counts and shares are the whole model's, the %d parameters in "
                + "front of the dense chain (kept as they are) included; of the head alone: %d -> %d, %.1f%% fewer.",
                outside, before, after, 100.0 * (before - after) / before);
    }

    /** The tolerance in words. */
    static String limit(double maxDrop, boolean accuracy) {
        return accuracy ? ReportFormat.number(maxDrop) + (maxDrop == 1 ? " accuracy point" : " accuracy points")
                : ReportFormat.number(maxDrop) + "% of the original's MSE";
    }

    static String explainBound(List<EpsilonOutcome> outcomes, int chosen, double maxDrop, boolean accuracy,
            ChainCertificate.Reading reading) {
        String limit = limit(maxDrop, accuracy);
        EpsilonOutcome o = outcomes.get(chosen);
        LossBound b = o.bound();
        String measured = accuracy
                ? String.format(Locale.ROOT, "%d of %d predictions changed, loss %.2f points; these rows "
                        + "certify down to %.2f at its level", b.changed(), b.rows(), 100 * b.estimate(),
                        100 * b.certified())
                : String.format(Locale.ROOT, "MSE %+.1f%%; these rows certify down to %.1f%% at this level",
                        100 * b.estimate(), 100 * b.certified());
        return String.format(Locale.ROOT, "%s (%d parameters, %.1f%% fewer), the smallest round that held: each "
                + "round the search went on from was judged on the validation rows, %s. The promise (%s reading): "
                + "over repeated runs, at most 5%% write a model that loses more than %s %s%s (%s): %s", o.step(),
                o.network().parameters(), o.reductionPercent(), judgedAt(accuracy, reading), reading.option(), limit,
                promised(reading, b.rows()), accuracy && !b.gainsOffsetLosses()
                        ? ", counting every changed prediction as lost" : "", b.rule(), measured);
    }
}
