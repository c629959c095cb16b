package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;

/**
 * What to measure and how.
 *
 * @param benchmarks names among {@link Bench#NAMES}, in order
 * @param inputs     the models and rows the benchmarks use
 * @param measure    how each figure is measured: rows, repeats, batches, device
 * @param inference  the inference benchmark's batch-1 runs and the smaller model it times
 * @param retrain    the retrain benchmark's runs
 * @param csvSizesMb CSV benchmark file sizes
 * @param work       where generated files, problems and child logs go
 * @param scale      what the scale benchmark measures (null when it does not run)
 */
public record BenchOptions(List<String> benchmarks, BenchInputs inputs, Measure measure, Inference inference,
        Retrain retrain, List<Double> csvSizesMb, Path work, ScaleBench.Settings scale) {

    /**
     * How each figure is measured.
     *
     * @param rows           rows for scoring and inference, and the smaller memory size (≤ 0: the file's rows)
     * @param repeats        measured repeats of each figure
     * @param inferenceBatch rows per ONNX Runtime call when scoring
     * @param alg3PerLayer   units per layer timed for Algorithm 3 (-1 all, 0 skip)
     * @param childHeap      -Xmx of the memory benchmark's child JVMs
     * @param device         where ONNX Runtime computes
     */
    public record Measure(int rows, int repeats, int inferenceBatch, int alg3PerLayer, String childHeap,
            Device device) {
    }

    /**
     * The inference benchmark's batch-1 runs and the smaller model it times.
     *
     * @param latencyRows single-row runs per repeat for the batch-1 latency
     * @param epsilon     ε for the shrunk model (NaN: the one closest to {@code reduction})
     * @param reduction   wanted parameter reduction of the shrunk model (0.6)
     * @param shrunk      a shrunk model to measure instead of shrinking at ε (or null)
     */
    public record Inference(int latencyRows, double epsilon, double reduction, Path shrunk) {
    }

    /**
     * The retrain benchmark's runs.
     *
     * @param trainRows   training rows at most (≤ 0: all)
     * @param epochs      epochs per retraining run
     * @param batchSize   retraining batch size
     * @param threads     thread counts to retrain at
     * @param python      the Python with torch, or null to skip PyTorch
     * @param torchScript the PyTorch side's script (scripts/bench/bench_retrain_torch.py), or null
     * @param graph       an ONNX graph to time whole-graph retraining on instead of the dense chains, or null
     * @param graphTrain  the graph's training rows (CSV: input values, then a "label" column), or null
     */
    public record Retrain(int trainRows, int epochs, int batchSize, List<Integer> threads, String python,
            Path torchScript, Path graph, Path graphTrain) {
    }
}
