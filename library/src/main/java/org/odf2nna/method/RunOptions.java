package org.odf2nna.method;

import java.nio.file.Path;
import org.odf2nna.settings.SweepSettings;

/**
 * Algorithm 1 end to end: build the general model, then sweep it.
 *
 * @param build  how to build the general model (its {@code output} is where the general model goes; its training
 *               rows are the sweep's too)
 * @param test   rows the metrics are reported on
 * @param sweep  how the general model is swept; its task is the general model's, its retraining epochs (when not
 *               set) 15% of those the general model ran
 * @param output where the chosen model goes
 * @param report JSON report, or null
 * @param chart  chart base path, or null
 */
public record RunOptions(BuildOptions build, EvalData test, SweepSettings sweep, Path output, Path report,
        Path chart) {

    public RunOptions {
        java.util.Objects.requireNonNull(build, "build");
        java.util.Objects.requireNonNull(test, "test");
        java.util.Objects.requireNonNull(sweep, "sweep");
    }
}
