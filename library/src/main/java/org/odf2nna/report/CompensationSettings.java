package org.odf2nna.report;

/**
 * How the pruned units were compensated for.
 *
 * @param used    "lsq" or "mean": the compensation of the written (and retrained) models, and of the PWR column
 * @param ridge   least squares' ridge, relative to the kept units' average variance
 * @param fitData the rows least squares was fitted on, in words
 * @param fitRows how many
 */
public record CompensationSettings(String used, double ridge, String fitData, long fitRows) {
}
