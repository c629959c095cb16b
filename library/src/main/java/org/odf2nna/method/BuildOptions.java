package org.odf2nna.method;

import java.nio.file.Path;
import org.odf2nna.network.Activation;
import org.odf2nna.settings.Task;

/**
 * How to build the paper's general model, in the method's terms ({@link ModelBuilder#build(BuildFiles, BuildSettings,
 * org.odf2nna.Progress)} makes it of the files and settings).
 *
 * @param train          labelled training rows (CSV)
 * @param label          target column, or null for the last one
 * @param task           the task, or null to infer it from the target values
 * @param layers         NL, hidden layers of equal width
 * @param budget         NP, the parameter budget of eq. 2, or null for the number of training rows
 * @param units          a width to use instead of eq. 2's, or null
 * @param activation     activation of the hidden layers
 * @param training       epochs (as {@code retrainEpochs}), batch size, learning rate, seed, validation share,
 *                       patience
 * @param inferenceBatch rows per read of the CSV
 * @param output         the ONNX file to write
 */
record BuildOptions(Path train, String label, Task task, int layers, Long budget, Integer units,
        Activation activation, RetrainOptions training, int inferenceBatch, Path output) {
}
