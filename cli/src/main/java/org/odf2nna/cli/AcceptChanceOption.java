package org.odf2nna.cli;

import org.odf2nna.settings.CsvReading;
import picocli.CommandLine.Option;

/** {@code --accept-chance}: the commands that prune a model refuse rows its original is at chance on without it. */
final class AcceptChanceOption {

    @Option(names = "--accept-chance",
            description = "Go on when the original model scores no better than chance on the evaluation or "
                    + "validation rows (Cohen's kappa 0.1 or less). Without it such rows, most likely rows of another "
                    + "model or read in another column order or layout, are refused with exit 1 and nothing is "
                    + "written.")
    boolean acceptChance;

    /** {@code csv} with this choice. */
    CsvReading applyTo(CsvReading csv) {
        return new CsvReading(csv.label(), csv.inferenceBatch(), acceptChance);
    }
}
