package org.odf2nna.harness.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.Training;
import org.odf2nna.settings.Distillation;

/**
 * Retraining time per epoch of a whole ONNX graph (a ViT, a Mixer, a CNN): the tool's {@code GraphRetrainer}
 * (TensorFlow Java, the ONNX graph translated op by op) against PyTorch executing the same ONNX graph
 * (scripts/bench/bench_retrain_graph_torch.py), on the same rows, trained initializers (every float initializer),
 * distillation, batch size, optimizer and thread count. Each run is a process of its own, frameworks interleaved.
 */
public final class GraphRetrainBench {

    static final int EVALUATION_BATCH = 1024;

    private GraphRetrainBench() {
    }

    public static BenchReport.Section run(Path model, Path train, RetrainBench.Plan plan) {
        String name = model.getFileName().toString().replaceAll("\\.onnx$", "");
        BenchReport.Section section = new BenchReport.Section("retrain",
                "whole-graph retraining time per epoch, TensorFlow Java (GraphRetrainer) vs PyTorch on the same ONNX "
                        + "graph, CPU, same thread count",
                "graph", "rows (train/held out), steps/epoch", "threads", "TF Java s/epoch: mean [epoch 1, later]",
                "PyTorch s/epoch: mean [epoch 1, later]", "TF / PyTorch, mean epoch", "TF / PyTorch, later epochs",
                "CPU s/epoch TF / PyTorch (ratio)", "last train loss TF / PyTorch");
        String torchVersion = plan.torchVersion();
        settings(section, plan, torchVersion);
        Path dir = plan.work().resolve("retrain-graph-" + name);
        int[] sizes = prepare(model, train, dir, plan.maxRows(), plan.epochs(), plan.batchSize());
        List<Object> figures = new ArrayList<>();
        for (int t : plan.threads()) {
            RetrainRuns runs = RetrainRuns.interleaved(plan, torchVersion, GraphRetrainProbe.class, dir,
                    "retrain-graph-" + name, t);
            section.setting("TensorFlow", "TensorFlow Java runtime " + runs.tfVersion);
            int steps = (sizes[0] + plan.batchSize() - 1) / plan.batchSize();
            section.row(name + " (" + sizes[2] + " parameters)", sizes[0] + "/" + sizes[1] + ", " + steps,
                    Integer.toString(t), runs.tf.describe(), runs.torch == null ? "-" : runs.torch.describe(),
                    runs.ratio.format(3), runs.laterRatio.format(3), runs.cpuCell(),
                    runs.tfLoss + " / " + runs.torchLoss);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("graph", name);
            f.put("threads", t);
            f.put("stepsPerEpoch", steps);
            f.put("tfMeanEpochSeconds", Stats.median(runs.tf.mean()));
            f.put("tfMeanEpochCpuSeconds", Stats.median(runs.tfCpu.mean()));
            if (runs.torch != null) {
                f.put("torchMeanEpochSeconds", Stats.median(runs.torch.mean()));
                f.put("torchMeanEpochCpuSeconds", Stats.median(runs.torchCpu.mean()));
                f.put("tfOverTorchMeanEpoch", runs.ratio.median());
                f.put("tfOverTorchLaterEpochs", runs.laterRatio.median());
                f.put("tfOverTorchCpu", runs.cpuRatio.median());
                section.note(String.format(Locale.ROOT, "%s, %d thread%s: TF Java / PyTorch = %s per epoch over whole "
                        + "runs, %s on epochs after the first.", name, t, t == 1 ? "" : "s", runs.ratio.format(3),
                        runs.laterRatio.format(3)));
            }
            figures.add(f);
        }
        section.figure("runs", figures);
        return section;
    }

