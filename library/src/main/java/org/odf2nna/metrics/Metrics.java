package org.odf2nna.metrics;

/** Quality figures of a model on a labelled data set. */
public sealed interface Metrics permits Metrics.Classification, Metrics.Regression, Metrics.Detection,
        Metrics.Tokens {

    /** The figure the tables lead with: accuracy or mean squared error. */
    String primaryName();

    double primaryValue();

    boolean higherIsBetter();

    long rows();

    /**
     * @param rocAuc area under the ROC curve, for two classes only (NaN otherwise, or when only one
     *               class occurs in the targets)
     */
    record Classification(long rows, int classes, double accuracy, double macroF1, double rocAuc)
            implements Metrics {
        @Override
        public String primaryName() {
            return "accuracy";
        }

        @Override
        public double primaryValue() {
            return accuracy;
        }

        @Override
        public boolean higherIsBetter() {
            return true;
        }
    }

    record Regression(long rows, double mse, double mae, double r2) implements Metrics {
        @Override
        public String primaryName() {
            return "mse";
        }

        @Override
        public double primaryValue() {
            return mse;
        }

        @Override
        public boolean higherIsBetter() {
            return false;
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
        public String primaryName() {
            return "mAP50-95";
        }

        @Override
        public double primaryValue() {
            return map50to95;
        }

        @Override
        public boolean higherIsBetter() {
            return true;
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
        public String primaryName() {
            return "perplexity";
        }

        @Override
        public double primaryValue() {
            return perplexity;
        }

        @Override
        public boolean higherIsBetter() {
            return false;
        }

        /** The mean cross-entropy per position counted, in nats: log of the perplexity. */
        public double meanCrossEntropy() {
            return Math.log(perplexity);
        }
    }
}
