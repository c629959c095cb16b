package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.SweepSettings;

/** A round with its heads given, not ranked: the control's entry into the sweep's own prune, refit and retraining. */
class GivenUnitsRoundTest {

    private static final Path FILE = BlockFinderTest.FILE;
    private static final int T = 6;
    private static final int E = 8;

    private static GraphRows rows(int count) {
        return new GraphRows(Graphs.rows(11, count, T * E), T * E, null);
    }

    /** Head 1 of the attention outputs zero on every row (its V columns and biases are zero). */
    private static ModelProto deadHead() {
        return AttentionHeadsTest.fusedQkv(AttentionHeadsTest.zeroValues(),
                (g, qk) -> g.node("Mul", "scores", qk, g.constant("scale", 0.5f)), g -> { });
    }

    private static ModelProto canonical(ModelProto model) {
        return AttentionRewrite.rewrite(model, FILE, GraphFeed.of(model, FILE), rows(4), Device.CPU).model();
    }

    private static final GraphRun REFIT_ONLY = GraphRun.of(SweepSettings.builder()
            .graphRetraining(GraphRetraining.SEQUENTIAL).build(), 0.1).measuredOn(300, 100_000);

    /** The round's refitted graph and its one attention block, keeping {@code head} of the canonical form's two. */
    private static ModelProto keeping(ModelProto model, int head, ModelProto[] refitted) {
        ModelProto start = canonical(model);
        DenseBlock attention = BlockFinder.find(new GraphView(start, FILE)).stream().filter(DenseBlock::heads)
                .findFirst().orElseThrow();
        RoundGraphsProgress seen = new RoundGraphsProgress() {
            @Override
            public void update(String phase, long done, long total, String detail) {
            }

            @Override
            public void refitted(int round, ModelProto m) {
                refitted[0] = m;
            }

            @Override
            public void finished(int round, ModelProto m) {
                refitted[1] = m;
            }
        };
        return GivenUnitsRound.run(new GivenUnitsRound.Original(model, FILE, GraphFeed.of(model, FILE)), start, rows(300),
                Map.of(attention.place().firstNode(), new int[] {head}), 3,
                REFIT_ONLY, seen);
    }

    @Test
    void theGivenHeadIsKeptEvenWhereTheRankingWouldDropIt() {
        ModelProto model = deadHead();
        GraphRows check = rows(50);
        float[] original = Graphs.runY(model, GraphFeed.of(model, FILE), check);
        ModelProto[] seen = new ModelProto[2];
        // Keeping head 0 drops the dead head, as the ranking would: the outputs stay.
        ModelProto live = keeping(model, 0, seen);
        assertEquals(seen[1], live);
        assertTrue(seen[0] != null);
        DenseBlock left = BlockFinder.find(new GraphView(live, FILE)).stream().filter(DenseBlock::heads).findFirst()
                .orElseThrow();
        assertEquals(1, left.units());
        assertTrue(Graphs.maxDifference(original, Graphs.runY(live, GraphFeed.of(live, FILE), check)) < 1e-4);
        // Keeping the dead head (the ranking drops it first) loses head 0's contribution: the outputs move.
        ModelProto dead = keeping(model, 1, seen);
        assertEquals(1, BlockFinder.find(new GraphView(dead, FILE)).stream().filter(DenseBlock::heads).findFirst()
                .orElseThrow().units());
        assertTrue(Graphs.maxDifference(original, Graphs.runY(dead, GraphFeed.of(dead, FILE), check)) > 1e-2);
    }

    @Test
    void bothCostsChooseTheLiveHeadAtTheGivenWidth() {
        ModelProto model = deadHead();
        ModelProto start = canonical(model);
        DenseBlock attention = BlockFinder.find(new GraphView(start, FILE)).stream().filter(DenseBlock::heads)
                .findFirst().orElseThrow();
        for (var ranking : List.of(org.odf2nna.settings.Ranking.COST, org.odf2nna.settings.Ranking.GREEDY_COST)) {
            Map<String, int[]> chosen = GivenUnitsRound.chosen(new GivenUnitsRound.Original(model, FILE, GraphFeed.of(model,
                    FILE)), start, rows(300), Map.of(attention.place().firstNode(), 1), ranking, REFIT_ONLY);
            assertEquals(List.of(attention.place().firstNode()), List.copyOf(chosen.keySet()), ranking.name());
            assertEquals(List.of(0),
                    java.util.Arrays.stream(chosen.get(attention.place().firstNode())).boxed().toList(),
                    ranking.name());
        }
    }

    @Test
    void aUnitOutsideItsBlockOrANameOfNoBlockIsRefused() {
        ModelProto start = canonical(deadHead());
        List<DenseBlock> blocks = BlockFinder.find(new GraphView(start, FILE));
        String attention = blocks.stream().filter(DenseBlock::heads).findFirst().orElseThrow().place().firstNode();
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> GivenUnitsRound.dropped(blocks, Map.of(attention, new int[] {2})));
        assertTrue(outside.getMessage().contains("no unit 2"), outside.getMessage());
        IllegalArgumentException unnamed = assertThrows(IllegalArgumentException.class,
                () -> GivenUnitsRound.dropped(blocks, Map.of("nowhere", new int[] {0})));
        assertTrue(unnamed.getMessage().contains("nowhere"), unnamed.getMessage());
        // A block not named keeps every channel; the named one drops head 1's.
        List<boolean[]> drop = GivenUnitsRound.dropped(blocks, Map.of(attention, new int[] {0}));
        for (int b = 0; b < blocks.size(); b++) {
            int dropped = 0;
            for (boolean d : drop.get(b)) {
                dropped += d ? 1 : 0;
            }
            assertEquals(blocks.get(b).heads() ? blocks.get(b).sizes().unitSize() : 0, dropped);
        }
    }
}
