package org.odf2nna.cli;

import picocli.CommandLine.Option;
import org.odf2nna.settings.Distillation;

/** How much the original network guides retraining (distillation). */
final class DistillCliOptions {

    @Option(names = "--target-weight", paramLabel = "W",
            description = "Weight of the targets in the retraining loss; the rest goes to the original network's "
                    + "outputs (distillation). 1 trains on the targets alone, as the paper does; 0 on the original's "
                    + "outputs alone. A --train file without a target column is trained on the original's outputs "
                    + "alone. Default: " + "0.1" + ".")
    Double targetWeight;

    @Option(names = "--temperature", paramLabel = "T",
            description = "Softens the original's probabilities before the pruned network is trained towards them "
                    + "(classification). Default: 2.")
    Double temperature;

    /** The distillation asked for, or {@code fallback} where the options are not given. */
    Distillation options(Distillation fallback) {
        return Flags.built(() -> new Distillation(targetWeight != null ? targetWeight : fallback.hardWeight(),
                temperature != null ? temperature : fallback.temperature()));
    }

    /** Whether either option was given. */
    boolean given() {
        return targetWeight != null || temperature != null;
    }
}
