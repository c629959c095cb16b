package org.odf2nna.tf;

import org.odf2nna.settings.Task;

/** The training loss, chosen by the task and the output layer. */
public enum Loss {
    /** Several classes: cross-entropy of the softmax of the logits (whatever head the graph has). */
    SOFTMAX_CROSS_ENTROPY,
    /** One output for two classes: cross-entropy of the sigmoid of the logit. */
    SIGMOID_CROSS_ENTROPY,
    /** Regression. */
    MEAN_SQUARED_ERROR;

    public static Loss forTask(Task task, int outputs) {
        if (task == Task.REGRESSION) {
            return MEAN_SQUARED_ERROR;
        }
        return outputs == 1 ? SIGMOID_CROSS_ENTROPY : SOFTMAX_CROSS_ENTROPY;
    }

    /** Whether a higher validation figure is better: accuracy for classification, MSE otherwise. */
    boolean metricHigherIsBetter() {
        return this != MEAN_SQUARED_ERROR;
    }
}
