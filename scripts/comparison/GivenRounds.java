/*
 * The heads' control of docs/research/COMPARISON.md, its other half: another tool's choice of heads and units (Torch-Pruning's,
 * written by vit_control.py --write-choice) pruned, refitted and retrained by the sweep's own steps
 * (org.odf2nna.graph.GivenUnitsRound), from the sweep's round N-1 as VitRounds.java wrote it. Writes OUT/refitted-N.onnx and
 * OUT/retrained-N.onnx in the canonical form vit_control.py reads.
 *
 *   javac -cp 'cli/target/lib/*' -d $RUNS/vitrounds scripts/comparison/GivenRounds.java
 *   java -cp "$RUNS/vitrounds:library/target/classes:cli/target/lib/*" GivenRounds --blocks PREVIOUS.onnx
 *   java -cp "$RUNS/vitrounds:library/target/classes:cli/target/lib/*" GivenRounds MODEL TRAIN PREVIOUS CHOICE OUT N [SEED]
 *
 *   java -cp "$RUNS/vitrounds:library/target/classes:cli/target/lib/*" GivenRounds --choose RANKING MODEL TRAIN PREVIOUS \
 *       WIDTHS CHOICE
 *
 * CHOICE: one line a block, its node name (as --blocks lists them) then the units it keeps (heads from 0).
 * TRAIN: read as the sweep reads it (the first --graph-rows rows, 50,000 by default, for every graph end-to-end
 * retraining takes; 3,000 for the others); SEED: the retraining's (0), or
 * "refit" for no retraining (OUT/refitted-N.onnx only: the choice refitted, judged before any seed's draws).
 * --choose writes CHOICE: the units RANKING (cost, greedy-cost, taylor) keeps in each block of PREVIOUS at the widths of the
 * graph WIDTHS (the sweep's round N, refitted-N.onnx), measured as the sweep measures a round (GivenUnitsRound.chosen).
 */
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.data.NumpyRows;
import org.odf2nna.graph.BlockFinder;
import org.odf2nna.graph.GivenUnitsRound;
import org.odf2nna.graph.GraphFeed;
import org.odf2nna.graph.GraphRows;
import org.odf2nna.graph.GraphRun;
import org.odf2nna.graph.GraphSweep;
import org.odf2nna.graph.RoundGraphsProgress;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.settings.GraphRetraining;
import org.odf2nna.settings.ModelInputs;
import org.odf2nna.settings.Ranking;
import org.odf2nna.settings.RetrainSettings;
import org.odf2nna.settings.SweepSettings;

