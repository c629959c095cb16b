package org.odf2nna.metrics;

/** Quality figures of a model on a labelled data set. */
public sealed interface Metrics permits Metrics.Classification, Metrics.Regression {

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
}
