package org.odf2nna.cli;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.settings.ModelInputs;
import picocli.CommandLine.Option;

/**
 * How a graph's inputs are fed, for every command that runs a graph over rows (eval, sweep, shrink): the shape of its
 * rows where the model leaves it open, its other inputs, and the input the data files feed.
 */
final class GraphFeedOptions {

    @Option(names = "--input-shape", paramLabel = "SHAPE",
            description = "The shape of one row of the model's input, the batch axis left out (3,48,192), where the "
                    + "model leaves sizes open: each data row is reshaped to it. The written model keeps the "
                    + "sizes open as the original has them.")
    String inputShape;

    @Option(names = "--input", paramLabel = "NAME=VALUE|FILE",
            description = "What another input of the graph gets: a constant (state=0, sr=16000) or rows of its own "
                    + "(mask=train-mask.csv,val-mask.csv,test-mask.csv: one file per data file, in the order the "
                    + "command reads them). Repeat for each input. Not needed where the data files hold an array "
                    + "named after the input (an .npz array, a Parquet list column).")
    List<String> inputs;

    @Option(names = "--prune-input", paramLabel = "NAME",
            description = "The graph input the data files' rows (array x, a CSV file) feed (default: the one "
                    + "input that neither --input nor an array of the data files named after it gives).")
    String pruneInput;

    /** How a graph's inputs are fed. */
    ModelInputs modelInputs() {
        return Flags.built(() -> {
            List<ModelInputs.Other> others = new ArrayList<>();
            for (String text : inputs == null ? List.<String>of() : inputs) {
                others.add(ModelInputs.parseOther(text));
            }
            return new ModelInputs(inputShape == null ? null : ModelInputs.parseShape(inputShape), pruneInput,
                    others);
        });
    }
}
