package org.odf2nna.evolve;

/**
 * How good a mask is; higher is better. The search calls it from several threads at once and caches its
 * answers, so it must be thread-safe and give the same value for the same mask every time. NaN counts as
 * worse than any number.
 */
@FunctionalInterface
public interface Fitness {
    double evaluate(Mask mask);
}
