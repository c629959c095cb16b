// The written file judged again, in ONNX Runtime: on labelled rows (label last, 10 classes), how many predictions of
// an int8 file (run one row per call) differ from the original's (one batch), and both accuracies: for a sweep's
// output on its validation rows, the figures its choice line reports as judged.
// Usage (after ./mvnw -q -B package -DskipTests): java -cp "cli/target/odf2nna-onnx-cli.jar:cli/target/lib/*" \
//     scripts/int8/Int8Changed.java ORIGINAL.onnx INT8.onnx ROWS.csv
import java.nio.file.*; import java.util.*;
import org.odf2nna.onnx.*; import org.odf2nna.Device;
public class Int8Changed {
  public static void main(String[] a) throws Exception {
    OnnxDenseModel o = DenseChainReader.read(Path.of(a[0])), q = DenseChainReader.read(Path.of(a[1]));
    List<String> lines = Files.readAllLines(Path.of(a[2]));
    int width = lines.get(0).split(",").length - 1, n = lines.size() - 1;
    float[] x = new float[n * width]; int[] y = new int[n];
    for (int r = 0; r < n; r++) { String[] p = lines.get(r + 1).split(",");
      for (int i = 0; i < width; i++) x[r * width + i] = Float.parseFloat(p[i]); y[r] = (int) Float.parseFloat(p[width]); }
    float[] fo, fq;
    try (OnnxRunner r = OnnxRunner.open(o.model(), o.input(), Device.CPU, Path.of(a[0]))) { fo = r.run(x, n, width, List.of(o.outputName())).get(o.outputName()); }
    try (OnnxRunner r = OnnxRunner.open(q.model(), q.input(), Device.CPU, Path.of(a[1]))) { fq = r.runEachRow(x, n, width, List.of(q.outputName())).get(q.outputName()); }
    int changed = 0, co = 0, cq = 0;
    for (int r = 0; r < n; r++) { int bo = 0, bq = 0; for (int j = 1; j < 10; j++) { if (fo[r*10+j] > fo[r*10+bo]) bo = j; if (fq[r*10+j] > fq[r*10+bq]) bq = j; }
      if (bo != bq) changed++; if (bo == y[r]) co++; if (bq == y[r]) cq++; }
    System.out.printf("%d of %d predictions changed; accuracy %.2f%% -> %.2f%% (loss %.2f points)%n", changed, n, 100.0*co/n, 100.0*cq/n, 100.0*(co-cq)/n);
  }
}
