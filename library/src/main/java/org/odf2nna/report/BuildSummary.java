package org.odf2nna.report;

import java.util.List;

/**
 * The general model a {@code build} made.
 *
 * @param output          the ONNX file written
 * @param data            the training CSV
 * @param task            classification or regression
 * @param network         its size
 * @param sizing          eq. 2 with the numbers filled in
 * @param trainRows       rows used for the Adam steps
 * @param validationRows  rows held out for early stopping
 * @param training        epochs run, best epoch and validation metric
 * @param features        the feature columns, in input order
 * @param target          the target column
 */
public record BuildSummary(String output, String data, String task, NetworkSummary network, String sizing,
        int trainRows, int validationRows, TrainingSummary training, List<String> features, String target) {

    public BuildSummary {
        features = List.copyOf(features);
    }
}
