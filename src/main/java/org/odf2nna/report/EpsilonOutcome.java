package org.odf2nna.report;

import java.util.List;
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
 * @param pruned                  metrics of the pruned model without retraining (PWR), null without targets
 * @param retrained               metrics after retraining (PR), null when not retrained
 * @param maxOutputDifference     largest difference between the written file's outputs in ONNX Runtime
 *                                and the internal network's on the sample rows
 * @param training                how retraining went, null when not retrained
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
        TrainingSummary training) {

    public EpsilonOutcome {
        unitsKept = List.copyOf(unitsKept);
    }

    /** An outcome without retraining. */
    public EpsilonOutcome(double epsilon, String output, NetworkSummary network, double reductionPercent,
            List<Integer> unitsKept, int layersAllBelowThreshold, Metrics pruned, Metrics retrained,
            double maxOutputDifference) {
        this(epsilon, output, network, reductionPercent, unitsKept, layersAllBelowThreshold, pruned, retrained,
                maxOutputDifference, null);
    }
}
