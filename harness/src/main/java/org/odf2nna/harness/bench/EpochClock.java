package org.odf2nna.harness.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.Training;
import org.tensorflow.TensorFlow;

/**
 * The retraining probes' clock: the wall-clock and CPU time at the end of every epoch (the starting weights' scoring,
 * epoch 0, included), and the figures both probes print from it.
 */
final class EpochClock implements Training.EpochListener {

    private final List<Long> stamps = new ArrayList<>();
    private final List<Long> cpu = new ArrayList<>();
    private final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private final long start = System.nanoTime();

    @Override
    public void epochDone(Training.Epoch epoch, int epochs) {
        stamps.add(System.nanoTime());
        cpu.add(os.getProcessCpuTime());
    }

    /** The framework, the setup time, each epoch's wall and CPU seconds, and the training's history. */
    JsonObject report(List<Training.Epoch> history, int bestEpoch) {
        JsonObject o = new JsonObject();
        o.addProperty("framework", "TensorFlow Java");
        o.addProperty("version", TensorFlow.version());
        o.addProperty("threads", Odf2nna.tensorFlowThreads());
        o.addProperty("setupSeconds", (stamps.get(0) - start) / 1e9);
        JsonArray epochs = new JsonArray();
        JsonArray cpuEpochs = new JsonArray();
        for (int i = 1; i < stamps.size(); i++) {
            epochs.add((stamps.get(i) - stamps.get(i - 1)) / 1e9);
            cpuEpochs.add((cpu.get(i) - cpu.get(i - 1)) / 1e9);
        }
        o.add("epochSeconds", epochs);
        o.add("epochCpuSeconds", cpuEpochs);
        JsonArray losses = new JsonArray();
        JsonArray metrics = new JsonArray();
        for (Training.Epoch e : history) {
            losses.add(e.trainLoss());
            metrics.add(e.validationMetric());
        }
        o.add("trainLoss", losses);
        o.add("validationMetric", metrics);
        o.addProperty("bestEpoch", bestEpoch);
        return o;
    }
}
