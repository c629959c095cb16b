package org.odf2nna.cli;

import org.odf2nna.settings.UnitPruningBuilder;
import picocli.CommandLine.Option;

/** --clip-inputs of the commands that prune progressively on training rows (sweep, shrink --train, run). */
final class ClipInputsOption {

    @Option(names = "--clip-inputs",
            description = "Hold each input of the written model to the range the training rows cover (a Max and a Min "
                    + "with constant bounds in front of the dense chain), and judge every round on the validation "
                    + "rows with its inputs so held (the original as it is), so that the promise speaks of the model "
                    + "written. Needs --train; progressive pruning only. The range is recorded in the model's "
                    + "metadata (odf2nna.input_range) and the report either way.")
    boolean value;

    /** {@code settings} with the inputs clipped when asked. */
    <B extends UnitPruningBuilder<B>> B applyTo(B settings) {
        return settings.clipInputs(value);
    }
}
