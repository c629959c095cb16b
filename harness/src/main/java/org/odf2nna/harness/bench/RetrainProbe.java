package org.odf2nna.harness.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.TfSessions;
import org.odf2nna.tf.TrainingResult;
import org.tensorflow.TensorFlow;

/**
 * Child process of the retraining benchmark: trains a {@link RetrainFiles} problem with
 * {@link DenseTrainer} (the tool's retraining: Adam steps, validation after every epoch, best weights
 * kept) and prints the wall-clock time of every epoch. TensorFlow's intra-op threads come from
 * {@code -Dodf2nna.tf.threads} ({@link TfSessions}). Argument: the problem's directory.
 */
public final class RetrainProbe {

    private RetrainProbe() {
    }

    public static void main(String[] args) {
        RetrainFiles.Problem p = RetrainFiles.read(Path.of(args[0]));
        List<Long> stamps = new ArrayList<>();
        List<Long> cpu = new ArrayList<>();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long start = System.nanoTime();
        TrainingResult result = DenseTrainer.train(p.network(), p.train(), p.validation(), p.loss(), p.options(),
                (epoch, total) -> {
                    stamps.add(System.nanoTime());
                    cpu.add(os.getProcessCpuTime());
                });
        JsonObject o = new JsonObject();
        o.addProperty("framework", "TensorFlow Java");
        o.addProperty("version", TensorFlow.version());
        o.addProperty("threads", TfSessions.intraOpThreads());
        o.addProperty("setupSeconds", (stamps.get(0) - start) / 1e9);
        JsonArray epochs = new JsonArray();
        for (int i = 1; i < stamps.size(); i++) {
            epochs.add((stamps.get(i) - stamps.get(i - 1)) / 1e9);
        }
        o.add("epochSeconds", epochs);
        JsonArray cpuEpochs = new JsonArray();
        for (int i = 1; i < cpu.size(); i++) {
            cpuEpochs.add((cpu.get(i) - cpu.get(i - 1)) / 1e9);
        }
        o.add("epochCpuSeconds", cpuEpochs);
        JsonArray losses = new JsonArray();
        JsonArray metrics = new JsonArray();
        for (TrainingResult.Epoch e : result.history()) {
            losses.add(e.trainLoss());
            metrics.add(e.validationMetric());
        }
        o.add("trainLoss", losses);
        o.add("validationMetric", metrics);
        o.addProperty("bestEpoch", result.bestEpoch());
        o.addProperty("weightsHash", RetrainFiles.hash(result.network()));
        System.out.println(Child.PREFIX + o.toString().replace("NaN", "null"));
        System.out.flush();
        System.exit(0);
    }
}
