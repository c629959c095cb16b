/*
 * The ranking and compensation comparison of docs/research/graphs.md: one graph sweep per ranking on the MNIST test file cut at
 * row 5,000 (rows 1-5,000 validate, 5,001-10,000 only report), units measured on the first 5,000 training rows.
 *
 *   ./mvnw -B -o -q compile -pl library && ./mvnw -B -o -q dependency:build-classpath -pl library \
 *       -Dmdep.outputFile=target/cp.txt
 *   javac -cp library/target/classes:$(cat library/target/cp.txt) -d target/probe scripts/probes/GraphRankingProbe.java
 *   java -cp target/probe:library/target/classes:$(cat library/target/cp.txt) GraphRankingProbe MODEL.onnx \
 *       IMPACT,COST,STD [LSQ|MEAN]
 *
 * (Since issue 49 the graph sweep takes SweepSettings: the rankings are --rank's, STD normalised per block, and LSQ is
 * the sequential refit. BLOCK_RANK, raw STD and per-block LEAST_SQUARES, in docs/research/graphs.md's tables, were run with
 * this probe at commit 7a3ed62.)
 *
 * (The shared data folder is read at ../shared/data, beside the checkout: run from the repository's root, or edit the
 * two paths below for another place.)
 */
import java.nio.file.Path;
import org.odf2nna.graph.*;
import org.odf2nna.onnx.OnnxModelFile;
public class GraphRankingProbe {
  public static void main(String[] a) {
    Path f = Path.of(a[0]);
    var m = OnnxModelFile.read(f);
    var in = GraphRows.dataInput(m, f);
    var train = GraphRows.read(Path.of("../shared/data/mnist-train.csv.gz"), in.valuesPerRow(), null, 5000);
    var test = GraphRows.read(Path.of("../shared/data/mnist-test.csv.gz"), in.valuesPerRow(), null, 10000);
    int h = 5000;
    var val = new GraphRows(java.util.Arrays.copyOf(test.features(), h*test.width()), test.width(), java.util.Arrays.copyOf(test.labels(), h));
    var rep = new GraphRows(java.util.Arrays.copyOfRange(test.features(), h*test.width(), 10000*test.width()), test.width(), java.util.Arrays.copyOfRange(test.labels(), h, 10000));
    for (String r : a[1].split(",")) {
      var settings = org.odf2nna.settings.SweepSettings.builder().ranking(org.odf2nna.settings.Ranking.valueOf(r))
          .pruning(new org.odf2nna.settings.PruningOptions(org.odf2nna.settings.UnitScore.STD,
              org.odf2nna.settings.Compensation.valueOf(a.length > 2 ? a[2] : "LSQ"), Double.NaN))
          .graphRetraining(org.odf2nna.settings.GraphRetraining.SEQUENTIAL).build();
      var s = GraphRun.of(settings, 0.1).measuredOn(5000, 60000);
      long t0 = System.nanoTime();
      var o = GraphSweep.sweep(m, f, train, val, rep, s, org.odf2nna.Progress.NONE);
      var rp = o.report();
      System.out.printf("%s %s orig val %.4f rep %.4f  (%.1fs)%n", f.getFileName(), r, rp.original().validation().accuracy(), rp.original().report().accuracy(), (System.nanoTime()-t0)/1e9);
      for (var x : rp.outcome().rounds()) System.out.printf("  r%d %s block %.1f%% all %.1f%% val %.4f rep %.4f holds %s%n", x.round(), x.size().widths(), x.size().blockReductionPercent(), x.size().reductionPercent(), x.validation().accuracy(), x.report().accuracy(), x.holds());
      System.out.println("  chosen " + rp.outcome().chosen());
    }
  }
}
