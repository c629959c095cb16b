package org.odf2nna.cli;

import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.OutputDecoding;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a graph is fed and judged, for sweep and shrink on graphs: the shape of its rows where the model leaves it open,
 * its other inputs ({@link GraphFeedOptions}), and what its first output decodes to.
 */
final class GraphInputOptions {

    @Mixin
    GraphFeedOptions feed;

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
        return feed.modelInputs();
    }

    /** How a graph's first output is read when a row is judged. */
    OutputDecoding decoding() {
        return Flags.built(() -> decode == null ? new OutputDecoding(OutputDecoding.Kind.AUTO, threshold, 0)
                : OutputDecoding.parse(decode, threshold));
    }

}
