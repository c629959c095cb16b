package org.odf2nna.metrics;

/** Quality figures of a model on a labelled data set. */
public sealed interface Metrics permits Metrics.Classification, Metrics.Regression, Metrics.Detection,
        Metrics.Tokens {

    /** The figure the tables lead with: accuracy or mean squared error. */
    Primary primary();

    default String primaryName() {
        return primary().name();
    }

    default double primaryValue() {
        return primary().value();
    }

    default boolean higherIsBetter() {
        return primary().higherIsBetter();
    }

    long rows();

    /**
     * The figure the tables lead with, one per kind of metrics (so that each kind names it once).
     *
     * @param name           as the tables print it: accuracy, mse, mAP50-95, perplexity
     * @param value          its value
     * @param higherIsBetter whether a larger value is the better model
     */
    record Primary(String name, double value, boolean higherIsBetter) {
    }

    /**
     * @param rocAuc area under the ROC curve, for two classes only (NaN otherwise, or when only one
     *               class occurs in the targets)
     */
    record Classification(long rows, int classes, double accuracy, double macroF1, double rocAuc)
            implements Metrics {
        @Override
        public Primary primary() {
            return new Primary("accuracy", accuracy, true);
        }
    }

    record Regression(long rows, double mse, double mae, double r2) implements Metrics {
        @Override
        public Primary primary() {
            return new Primary("mse", mse, false);
        }
    }

    /**
     * A detector's figures over images, as Ultralytics' val gives them ({@link DetectionMap}).
     *
     * @param rows       images
     * @param classes    classes with ground-truth boxes
     * @param map50      mean AP at IoU 0.50
     * @param map50to95  mean AP over IoU 0.50:0.05:0.95
     * @param truths     ground-truth boxes
     * @param detections detections after NMS
     */
    record Detection(long rows, int classes, double map50, double map50to95, long truths, long detections)
            implements Metrics {
        @Override
        public Primary primary() {
            return new Primary("mAP50-95", map50to95, true);
        }
    }

    /**
     * Classes at every position against a target per position (a language model's next token, labels per position):
     * what a language model is judged by.
     *
     * @param rows        the positions counted (each with a target)
     * @param classes     classes per position (a language model's vocabulary)
     * @param perplexity  exp of the mean cross-entropy per position counted, from the log-softmax of the output in
     *                    double
     * @param accuracy    the share of positions whose argmax is the target
     * @param macroF1     macro F1 over the classes that occur (NaN where it is not measured: a vocabulary)
     * @param windows     the rows (windows) the positions come from
     */
    record Tokens(long rows, int classes, double perplexity, double accuracy, double macroF1, long windows)
            implements Metrics {
        @Override
        public Primary primary() {
            return new Primary("perplexity", perplexity, false);
        }

        /** The mean cross-entropy per position counted, in nats: log of the perplexity. */
        public double meanCrossEntropy() {
            return Math.log(perplexity);
        }
    }
}
