package org.odf2nna.cli;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import picocli.CommandLine.Option;

/**
 * How a graph is fed and judged, for sweep and shrink on graphs: the shape of its rows where the model leaves it open,
 * its other inputs, and what its first output decodes to.
 */
final class GraphInputOptions {

    @Option(names = "--input-shape", paramLabel = "SHAPE",
            description = "The shape of one row of the model's input, the batch axis left out (3,48,192), where the "
                    + "model leaves sizes open: each data row is reshaped to it. The written model keeps the "
                    + "sizes open as the original has them.")
    String inputShape;

    @Option(names = "--input", paramLabel = "NAME=VALUE|FILE",
            description = "What another input of the graph gets: a constant (state=0, sr=16000) or rows of its own "
                    + "(mask=train-mask.csv,val-mask.csv,test-mask.csv: one file per data file, in the order the "
                    + "command reads them). Repeat for each input. An .npz data file may hold an input's rows as an "
                    + "array named after it.")
    List<String> inputs;

    @Option(names = "--prune-input", paramLabel = "NAME",
            description = "The graph input the data files feed (default: the one input --input does not give).")
    String pruneInput;

    @Option(names = "--decode", paramLabel = "KIND",
            description = "What the first output is, for judging a graph's rows: auto (default: told from its "
                    + "shape), class (one class vector), positions (a class at every position: argmax over the class "
                    + "axis), ctc or ctc:BLANK (a CTC head: argmax per position, repeats and blanks removed; blank "
                    + "0 by default) or map (a probability map, thresholded at --threshold). A row changes when its "
                    + "decoded output changes.")
    String decode;

    @Option(names = "--threshold", paramLabel = "P", defaultValue = "0.5",
            description = "Where a probability map is on, with --decode map (or a single-channel map told from its "
                    + "shape). Default: ${DEFAULT-VALUE}.")
    double threshold;

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

    /** How a graph's first output is read when a row is judged. */
    OutputDecoding decoding() {
        return Flags.built(() -> decode == null ? new OutputDecoding(OutputDecoding.Kind.AUTO, threshold, 0)
                : OutputDecoding.parse(decode, threshold));
    }

}
