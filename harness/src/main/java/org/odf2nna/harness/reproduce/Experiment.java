package org.odf2nna.harness.reproduce;

import java.util.List;
import org.odf2nna.settings.Task;

/**
 * One run of the method in a table: either the whole of Algorithm 1 on a training file (build the general
 * model, then sweep ε), or a sweep of a model given in the shared folder.
 *
 * @param id             its name, for {@code --only} and in the results
 * @param data           its training and test files, and which test rows count
 * @param model          a model to prune, relative to the shared folder, or null to build the general model
 * @param task           classification or regression
 * @param general        how the general model is built
 * @param batchSize      rows per Adam step, for building and retraining
 * @param originalEpochs epochs the given model was trained for (retraining takes 15% of them), or null
 * @param grid           the ε values: how many to derive, or which
 */
public record Experiment(String id, Data data, String model, Task task, GeneralModel general, int batchSize,
        Integer originalEpochs, Grid grid) {

    /**
     * An experiment's files.
     *
     * @param train       training file, relative to the shared folder
     * @param test        test file, relative to the shared folder (only ever measured on)
     * @param testClasses when set, test rows whose target is not a class id 0..testClasses−1 are left out (and
     *                    counted in the results), for a test file known to end in a cut row; null: none
     */
    public record Data(String train, String test, Integer testClasses) {
    }

    /**
     * How the general model is built.
     *
     * @param layers       hidden layers (NL)
     * @param units        their width, or null for eq. 2's
     * @param epochs       epochs at most
     * @param learningRate Adam's learning rate (retraining uses 0.001)
     */
    public record GeneralModel(int layers, Integer units, int epochs, float learningRate) {

        /** Patience of the training, as {@code build} sets it: a tenth of the epochs, at least 10. */
        public int patience() {
            return Math.max(10, epochs / 10);
        }
    }

    /**
     * The ε values.
     *
     * @param steps    ε values to derive from the spread of the unit scores on the training rows
     * @param epsilons ε values to use instead, or empty
     */
    public record Grid(int steps, List<Double> epsilons) {

        public Grid {
            epsilons = List.copyOf(epsilons);
        }
    }

    /** Learning rate of every retraining (the tool's default for fine-tuning). */
    public static final float RETRAIN_LEARNING_RATE = 0.001f;
    /** Share of the training file held out as validation rows (early stopping and the choice). */
    public static final double VALIDATION_SHARE = 0.2;

    /**
     * Whether the tool's defaults run beside the paper's rule. Not on general models of 1000-unit layers (Table 3):
     * progressive rounds, each retraining on 60,000 rows, take hours there on 2 cores.
     */
    public boolean runsDefaults() {
        return general.units() == null || general.units() < 1000;
    }

    public boolean buildsGeneralModel() {
        return model == null;
    }

    /** A general-model experiment with eq. 2's width and the tool's defaults (3 layers, 300 epochs, batch 32). */
    static Experiment general(String id, String train, String test, Task task) {
        return new Experiment(id, new Data(train, test, null), null, task, new GeneralModel(3, null, 300, 0.01f), 32,
                null, new Grid(8, List.of()));
    }

    Experiment withBudget(int newEpochs, int newSteps) {
        return new Experiment(id, data, model, task, new GeneralModel(general.layers(), general.units(), newEpochs,
                general.learningRate()), batchSize, originalEpochs, new Grid(newSteps, grid.epsilons()));
    }

    /** The same experiment, leaving out test rows whose target is not one of {@code classes} class ids. */
    Experiment withTestClasses(int classes) {
        return new Experiment(id, new Data(data.train(), data.test(), classes), model, task, general, batchSize,
                originalEpochs, grid);
    }
}
