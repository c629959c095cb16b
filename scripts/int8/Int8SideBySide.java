// A float ONNX file and any number of int8 files of it timed side by side in one run, as convert times two: each in
// its own ONNX Runtime session with one intra-op thread, batch 1 and a larger batch, interleaved over 5 repetitions,
// the median of each (onnx.SideBySide); each file's ratios against the first. For the table of docs/research/int8.md.
// Usage (after ./mvnw -q -B package -DskipTests): java -cp "cli/target/odf2nna-onnx-cli.jar:cli/target/lib/*" \
//     scripts/int8/Int8SideBySide.java ROWS.csv BATCH FLOAT.onnx INT8.onnx [INT8.onnx ...]
import java.nio.file.*; import java.util.*;
import org.odf2nna.onnx.*; import org.odf2nna.graph.GraphRows; import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
public class Int8SideBySide {
  public static void main(String[] a) throws Exception {
    int batch = Integer.parseInt(a[1]);
    List<ModelProto> models = new ArrayList<>(); List<Path> files = new ArrayList<>();
    for (int i = 2; i < a.length; i++) { files.add(Path.of(a[i])); models.add(OnnxModelFile.read(Path.of(a[i]))); }
    InputSignature input = GraphRows.dataInput(models.get(0), files.get(0));
    float[] rows = GraphRows.read(Path.of(a[0]), input.valuesPerRow(), null, 256).features();
    SideBySide s = SideBySide.measure(models, files, input, rows, batch, 1);
    System.out.printf("| file | batch 1 µs | batch 1 latency ratio | batch %d µs a batch | batch %d rows/s ratio |%n", batch, batch);
    System.out.println("|---|---:|---:|---:|---:|");
    for (int m = 0; m < models.size(); m++) {
      System.out.printf(Locale.ROOT, "| %s | %.1f | %.3f× | %.0f | %.3f× |%n", files.get(m).getFileName(), s.oneMicros()[m],
          s.latencyRatio(m), s.batchMicros()[m], s.throughputRatio(m));
    }
  }
}
