// Where ONNX Runtime spends a run: its own profiler over RUNS runs of one batch of random 0-255 rows, the node time
// summed per operator (share of the total, and µs per run). For docs/research/int8.md's account of the ViT's batch-64 figures.
// Usage (after ./mvnw -q -B package -DskipTests): java -cp "cli/target/odf2nna-onnx-cli.jar:cli/target/lib/*" \
//     scripts/probes/OrtProfile.java MODEL.onnx BATCH RUNS [THREADS]
import ai.onnxruntime.*; import java.nio.*; import java.nio.file.*; import java.util.*; import java.util.regex.*;
public class OrtProfile {
  public static void main(String[] a) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int batch = Integer.parseInt(a[1]), runs = Integer.parseInt(a[2]);
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (a.length > 3) o.setIntraOpNumThreads(Integer.parseInt(a[3]));
      o.enableProfiling(Files.createTempDirectory("ort-profile").resolve("run").toString());
      try (OrtSession s = env.createSession(a[0], o)) {
        String in = s.getInputNames().iterator().next();
        long[] shape = ((TensorInfo) s.getInputInfo().get(in).getInfo()).getShape().clone();
        shape[0] = batch; long n = 1; for (long d : shape) n *= d;
        float[] x = new float[(int) n]; Random r = new Random(1); for (int i = 0; i < x.length; i++) x[i] = r.nextInt(256);
        for (int it = 0; it < runs; it++) {
          try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape); OrtSession.Result res = s.run(Map.of(in, t))) { }
        }
        Path file = Path.of(s.endProfiling()); String json = Files.readString(file); Files.delete(file);
        Matcher m = Pattern.compile("\"cat\" *: *\"Node\".*?\"dur\" *: *(\\d+).*?\"name\" *: *\"[^\"]*_kernel_time\".*?\"op_name\" *: *\"([^\"]*)\"").matcher(json);
        Map<String, Long> by = new TreeMap<>(); long total = 0;
        while (m.find()) { long d = Long.parseLong(m.group(1)); by.merge(m.group(2), d, Long::sum); total += d; }
        List<Map.Entry<String, Long>> e = new ArrayList<>(by.entrySet()); e.sort((u, v) -> Long.compare(v.getValue(), u.getValue()));
        for (var en : e) System.out.printf("%-24s %5.1f%%  %9.1f µs per run%n", en.getKey(), 100.0 * en.getValue() / total, en.getValue() / (double) runs);
      }
    }
  }
}
