package org.odf2nna.report;

import java.util.List;
import org.odf2nna.metrics.Metrics;

/**
 * Everything an evolve run measured: the original model, how the search went, and the model it wrote (its JSON fields
 * are those of the parts, in this order, among its own).
 *
 * @param evaluated       the model file and the rows it was evaluated on
 * @param original        the original network
 * @param originalMetrics metrics of the original model (OR), null without targets
 * @param search          what was searched and how
 * @param generations     the best fitness after the initial population and after every generation
 * @param outcome         the model written
 * @param retraining      the retraining settings
 */
public record EvolveReport(
        Evaluated evaluated,
        NetworkSummary original,
        Metrics originalMetrics,
        Search search,
        List<Generation> generations,
        Outcome outcome,
        Retraining retraining) {

    public EvolveReport {
        generations = List.copyOf(generations);
    }

    /**
     * The model and the rows it was evaluated on.
     *
     * @param model the input model file
     * @param data  the evaluation CSV (never used for the search's choices)
     * @param rows  evaluation rows
     * @param task  classification or regression
     */
    @JsonInline
    public record Evaluated(String model, String data, long rows, String task) {
    }

    /**
     * What was searched and how (its JSON fields are those of the parts, in this order, among its own).
     *
     * @param target  "units" or "features"
     * @param layers  1-based hidden layers searched (empty for features)
     * @param bits    bits per mask
     * @param ga      the genetic algorithm's settings
     * @param fitness how an individual was scored
     * @param effort  what the search spent, and whether it stopped early
     */
    public record Search(String target, List<Integer> layers, int bits, Ga ga, Fitness fitness, Effort effort) {

        public Search {
            layers = List.copyOf(layers);
        }
    }

    /**
     * The genetic algorithm's settings.
     *
     * @param population individuals
     * @param budget     fitness evaluations allowed
     * @param mutation   chance that a child has one bit flipped
     * @param seed       seed of the search, the validation split and the training
     * @param threads    fitness evaluations run at once
     */
    @JsonInline
    public record Ga(int population, int budget, double mutation, long seed, int threads) {
    }

    /**
     * How an individual was scored.
     *
     * @param fitnessEpochs  fine-tuning epochs per evaluation (0: mean folding only)
     * @param fitnessMetric  "accuracy" or "mse", measured on the validation rows
     * @param validationRows training rows held out to measure fitness
     */
    @JsonInline
    public record Fitness(int fitnessEpochs, String fitnessMetric, int validationRows) {
    }

    /**
     * What the search spent.
     *
     * @param evaluations fitness evaluations made
     * @param cacheHits   children answered from the cache
     * @param children    children produced after the initial population
     * @param stalled     whether the search stopped early, having converged
     */
    @JsonInline
    public record Effort(int evaluations, int cacheHits, int children, boolean stalled) {
    }

    /**
     * @param generation  0 for the initial population
     * @param evaluations fitness evaluations made so far
     * @param best        the best individual's validation figure (accuracy, or MSE)
     * @param bestActive  units (or features) the best individual keeps
     */
    public record Generation(int generation, int evaluations, double best, int bestActive) {
    }

    /**
     * The model written (its JSON fields are those of the parts, in this order, among its own).
     *
     * @param output              the file written
     * @param mask                the best mask, bit 0 first ("1" keeps)
     * @param kept                what the best mask keeps
     * @param figures             the best mask's fitness, and the masked network before and after retraining
     * @param maxOutputDifference largest difference between the written file's outputs in ONNX Runtime and the
     *                            internal network's on the sample rows
     * @param training            how retraining went
     * @param compensation        "lsq" or "mean": how the mask became the network of PWR, retrained and written
     * @param both                PWR with each compensation
     */
    public record Outcome(String output, String mask, Kept kept, Figures figures, double maxOutputDifference,
            TrainingSummary training, String compensation, BothCompensations both) {
    }

    /**
     * What the best mask keeps.
     *
     * @param network          size of the smaller network
     * @param reductionPercent share of the original parameters removed, in percent
     * @param unitsKept        units kept per hidden layer
     * @param featuresKept     names of the input columns kept (feature selection), else null
     */
    @JsonInline
    public record Kept(NetworkSummary network, double reductionPercent, List<Integer> unitsKept,
            List<String> featuresKept) {

        public Kept {
            unitsKept = List.copyOf(unitsKept);
            featuresKept = featuresKept == null ? null : List.copyOf(featuresKept);
        }
    }

    /**
     * The best mask's figures.
     *
     * @param validation the best mask's validation figure (its fitness)
     * @param pruned     metrics of the masked network before retraining (PWR), null without targets
     * @param retrained  metrics after retraining (PR), null without targets
     */
    @JsonInline
    public record Figures(double validation, Metrics pruned, Metrics retrained) {
    }

    /**
     * PWR with each compensation.
     *
     * @param prunedMeanFolding  PWR with mean folding, null without targets
     * @param prunedLeastSquares PWR with least squares (fitted on the training part of the split), null without
     *                           targets
     */
    @JsonInline
    public record BothCompensations(Metrics prunedMeanFolding, Metrics prunedLeastSquares) {
    }
}
