package org.odf2nna.cli;

import org.odf2nna.InputException;
import org.odf2nna.settings.Distillation;
import picocli.CommandLine.Option;

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
        if (targetWeight != null && (!(targetWeight >= 0) || targetWeight > 1)) {
            throw InputException.usage("--target-weight must be between 0 and 1, got " + targetWeight);
        }
        if (temperature != null && (!(temperature > 0) || temperature.isInfinite())) {
            throw InputException.usage("--temperature must be a number > 0, got " + temperature);
        }
        return new Distillation(targetWeight != null ? targetWeight : fallback.hardWeight(),
                temperature != null ? temperature : fallback.temperature());
    }

    /** Whether either option was given. */
    boolean given() {
        return targetWeight != null || temperature != null;
    }
}
