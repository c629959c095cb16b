/**
 * EvoPruneDeepTL's steady-state genetic search over unit and feature masks. Uses {@code network} and
 * {@code prune}.
 */
package org.odf2nna.evolve;
