package org.odf2nna.method;

import org.odf2nna.network.Activation;
import org.odf2nna.settings.BuildFiles;
import org.odf2nna.settings.Task;

/**
 * How to build the paper's general model, in the method's terms ({@link ModelBuilder#build(BuildFiles,
 * org.odf2nna.settings.BuildSettings, org.odf2nna.Progress)} makes it of the files and settings).
 *
 * @param files      the labelled training rows (CSV; its target column, or the last one, and rows per read) and the
 *                   ONNX file to write
 * @param task       the task, or null to infer it from the target values
 * @param layers     NL, hidden layers of equal width
 * @param budget     NP, the parameter budget of eq. 2, or null for the number of training rows
 * @param units      a width to use instead of eq. 2's, or null
 * @param activation activation of the hidden layers
 * @param training   epochs (as {@code retrainEpochs}), batch size, learning rate, seed, validation share, patience
 */
record BuildOptions(BuildFiles files, Task task, int layers, Long budget, Integer units, Activation activation,
        RetrainOptions training) {
}
