package org.odf2nna.report;

/**
 * The paper's Algorithm 1 end to end: the general model built and trained, then the ε sweep on it.
 *
 * @param general the general model
 * @param sweep   the sweep, with the chosen model
 */
public record RunReport(BuildSummary general, SweepReport sweep) {
}
