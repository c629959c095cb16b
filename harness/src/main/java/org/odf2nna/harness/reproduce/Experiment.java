package org.odf2nna.harness.reproduce;

import java.util.List;
import org.odf2nna.settings.Task;

/**
 * One run of the method in a table: either the whole of Algorithm 1 on a training file (build the general
 * model, then sweep ε), or a sweep of a model given in the shared folder.
 *
 * @param id             its name, for {@code --only} and in the results
 * @param train          training file, relative to the shared folder
 * @param test           test file, relative to the shared folder (only ever measured on)
 * @param model          a model to prune, relative to the shared folder, or null to build the general model
 * @param task           classification or regression
 * @param layers         hidden layers of the general model (NL)
 * @param units          their width, or null for eq. 2's
 * @param epochs         epochs at most for the general model
 * @param batchSize      rows per Adam step, for building and retraining
 * @param learningRate   Adam's learning rate for building the general model (retraining uses 0.001)
 * @param originalEpochs epochs the given model was trained for (retraining takes 15% of them), or null
 * @param steps          ε values to derive from the spread of the unit scores on the training rows
 * @param epsilons       ε values to use instead, or empty
 * @param testClasses    when set, test rows whose target is not a class id 0..testClasses−1 are left out (and
 *                       counted in the results), for a test file known to end in a cut row; null: none
 */
public record Experiment(String id, String train, String test, String model, Task task, int layers, Integer units,
        int epochs, int batchSize, float learningRate, Integer originalEpochs, int steps, List<Double> epsilons,
        Integer testClasses) {

    public Experiment {
        epsilons = List.copyOf(epsilons);
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
        return units == null || units < 1000;
    }

    public boolean buildsGeneralModel() {
        return model == null;
    }

    /** Patience of the general model's training, as {@code build} sets it: a tenth of the epochs, at least 10. */
    public int patience() {
        return Math.max(10, epochs / 10);
    }

    /** A general-model experiment with eq. 2's width and the tool's defaults (3 layers, 300 epochs, batch 32). */
    static Experiment general(String id, String train, String test, Task task) {
        return new Experiment(id, train, test, null, task, 3, null, 300, 32, 0.01f, null, 8, List.of(), null);
    }

    Experiment withBudget(int newEpochs, int newSteps) {
        return new Experiment(id, train, test, model, task, layers, units, newEpochs, batchSize, learningRate,
                originalEpochs, newSteps, epsilons, testClasses);
    }

    /** The same experiment, leaving out test rows whose target is not one of {@code classes} class ids. */
    Experiment withTestClasses(int classes) {
        return new Experiment(id, train, test, model, task, layers, units, epochs, batchSize, learningRate,
                originalEpochs, steps, epsilons, classes);
    }
}
