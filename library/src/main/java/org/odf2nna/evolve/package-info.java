/**
 * EvoPruneDeepTL's steady-state genetic search over unit and feature masks. Uses {@code network},
 * {@code settings} and {@code prune}.
 */
package org.odf2nna.evolve;
