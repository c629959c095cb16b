package org.odf2nna.settings;

/**
 * Parameters of the steady-state genetic algorithm, with the published defaults of EvoPruneDeepTL.
 *
 * @param population          individuals kept
 * @param evaluations         fitness evaluations allowed, the initial population included; masks found in the
 *                            cache are not evaluated again and do not count
 * @param mutationProbability chance that a child has one of its bits flipped
 * @param seed                seeds every random choice of the search
 * @param threads             fitness evaluations run at once (the result does not depend on it)
 */
public record GaSettings(int population, int evaluations, double mutationProbability, long seed, int threads) {

    public static final int DEFAULT_POPULATION = 30;
    /** Evaluations when one layer (or the input features) is searched. */
    public static final int DEFAULT_EVALUATIONS = 200;
    /** Evaluations when two or more layers are searched at once. */
    public static final int DEFAULT_EVALUATIONS_SEVERAL_LAYERS = 300;
    public static final double DEFAULT_MUTATION = 0.07;
    /** Candidates drawn for the second parent, the one farthest from the first (Hamming distance) wins. */
    public static final int SECOND_PARENT_CANDIDATES = 3;

    public GaSettings {
        if (population < 2) {
            throw new IllegalArgumentException("the population needs at least 2 individuals, got " + population);
        }
        if (evaluations < population) {
            throw new IllegalArgumentException("the evaluations (" + evaluations + ") must cover the initial "
                    + "population (" + population + ")");
        }
        if (!(mutationProbability >= 0 && mutationProbability <= 1)) {
            throw new IllegalArgumentException("the mutation probability must be in [0, 1], got " + mutationProbability);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
    }

    /** The published evaluations for a search over {@code layers} layers (a feature search counts as one). */
    public static int defaultEvaluations(int layers) {
        return layers >= 2 ? DEFAULT_EVALUATIONS_SEVERAL_LAYERS : DEFAULT_EVALUATIONS;
    }
}
