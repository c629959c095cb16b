package org.odf2nna.harness.bench;

import java.nio.file.Path;
import java.util.List;
import org.odf2nna.Device;

/**
 * What to measure and how.
 *
 * @param benchmarks    names among {@link Bench#NAMES}, in order
 * @param rows          rows for scoring and inference, and the smaller memory size (≤ 0: the file's rows)
 * @param repeats       measured repeats of each figure
 * @param inferenceBatch rows per ONNX Runtime call when scoring
 * @param alg3PerLayer  units per layer timed for Algorithm 3 (-1 all, 0 skip)
 * @param epsilon       ε for the shrunk model (NaN: the one closest to {@code reduction})
 * @param reduction     wanted parameter reduction of the shrunk model (0.6)
 * @param latencyRows   single-row runs per repeat for the batch-1 latency
 * @param epochs        epochs per retraining run
 * @param trainRows     training rows at most (≤ 0: all)
 * @param batchSize     retraining batch size
 * @param threads       thread counts to retrain at
 * @param python        the Python with torch, or null to skip PyTorch
 * @param csvSizesMb    CSV benchmark file sizes
 * @param childHeap     -Xmx of the memory benchmark's child JVMs
 * @param work          where generated files, problems and child logs go
 * @param graph         an ONNX graph to time whole-graph retraining on instead of the dense chains, or null
 * @param graphTrain    the graph's training rows (CSV: input values, then a "label" column), or null
 * @param shrunk        for the inference benchmark, a shrunk model to measure instead of shrinking at ε (or null)
 * @param scale         what the scale benchmark measures (null when it does not run)
 */
public record BenchOptions(List<String> benchmarks, BenchInputs inputs, int rows, int repeats, int inferenceBatch,
        int alg3PerLayer, double epsilon, double reduction, int latencyRows, int epochs, int trainRows, int batchSize,
        List<Integer> threads, String python, Path torchScript, List<Double> csvSizesMb, String childHeap,
        Device device, Path work, Path graph, Path graphTrain, Path shrunk, ScaleBench.Settings scale) {
}
