// Accuracy of graph models on labelled rows, as ONNX Runtime runs them: the argmax of the first output, a file that
// quantizes its inputs at run time (DynamicQuantizeLinear: convert --quantize int8's dynamic form) one row per call,
// any other in batches; and how many predictions differ from the first model's. For docs/research/int8.md's graph figures.
// Usage (after ./mvnw -q -B package -DskipTests): java -cp "cli/target/odf2nna-onnx-cli.jar:cli/target/lib/*" \
//     scripts/int8/Int8GraphAccuracy.java ROWS.csv ORIGINAL.onnx INT8.onnx...
import java.nio.file.*; import java.util.*;
import org.odf2nna.graph.*; import org.odf2nna.onnx.*; import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
public class Int8GraphAccuracy {
  public static void main(String[] a) throws Exception {
    GraphRows rows = null; int[] first = null;
    for (int i = 1; i < a.length; i++) {
      Path p = Path.of(a[i]); ModelProto m = OnnxModelFile.read(p); InputSignature in = GraphRows.dataInput(m, p);
      if (rows == null) rows = GraphRows.read(Path.of(a[0]), in.valuesPerRow(), null, Integer.MAX_VALUE);
      boolean dynamic = m.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("DynamicQuantizeLinear"));
      int[] pred = GraphSweep.predict(m, p, in, rows, org.odf2nna.Device.CPU, dynamic);
      int right = 0, changed = 0;
      for (int r = 0; r < pred.length; r++) { right += pred[r] == rows.labels()[r] ? 1 : 0; changed += first != null && pred[r] != first[r] ? 1 : 0; }
      if (first == null) first = pred;
      System.out.printf("%s: accuracy %.2f%% on %d rows%s; %d predictions differ from the first model's; %d bytes%n", a[i],
          100.0 * right / pred.length, pred.length, dynamic ? " (one row per call)" : "", changed, Files.size(p));
    }
  }
}
