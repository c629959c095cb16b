/*
 * The latency budget's layer timing (graph.LayerTimes) run several times on one model, one line per layer and timing:
 * how much a layer's rate (ns per multiply-add) moves between timings, with each model's median run (as the sweep
 * times them) or its fastest (SideBySide.Summary.FASTEST, tried and not kept: docs/graphs.md). Run by scripts/probes/layer_times_spread.py, which makes the models, the load and
 * the table; by hand, from the repository's root after `./mvnw -q -B package -DskipTests`:
 *
 *   javac -cp "cli/target/lib/*" -d target/probe scripts/probes/LayerTimesProbe.java
 *   java -Dodf2nna.native.cache=target/probe-native -cp "target/probe:cli/target/lib/*" \
 *       org.odf2nna.graph.LayerTimesProbe MODEL.onnx TIMINGS median|fastest
 *
 * In LayerTimes' package (it is package-private). Rows are 16 of uniform noise: timing does not depend on the values.
 */
package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.Random;
import java.util.TreeMap;
import org.odf2nna.onnx.Int8LayerTiming;
import org.odf2nna.onnx.MultiplyAdds;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.SideBySide;
import org.odf2nna.onnx.cleaning.ModelCleaner;
import org.odf2nna.settings.LatencyCheck;

public class LayerTimesProbe {
    /** Int8LayerTiming.SIDE_BY_SIDE's timing, each model its fastest run rather than its median. */
    static double[][] fastest(java.util.List<org.odf2nna.onnx.proto.OnnxProto.ModelProto> models, Path file,
            org.odf2nna.onnx.InputSignature input, float[] rows, int batch, int threads) {
        SideBySide s = SideBySide.measure(models, java.util.Collections.nCopies(models.size(), file), input, rows,
                batch, threads, 15_000_000L, SideBySide.Summary.FASTEST);
        double[][] micros = new double[models.size()][];
        for (int m = 0; m < micros.length; m++) {
            micros[m] = new double[] {s.oneMicros()[m], s.batchMicros()[m]};
        }
        return micros;
    }

    public static void main(String[] a) {
        Path file = Path.of(a[0]);
        int timings = Integer.parseInt(a[1]);
        Int8LayerTiming.Timer timer = a[2].equals("fastest") ? LayerTimesProbe::fastest : Int8LayerTiming.SIDE_BY_SIDE;
        var model = ModelCleaner.clean(OnnxModelFile.read(file), file).model();
        var blocks = BlockFinder.find(model, file);
        GraphFeed feed = GraphFeed.of(model, file);
        int width = feed.data().valuesPerRow();
        float[] rows = new float[16 * width];
        Random random = new Random(0);
        for (int i = 0; i < rows.length; i++) {
            rows[i] = random.nextFloat();
        }
        var count = MultiplyAdds.count(model, file);
        for (int k = 0; k < timings; k++) {
            LayerTimes t = LayerTimes.measure(model, file, feed, new GraphRows(rows, width, null), blocks, count,
                    LatencyCheck.DEFAULT, timer);
            for (var e : new TreeMap<>(t.nanosPerMultiplyAdd()).entrySet()) {
                System.out.printf("%s\t%d\t%s\t%.6g%n", a[2], k, e.getKey(), e.getValue());
            }
            System.out.printf("%s\t%d\t#seconds\t%.1f\t%d layers run, %d untimed%n", a[2], k, t.seconds(),
                    t.distinct(), t.untimed().size());
        }
    }
}
