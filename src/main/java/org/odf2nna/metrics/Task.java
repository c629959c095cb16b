package org.odf2nna.metrics;

import java.util.Locale;
import org.odf2nna.InputException;
import org.odf2nna.network.OutputHead;

/**
 * What the network predicts, which decides how its outputs are read and which metrics apply.
 *
 * <p>Inferred from the output layer: several outputs are class scores (argmax is the class); a single
 * output behind a Sigmoid head is the probability of class 1; a single raw output is a regression value.
 * {@code --task classification} on a single raw output reads it as a logit of class 1.
 */
public enum Task {
    CLASSIFICATION, REGRESSION;

    public static Task parse(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "classification":
            case "class":
            case "binary":
                return CLASSIFICATION;
            case "regression":
                return REGRESSION;
            default:
                throw InputException.usage("--task: unknown task '" + text + "'; use classification or regression");
        }
    }

    public static Task infer(int outputs, OutputHead head) {
        if (outputs > 1 || head == OutputHead.SIGMOID || head == OutputHead.SOFTMAX || head == OutputHead.LOG_SOFTMAX) {
            return CLASSIFICATION;
        }
        return REGRESSION;
    }

    /** Number of classes a classifier with this output layer tells apart. */
    public static int classCount(int outputs) {
        return outputs == 1 ? 2 : outputs;
    }

    public String displayName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
