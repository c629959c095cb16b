/**
 * The {@code bench} command's measurements (scoring, memory, retraining, inference, CSV speed). Nothing in the
 * library uses it.
 */
package org.odf2nna.harness.bench;
