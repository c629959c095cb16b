// One row per run against batches: an integer-form int8 file's accuracy on a labelled CSV (label last, 10 classes)
// when ONNX Runtime runs its rows alone and in batches of 16, 256, 1024 and all, and how many predictions differ.
// Usage (after ./mvnw -q -B package -DskipTests): java -cp "cli/target/odf2nna-onnx-cli.jar:cli/target/lib/*" \
//     scripts/int8/Int8Batches.java MODEL.onnx ROWS.csv
import java.nio.file.*; import java.util.*;
import org.odf2nna.onnx.*; import org.odf2nna.Device;
public class Int8Batches {
  public static void main(String[] a) throws Exception {
    OnnxDenseModel m = DenseChainReader.read(Path.of(a[0]));
    List<String> lines = Files.readAllLines(Path.of(a[1]));
    String[] head = lines.get(0).split(",");
    int width = head.length - 1, n = lines.size() - 1;
    float[] x = new float[n * width]; int[] y = new int[n];
    for (int r = 0; r < n; r++) { String[] p = lines.get(r + 1).split(",");
      for (int i = 0; i < width; i++) x[r * width + i] = Float.parseFloat(p[i]); y[r] = (int) Float.parseFloat(p[width]); }
    try (OnnxRunner run = OnnxRunner.open(m.model(), m.input(), Device.CPU, Path.of(a[0]))) {
      for (int batch : new int[] {1, 16, 256, 1024, n}) {
        int correct = 0; int changed = 0;
        float[] one = run.runEachRow(x, n, width, List.of(m.outputName())).get(m.outputName());
        for (int s = 0; s < n; s += batch) {
          int rows = Math.min(batch, n - s);
          float[] out = batch == 1 ? Arrays.copyOfRange(one, s * 10, (s + rows) * 10)
              : run.run(Arrays.copyOfRange(x, s * width, (s + rows) * width), rows, width, List.of(m.outputName())).get(m.outputName());
          for (int r = 0; r < rows; r++) { int best = 0, b1 = 0;
            for (int j = 1; j < 10; j++) { if (out[r*10+j] > out[r*10+best]) best = j; if (one[(s+r)*10+j] > one[(s+r)*10+b1]) b1 = j; }
            if (best == y[s + r]) correct++; if (best != b1) changed++; }
        }
        System.out.printf("batch %d: accuracy %.2f%%, %d predictions differ from one row per run%n", batch, 100.0 * correct / n, changed);
      }
    }
  }
}