    private static void settings(BenchReport.Section section, RetrainBench.Plan plan, String torchVersion) {
        section.setting("method", "each run a fresh process (child JVM / " + (plan.python() == null ? "no Python"
                : plan.python()) + "), " + plan.epochs() + " epochs, batch " + plan.batchSize() + ", Adam lr 0.001, "
                + "every float initializer trained, distillation from the same graph (hard weight "
                + Distillation.DEFAULT.hardWeight() + ", T " + Distillation.DEFAULT.temperature() + ") with the "
                + "labels; an epoch = the mini-batch steps + scoring the held-out fifth + keeping the best values, as "
                + "GraphRetrainer does; medians over " + plan.repeats() + " repeats, frameworks interleaved; ratios "
                + "are medians of per-repeat ratios");
        section.setting("PyTorch", torchVersion == null ? "not available: TensorFlow figures only" : torchVersion
                + " executing the ONNX graph node by node in eager mode (autograd), shape arithmetic in numpy; "
                + "torch.set_num_threads(threads), set_num_interop_threads(1)");
        section.setting("TensorFlow threads", "intra-op threads from -D" + Odf2nna.TENSORFLOW_THREADS_PROPERTY
                + " (1 is the tool's default), inter-op 1");
    }

    /**
     * Writes the problem (problem.json, rows.f32, labels.f32): the first {@code maxRows} rows of the CSV, whose first
     * columns are the graph's input values and whose column "label" (else the last) the class id. Returns {training
     * rows, held-out rows, parameters}.
     */
    static int[] prepare(Path model, Path train, Path dir, int maxRows, int epochs, int batchSize) {
        try {
            Training.GraphParameters graph = Training.graphParameters(model);
            int width = graph.valuesPerRow();
            List<String> trainable = graph.trainable();
            long parameters = graph.parameters();
            List<float[]> rows = new ArrayList<>();
            List<Float> labels = new ArrayList<>();
            readRows(train, width, maxRows > 0 ? maxRows : Integer.MAX_VALUE, rows, labels);
            int n = rows.size();
            Files.createDirectories(dir);
            ByteBuffer x = ByteBuffer.allocate(n * width * 4).order(ByteOrder.LITTLE_ENDIAN);
            rows.forEach(row -> {
                for (float v : row) {
                    x.putFloat(v);
                }
            });
            Files.write(dir.resolve("rows.f32"), x.array());
            ByteBuffer y = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            labels.forEach(y::putFloat);
            Files.write(dir.resolve("labels.f32"), y.array());
            Files.writeString(dir.resolve("problem.json"), problem(model, n, width, epochs, batchSize, trainable)
                    .toString());
            int held = (int) Math.round(n * 0.2);
            return new int[] {n - held, held, (int) parameters};
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the retraining problem in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The first {@code limit} rows of the CSV: {@code width} input values each, and the "label" (else last) column. */
    private static void readRows(Path train, int width, int limit, List<float[]> rows, List<Float> labels)
            throws IOException {
        try (InputStream raw = Files.newInputStream(train);
             BufferedReader r = new BufferedReader(new InputStreamReader(train.toString().endsWith(".gz")
                     ? new GZIPInputStream(raw) : raw, StandardCharsets.US_ASCII))) {
            String[] header = r.readLine().split(",");
            int label = header.length - 1;
            for (int i = 0; i < header.length; i++) {
                if (header[i].trim().equalsIgnoreCase("label")) {
                    label = i;
                }
            }
            String line;
            while (rows.size() < limit && (line = r.readLine()) != null) {
                String[] cells = line.split(",");
                float[] x = new float[width];
                int k = 0;
                for (int i = 0; i < cells.length && k < width; i++) {
                    if (i != label) {
                        x[k++] = Float.parseFloat(cells[i]);
                    }
                }
                rows.add(x);
                labels.add(Float.parseFloat(cells[label]));
            }
        }
    }

    /** problem.json: what both frameworks' runs read besides the rows. */
    private static JsonObject problem(Path model, int rows, int width, int epochs, int batchSize,
            List<String> trainable) {
        JsonObject p = new JsonObject();
        p.addProperty("model", model.toAbsolutePath().toString());
        p.addProperty("rows", rows);
        p.addProperty("width", width);
        p.addProperty("epochs", epochs);
        p.addProperty("batchSize", batchSize);
        p.addProperty("learningRate", 1e-3);
        p.addProperty("seed", 0);
        p.addProperty("validationShare", 0.2);
        p.addProperty("temperature", Distillation.DEFAULT.temperature());
        p.addProperty("hardWeight", Distillation.DEFAULT.hardWeight());
        p.addProperty("evaluationBatch", EVALUATION_BATCH);
        JsonArray names = new JsonArray();
        trainable.forEach(names::add);
        p.add("trainable", names);
        return p;
    }
}
