package org.odf2nna.method;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.odf2nna.Device;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.OutputHead;
import org.odf2nna.network.TestNetworks;
import org.odf2nna.onnx.InputSignature;
import org.odf2nna.onnx.OnnxModelBuilder;
import org.odf2nna.settings.Task;

/**
 * Not a test: the resident memory of a sweep's table alone ({@link ModelScan#evaluateAll} of many 28-W-W-W-2 networks
 * over a CSV of 28 features and a label), sampled from /proc/self/status every 2 s (docs/research/PERFORMANCE.md, "The sweep's
 * table over one reading of the rows"). Runs only when asked, in the JVM the launcher would start:
 * {@code java -Xmx2300m -XX:MaxNewSize=256m -cp library/target/classes:library/target/test-classes:cli/target/lib/*
 * org.odf2nna.method.EvaluateAllMemoryProfile ROWS.csv COUNT [WIDTH]}, or through Maven with
 * {@code -Dtest=EvaluateAllMemoryProfile -Dodf2nna.evaluateAllProfile=ROWS.csv,COUNT}.
 */
class EvaluateAllMemoryProfile {

    @Test
    void profile() throws IOException, InterruptedException {
        String asked = System.getProperty("odf2nna.evaluateAllProfile");
        assumeTrue(asked != null, "a profile, run only with -Dodf2nna.evaluateAllProfile=ROWS.csv,COUNT");
        main(asked.split(","));
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path csv = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int width = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        Random random = new Random(1);
        InputSignature input = new InputSignature("x", org.odf2nna.onnx.proto.OnnxProto.TensorProto.DataType
                .FLOAT_VALUE, new long[] {-1, 28});
        List<ModelScan.Evaluated> models = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            DenseNetwork network = TestNetworks.random(random, new int[] {28, width, width, width, 2},
                    Activation.RELU, OutputHead.SOFTMAX);
            models.add(new ModelScan.Evaluated(OnnxModelBuilder.build(network, "x", "y", Map.of()), input, network,
                    csv.resolveSibling("profile" + m + ".onnx"), "y"));
        }
        EvalData data = new EvalData(csv, ColumnRequest.of(-1, null, ColumnRequest.Target.REQUIRED), 1024);
        long[] peak = new long[1];
        Thread sampler = new Thread(() -> {
            long start = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                long rss = residentKb();
                peak[0] = Math.max(peak[0], rss);
                Runtime rt = Runtime.getRuntime();
                System.out.printf(Locale.ROOT, "%6.0f s  rss %6d MB  heap used %5d MB of %5d MB committed%n",
                        (System.nanoTime() - start) / 1e9, rss >> 10, (rt.totalMemory() - rt.freeMemory()) >> 20,
                        rt.totalMemory() >> 20);
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
        List<Metrics> metrics = ModelScan.evaluateAll(count, models::get, data, Task.CLASSIFICATION, Device.CPU,
                Progress.NONE);
        sampler.interrupt();
        sampler.join();
        double cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        System.out.printf(Locale.ROOT, "%d networks of width %d over %s: peak sampled rss %d MB, %.1f CPU s%n", count,
                width, csv.getFileName(), Math.max(peak[0], residentKb()) >> 10, cpu);
        System.out.println("first: " + metrics.get(0));
        System.out.println("last: " + metrics.get(count - 1));
    }

    private static long residentKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // no /proc: report nothing
        }
        return 0;
    }
}