public class GivenRounds {
    public static void main(String[] a) throws IOException {
        if (a[0].equals("--blocks")) {
            ModelProto m = ModelProto.parseFrom(Files.readAllBytes(Path.of(a[1])));
            for (var b : GraphSweep.describe(m, Path.of(a[1])).blocks()) {
                System.out.println(b.block() + " " + b.layers().first() + " " + b.layers().second() + " " + b.sizes().width());
            }
            return;
        }
        if (a[0].equals("--choose")) {
            choose(a);
            return;
        }
        Path modelFile = Path.of(a[0]);
        ModelProto stored = ModelProto.parseFrom(Files.readAllBytes(modelFile));
        ModelProto previous = ModelProto.parseFrom(Files.readAllBytes(Path.of(a[2])));
        Map<String, int[]> kept = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(a[3]))) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 1) {
                kept.put(f[0], Arrays.stream(f, 1, f.length).mapToInt(Integer::parseInt).toArray());
            }
        }
        Path out = Files.createDirectories(Path.of(a[4]));
        int round = Integer.parseInt(a[5]);
        boolean refitOnly = a.length > 6 && a[6].equals("refit");
        long seed = a.length > 6 && !refitOnly ? Long.parseLong(a[6]) : 0;
        Path train = Path.of(a[1]);
        GraphFeed feed = feed(stored, modelFile, train);
        GraphRows training = training(train, feed);
        GraphRun run = refitOnly ? GraphRun.of(SweepSettings.builder().graphRetraining(GraphRetraining.SEQUENTIAL)
                .build(), 0.1) : run(feed, seed);
        long started = System.nanoTime();
        RoundGraphsProgress dump = new RoundGraphsProgress() {
            @Override
            public void update(String phase, long done, long total, String detail) {
                System.err.printf("%7.0f s  %s %d/%d%s%n", (System.nanoTime() - started) / 1e9, phase, done, total,
                        detail == null ? "" : "  " + detail);
            }

            @Override
            public void refitted(int r, ModelProto model) {
                System.err.printf("%7.0f s  refitted%n", (System.nanoTime() - started) / 1e9);
                write(out.resolve("refitted-" + r + ".onnx"), model);
            }

            @Override
            public void finished(int r, ModelProto model) {
                if (refitOnly) {
                    return;
                }
                write(out.resolve("retrained-" + r + ".onnx"), model);
            }
        };
        GivenUnitsRound.run(new GivenUnitsRound.Original(stored, modelFile, feed), previous, training, kept, round, run, dump);
        System.err.printf("%7.0f s  done%n", (System.nanoTime() - started) / 1e9);
    }

    /** An .npz's x array gives a token-id export's open sequence length, as sweep reads it. */
    private static GraphFeed feed(ModelProto stored, Path modelFile, Path train) {
        return train.toString().endsWith(".npz") ? GraphFeed.resolve(stored, modelFile, ModelInputs.NONE,
                List.of(train), NumpyRows.arrayWidth(train, "x")) : GraphFeed.of(stored, modelFile);
    }

    /**
     * The rows sweep reads (GraphSweepRows.trainingRows): --graph-rows where end-to-end retraining takes the graph (one
     * float input, token ids, several inputs), at most 1 GiB of the values fed; else the statistics' rows.
     */
    private static GraphRows training(Path train, GraphFeed feed) {
        int rows = GraphRun.DEFAULT_STATISTICS_ROWS;
        if (retraining(feed).endToEnd() && feed.retrainable()) {
            long fit = Math.max(rows, (1L << 28) / Math.max(1, feed.valuesPerRowFed()));
            rows = (int) Math.min(fit, Math.max(rows, retraining(feed).rows()));
        }
        GraphRows training = GraphRows.read(train, 0, feed, null, rows);
        System.err.println("training rows read: " + training.count());
        return training;
    }

    /** As sweep resolves it: a graph fed token ids retrains at a tenth of the others' learning rate. */
    private static GraphRetraining retraining(GraphFeed feed) {
        return GraphRetraining.DEFAULT.resolved(feed.integerRows());
    }

    private static GraphRun run(GraphFeed feed, long seed) {
        SweepSettings settings = SweepSettings.builder().retraining(RetrainSettings.builder().seed(seed).build())
                .graphRetraining(retraining(feed)).build();
        return GraphRun.of(settings, 0.1);
    }

    /** --choose RANKING MODEL TRAIN PREVIOUS WIDTHS CHOICE. */
    private static void choose(String[] a) throws IOException {
        Ranking ranking = Ranking.valueOf(a[1].toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        Path modelFile = Path.of(a[2]);
        ModelProto stored = ModelProto.parseFrom(Files.readAllBytes(modelFile));
        Path train = Path.of(a[3]);
        ModelProto previous = ModelProto.parseFrom(Files.readAllBytes(Path.of(a[4])));
        Path widthsFile = Path.of(a[5]);
        Map<String, Integer> widths = new LinkedHashMap<>();
        for (var b : BlockFinder.find(ModelProto.parseFrom(Files.readAllBytes(widthsFile)), widthsFile)) {
            widths.put(b.place().firstNode(), b.units());
        }
        GraphFeed feed = feed(stored, modelFile, train);
        Map<String, int[]> kept = GivenUnitsRound.chosen(new GivenUnitsRound.Original(stored, modelFile, feed), previous,
                training(train, feed), widths, ranking, run(feed, 0));
        StringBuilder out = new StringBuilder();
        kept.forEach((name, units) -> {
            out.append(name);
            for (int u : units) {
                out.append(' ').append(u);
            }
            out.append('\n');
        });
        Files.writeString(Path.of(a[6]), out.toString());
    }

    private static void write(Path file, ModelProto model) {
        try {
            Files.write(file, model.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
