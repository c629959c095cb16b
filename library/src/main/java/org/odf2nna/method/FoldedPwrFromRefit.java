package org.odf2nna.method;

import java.util.Arrays;
import java.util.List;
import org.odf2nna.data.Batch;
import org.odf2nna.metrics.Evaluator;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.RefitSumsGraph;
import org.odf2nna.settings.Task;

/**
 * The mean-folded network's PWR measured in the last refit's pass instead of a pass of its own: the refit runs the
 * pruned chain over the rows the scoring pass kept, and the mean-folded network shares its layers up to the first
 * refitted one, so only its later layers run beside ({@link RefitSumsGraph.Rider}). Its outputs come in the refit's
 * blocks of rows and are cut here into the held batches, each judged as {@link ModelScan#evaluateTogether} judges it
 * (the same batches in the same order, so the same figures where the outputs are the same).
 */
final class FoldedPwrFromRefit {

    private final DenseNetwork meanFolded;
    private final List<Batch> batches;
    private final Evaluator evaluator;
    private float[] pending;
    private int batch;
    private int filled;
    private long rowsGiven;

    /** @param held the rows the scoring pass kept, which must be the refit's fitting rows in the same order */
    FoldedPwrFromRefit(DenseNetwork meanFolded, HeldRows held, Task task) {
        this.meanFolded = meanFolded;
        this.batches = held.batches();
        this.evaluator = new Evaluator(task, meanFolded.outputs(), meanFolded.head(), held.file(), held.targetName());
    }

    /** Whether the held rows can be judged: they have targets, and there are some. */
    static boolean possible(HeldRows held) {
        return held != null && held.hasTarget() && held.targetName() != null;
    }

    /**
     * What the refit's graph runs beside its sums: the mean-folded network from the deepest hidden layer up to which
     * it and the pruned chain {@code pruned} (layers 0..last) hold the same weights.
     */
    RefitSumsGraph.Rider rider(List<DenseLayer> pruned) {
        int shared = -1;
        while (shared + 1 < pruned.size() && same(pruned.get(shared + 1), meanFolded.layer(shared + 1))) {
            shared++;
        }
        // Layer 0 is the original's kept columns in both: a first layer that differs cannot ride.
        return shared < 0 ? null : new RefitSumsGraph.Rider(meanFolded, shared);
    }

    private static boolean same(DenseLayer a, DenseLayer b) {
        return a.inputs() == b.inputs() && a.units() == b.units() && a.activation().equals(b.activation())
                && Arrays.equals(a.weights(), b.weights()) && Arrays.equals(a.bias(), b.bias());
    }

    /** Takes the outputs of the next {@code rows} rows (row-major, the network's outputs each). */
    void add(float[] outputs, int rows) {
        int width = meanFolded.outputs();
        int from = 0;
        while (from < rows) {
            if (batch >= batches.size()) {
                throw new IllegalStateException("the refit's rows outnumber the rows the scoring pass kept");
            }
            Batch current = batches.get(batch);
            if (pending == null) {
                pending = new float[current.rows() * width];
            }
            int take = Math.min(rows - from, current.rows() - filled);
            System.arraycopy(outputs, from * width, pending, filled * width, take * width);
            filled += take;
            from += take;
            if (filled == current.rows()) {
                evaluator.add(pending, current.rows(), current.targets(), current.lines());
                batch++;
                filled = 0;
                pending = null;
            }
        }
        rowsGiven += rows;
    }

    /** The metrics over every held row; null when the pass did not give them all (it did not run, or ran short). */
    Metrics metrics() {
        return batch == batches.size() && filled == 0 && rowsGiven > 0 ? evaluator.metrics() : null;
    }
}
