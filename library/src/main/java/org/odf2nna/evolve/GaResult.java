package org.odf2nna.evolve;

import java.util.List;

/**
 * What a search found.
 *
 * @param best         the best mask seen (highest fitness, fewest set bits among equals)
 * @param bestFitness  its fitness
 * @param generations  the best individual after the initial population (generation 0) and after every
 *                     further {@code population} children (a steady-state generation), and at the end
 * @param evaluations  fitness evaluations made (never more than the budget)
 * @param cacheHits    children whose mask had been evaluated before, answered from the cache
 * @param children     children produced after the initial population
 * @param stalled      true when the search stopped before the budget because it kept producing masks it
 *                     had already seen (a converged population)
 */
public record GaResult(Mask best, double bestFitness, List<Generation> generations, int evaluations, int cacheHits,
        int children, boolean stalled) {

    public GaResult {
        generations = List.copyOf(generations);
    }

    /**
     * @param generation   0 for the initial population
     * @param evaluations  fitness evaluations made so far
     * @param bestFitness  the best fitness in the population
     * @param bestActive   set bits of the best individual
     */
    public record Generation(int generation, int evaluations, double bestFitness, int bestActive) {
    }
}
