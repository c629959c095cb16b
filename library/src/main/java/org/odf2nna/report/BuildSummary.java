package org.odf2nna.report;

import java.util.List;

/**
 * The general model a {@code build} made (its JSON fields are those of the parts, in this order, among its own).
 *
 * @param output   the ONNX file written
 * @param data     the training CSV
 * @param task     classification or regression
 * @param network  its size
 * @param sizing   eq. 2 with the numbers filled in
 * @param split    how the training CSV's rows were split
 * @param training epochs run, best epoch and validation metric
 * @param columns  what the model reads and predicts
 */
public record BuildSummary(String output, String data, String task, NetworkSummary network, String sizing,
        Split split, TrainingSummary training, Columns columns) {

    /**
     * How a build split the training CSV's rows.
     *
     * @param trainRows      rows used for the Adam steps
     * @param validationRows rows held out for early stopping
     */
    @JsonInline
    public record Split(int trainRows, int validationRows) {
    }

    /**
     * The columns a built model reads and predicts.
     *
     * @param features the feature columns, in input order
     * @param target   the target column
     */
    @JsonInline
    public record Columns(List<String> features, String target) {

        public Columns {
            features = List.copyOf(features);
        }
    }
}
