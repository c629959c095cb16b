package org.odf2nna.report;

import java.util.List;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.metrics.Metrics;

/**
 * One row of the paper's table: the model pruned at one ε.
 *
 * @param epsilon                 the threshold
 * @param output                  the file written, or null when none was
 * @param network                 size of the pruned network
 * @param reductionPercent        share of the original parameters removed, in percent
 * @param unitsKept               units kept per hidden layer
 * @param layersAllBelowThreshold hidden layers in which no unit passed ε (each keeps its best unit)
 * @param pruned                  metrics of the pruned model without retraining (PWR), null without targets, with
 *                                the compensation the report names (the one written and retrained)
 * @param retrained               metrics after retraining (PR), null when not retrained
 * @param maxOutputDifference     largest difference between the written file's outputs in ONNX Runtime
 *                                and the internal network's on the sample rows
 * @param training                how retraining went, null when not retrained
 * @param prunedMeanFolding       PWR with mean folding, null without targets
 * @param prunedLeastSquares      PWR with least-squares compensation, null without targets or when not computed
 * @param refit                   how least squares refitted each layer, empty when it did not run
 * @param step                    the row's name when it is not a threshold ("round 3" of progressive pruning), else
 *                                null
 * @param bound                   the loss bound on the validation rows that the choice reads, or null when the choice
 *                                does not use one
 */
public record EpsilonOutcome(
        double epsilon,
        String output,
        NetworkSummary network,
        double reductionPercent,
        List<Integer> unitsKept,
        int layersAllBelowThreshold,
        Metrics pruned,
        Metrics retrained,
        double maxOutputDifference,
        TrainingSummary training,
        Metrics prunedMeanFolding,
        Metrics prunedLeastSquares,
        List<RefitLayer> refit,
        String step,
        LossBound bound) {

    public EpsilonOutcome {
        unitsKept = List.copyOf(unitsKept);
        refit = refit == null ? List.of() : List.copyOf(refit);
    }

    /** How the row is named in tables: its step, or its ε. */
    public String label() {
        return step != null ? step : "ε=" + ReportFormat.number(epsilon);
    }

    /** The same outcome, naming another output file (or none). */
    public EpsilonOutcome withOutput(String newOutput) {
        return new EpsilonOutcome(epsilon, newOutput, network, reductionPercent, unitsKept, layersAllBelowThreshold,
                pruned, retrained, maxOutputDifference, training, prunedMeanFolding, prunedLeastSquares, refit, step,
                bound);
    }
}
