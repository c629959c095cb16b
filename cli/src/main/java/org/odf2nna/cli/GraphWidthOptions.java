package org.odf2nna.cli;

import org.odf2nna.InputException;
import org.odf2nna.settings.Budget;
import org.odf2nna.settings.RoundTo;
import org.odf2nna.settings.SweepSettings;
import picocli.CommandLine.Option;

/** What a graph's rounds count and the widths they keep (graph models only). */
final class GraphWidthOptions {

    @Option(names = "--round-to", paramLabel = "N",
            description = "Graph models: keep every pruned block's width a multiple of N through every round, the "
                    + "refit and the written file (Torch-Pruning's round_to; 1 turns it off). Default: "
                    + "16 for convolution channels and 8 for MatMul/Gemm units, so that ONNX Runtime's CPU kernels "
                    + "keep their blocked layout (NCHWc blocks of 8 channels with AVX2, 16 with AVX-512); 8 for "
                    + "everything when the output is .keras or .h5 (TensorFlow Lite's mobile kernels). An "
                    + "attention's heads and a block narrower than N are not rounded.")
    Integer roundTo;

    @Option(names = "--budget", paramLabel = "params|macs|latency", defaultValue = "params",
            description = "Graph models: what each round removes a share of, and what a unit's cost in the ranking "
                    + "is: params (the default), the blocks' parameters; macs, their multiply-adds per row, each "
                    + "unit's score divided by the multiply-adds it saves, so that among units of like cost to the "
                    + "output those that save more compute go first; latency, their time per row on this machine: "
                    + "each block layer timed alone in ONNX Runtime once (batch 1 and --latency-batch, "
                    + "--latency-threads), its multiply-adds weighed by its time per multiply-add (docs/graphs.md).")
    String budget;

    /** {@code settings} with the rounding and the budget asked for; without --round-to, the default for {@code output}. */
    SweepSettings applyTo(SweepSettings settings, java.nio.file.Path output) {
        Budget b = Budget.parse(budget);
        if (b == null) {
            throw InputException.usage("--budget must be params, macs or latency, got '" + budget + "'");
        }
        SweepSettings out = settings.withBudget(b);
        return out.withRoundTo(roundTo == null ? RoundTo.defaultFor(output) : Flags.built(() -> RoundTo.of(roundTo)));
    }
}
