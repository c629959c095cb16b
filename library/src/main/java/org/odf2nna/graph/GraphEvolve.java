package org.odf2nna.graph;

import java.util.List;
import org.odf2nna.Progress;
import org.odf2nna.evolve.Fitness;
import org.odf2nna.evolve.Mask;
import org.odf2nna.onnx.WeightStorage;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.report.SweepReport;
import org.odf2nna.settings.OutputDecoding;

/**
 * {@code evolve} on a graph (EvoPruneDeepTL over a graph's blocks): the units of every block (channels, an attention's
 * heads, a residual stream's channels) make one mask ({@link BlockMasks}); a mask is judged as the chain's search
 * judges one, by the validation accuracy of the graph it leaves with each dropped unit's mean folded into the next
 * layer and nothing refitted ({@link BlockPruner.Compensation#MEAN}, statistics measured once on training rows), run
 * whole in ONNX Runtime; the best mask becomes a round exactly as a sweep's round is made ({@link GivenUnitsRound}: refit
 * towards the original, retraining end to end). The genetic search itself is the chain's ({@code evolve}'s
 * {@code SteadyStateGa}), run by the caller.
 */
public final class GraphEvolve {

    private GraphEvolve() {
    }

    /**
     * A graph made ready for the search, and the search's fitness: validation accuracy of the mean-folded graph (the
     * share of predictions the original's kept, without labels), higher is better; equal fitness goes to fewer units.
     *
     * @param from       the original as read
     * @param hoisted    its weights hoisted (what the written model's storage is restored from)
     * @param canonical  the canonical form the rounds prune (attentions rewritten, the row shape fixed)
     * @param masks      the blocks of {@code canonical} as one mask
     * @param moments    each block's unit statistics on the training rows
     * @param validation the rows masks are judged on
     * @param original   the original's decoded prediction for each validation row
     * @param settings   the round's settings (device, statistics rows, compensation, retraining)
     */
    public record Search(GivenUnitsRound.Original from, WeightStorage.Hoisted hoisted, ModelProto canonical,
            BlockMasks masks, List<BlockStatistics.Moments> moments, GraphRows validation, int[] original,
            GraphRun settings) implements Fitness {

        @Override
        public double evaluate(Mask mask) {
            SweepReport.Judged j = judged(meanFolded(mask), validation);
            return validation.labelled() ? j.accuracy() : 1.0 - (double) j.lost() / Math.max(1, j.rows());
        }

        /** The graph a mask leaves, its dropped units' means folded, nothing refitted: what the fitness runs. */
        public ModelProto meanFolded(Mask mask) {
            return BlockPruner.prune(canonical, from.file(), masks.blocks(), moments, masks.dropped(mask),
                    BlockPruner.Compensation.MEAN).model();
        }

        /** The parameters of {@code model} (the canonical form, or a graph made from it), as the sweep counts them. */
        public long parameters(ModelProto model) {
            return new GraphView(model, from.file()).parameters();
        }

        /** {@code model} (canonical form) on {@code rows}: accuracy, rows lost and gained against the original. */
        public SweepReport.Judged judged(ModelProto model, GraphRows rows) {
            // A decoder per run: it records what it read the output as, and masks are judged on several threads.
            Decoder decoder = new Decoder(OutputDecoding.DEFAULT);
            int[] before = rows == validation ? original : GraphSweep.predict(canonical, from.file(), from.feed(),
                    rows, settings.device(), decoder);
            int[] predicted = GraphSweep.predict(model, from.file(), from.feed(), rows, settings.device(), decoder);
            return GraphClassJudging.judge(predicted, before, rows.labelled() ? rows.labels() : null);
        }
    }

    /**
     * The search over {@code from}'s blocks: the canonical form, its blocks, their statistics on the first training
     * rows, and the original's predictions on the validation rows.
     *
     * @throws org.odf2nna.InputException UNCERTIFIABLE when the graph has no blocks
     */
    public static Search prepare(GivenUnitsRound.Original from, GraphRows training, GraphRows validation,
            GraphRun settings) {
        WeightStorage.Hoisted hoisted = WeightStorage.hoist(from.stored());
        GraphSweep.Found found = GraphSweep.found(hoisted.model(), from.file(), from.feed(), training,
                settings.device());
        if (found.blocks().isEmpty()) {
            throw GraphSweep.noBlocks(from.file());
        }
        ModelProto canonical = found.canonical().model();
        List<DenseBlock> blocks = found.blocks();
        List<BlockStatistics.Moments> moments = BlockStatistics.measure(canonical, from.file(), blocks,
                training.first(settings.statisticsRows()), from.feed(), settings.device(), settings.samples());
        int[] original = GraphSweep.predict(canonical, from.file(), from.feed(), validation, settings.device(),
                new Decoder(OutputDecoding.DEFAULT));
        return new Search(from, hoisted, canonical, BlockMasks.of(blocks), moments, validation, original, settings);
    }

    /**
     * The best mask made a round as a sweep makes one ({@link GivenUnitsRound#run}): its units dropped from the canonical
     * form, the second layers refitted towards the original, retrained end to end where the settings say.
     */
    public static GivenUnitsRound.Made round(Search search, Mask best, GraphRows training, Progress progress) {
        RoundGraphsProgress told = RoundGraphsProgress.progressOnly(progress);
        return GivenUnitsRound.made(search.from(), search.canonical(), training, blocks -> search.masks().dropped(best,
                blocks), 1, search.settings(), told);
    }

    /**
     * {@code round} as it is written: the weights stored back where the original stored them and its input declared
     * as the original declares it, checked to compute what {@code round} computes on the first validation rows.
     */
    public static ModelProto written(Search search, ModelProto round) {
        GraphFeed feed = search.from().feed();
        ModelProto written = search.hoisted().restore(feed.reopened(round));
        GraphSweep.checkSame(round, written, search.from().file(), feed,
                search.validation().first(GraphSweep.CHECK_WRITTEN), search.settings().device());
        return written;
    }
}
