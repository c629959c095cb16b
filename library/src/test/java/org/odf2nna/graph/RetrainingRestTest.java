package org.odf2nna.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.odf2nna.settings.SweepSettings;
import org.odf2nna.settings.Task;

/**
 * Time well spent (issue 69): which rounds go without end-to-end retraining after a retraining kept the refitted
 * values. A regressor's rounds have no refit check, so the rule's patience alone decides there and no graph is run.
 */
class RetrainingRestTest {

    private static RoundRetraining endToEnd() {
        GraphRun run = GraphRun.of(SweepSettings.builder().task(Task.REGRESSION).build(), 0.1);
        GraphRows rows = new GraphRows(new float[4], 4, null);
        return new RoundRetraining(run, rows, null);
    }

    /** Rounds 1..n: for each, whether it was retrained, each retraining keeping {@code epochs}' next value. */
    private static List<Boolean> retrained(RoundRetraining e, int n, int... epochs) {
        List<Boolean> out = new ArrayList<>();
        int k = 0;
        for (int r = 1; r <= n; r++) {
            boolean worth = e.worthRetraining(null, null, Path.of("m.onnx"), r);
            out.add(worth);
            if (worth) {
                e.retrained(10, epochs[Math.min(k++, epochs.length - 1)]);
                assertNull(e.takeSkip());
            } else {
                assertTrue(e.takeSkip().startsWith("not retrained"));
            }
        }
        return out;
    }

    /**
     * A try that kept the refitted values is tried again gently only where its refit fails the check: never for a
     * regressor (no refit check), nor after a try that kept a later epoch, nor once a gentle try kept epoch 0 too.
     */
    @Test
    void aGentleTryFollowsOnlyAnEpochZeroAndStopsOnceOneBoughtNothing() {
        RoundRetraining regressor = endToEnd();
        regressor.kept(new org.odf2nna.tf.TrainingResult.Epoch(0, 1, 1, 1));
        assertFalse(regressor.worthRetrying(null, null, Path.of("m.onnx")), "a regressor has no refit check");

        GraphRun run = GraphRun.of(SweepSettings.builder().build(), 0.1);
        RoundRetraining e = new RoundRetraining(run, new GraphRows(new float[4], 4, null), null);
        assertFalse(e.worthRetrying(null, null, Path.of("m.onnx")), "nothing was retrained yet");
        e.kept(new org.odf2nna.tf.TrainingResult.Epoch(2, 1, 1, 0.9));
        assertFalse(e.worthRetrying(null, null, Path.of("m.onnx")), "the try kept a later epoch");
        e.kept(new org.odf2nna.tf.TrainingResult.Epoch(0, 1, 1, 0.9));
        // The refit cannot be run here: its check counts as failed (infinite loss), as a graph that cannot run does.
        assertTrue(e.worthRetrying(null, null, Path.of("m.onnx")), "epoch 0 and a refit that fails its check");
        e.retried(4, 3);
        assertTrue(e.worthRetrying(null, null, Path.of("m.onnx")), "a gentle try that bought an epoch");
        e.retried(5, 0);
        assertFalse(e.worthRetrying(null, null, Path.of("m.onnx")), "a gentle try kept the refitted values too");
        e.retrained(10, 0);
        String note = e.notes().get(e.notes().size() - 1);
        assertTrue(note.contains("round 4 kept the refitted values and its refit lost more than a quarter of its "
                + "bound: retrained again at a quarter of the learning rate, which kept epoch 3"), note);
        assertTrue(note.endsWith("round 5 kept the refitted values and its refit lost more than a quarter of its "
                + "bound: retrained again at a quarter of the learning rate, which kept them too (no round was "
                + "tried again after it)"), note);
    }

    @Test
    void everyRoundIsRetrainedWhileRetrainingKeepsALaterEpoch() {
        assertEquals(List.of(true, true, true, true), retrained(endToEnd(), 4, 3, 2, 1, 4));
    }

    @Test
    void aClassifiersFirstEpochZeroLeavesRetrainingToItsRefitCheck() {
        // One retraining that keeps epoch 0 is enough: no round is retried after a wait, each refit's check decides.
        GraphRun run = GraphRun.of(SweepSettings.builder().build(), 0.1);
        RoundRetraining e = new RoundRetraining(run, new GraphRows(new float[4], 4, null), null);
        e.retrained(10, 0);
        String note = e.notes().get(e.notes().size() - 1);
        assertTrue(note.endsWith("once a retraining had kept the refitted values, a round was retrained only when its "
                + "refit alone lost more than a quarter of its bound"), note);
    }

    @Test
    void twoEpochZerosInARowEndTheRetries() {
        // Retrained at 1 (epoch 0), waits 1 round, 3 (0 again): no more tries (a regressor has no refit check).
        List<Boolean> r = retrained(endToEnd(), 11, 0);
        assertEquals(List.of(true, false, true, false, false, false, false, false, false, false, false), r);
    }

    @Test
    void aRetrainingThatKeepsALaterEpochRetrainsEveryRoundAgain() {
        // 1 keeps epoch 0, 2 waits, 3 keeps epoch 2: 4 and 5 are retrained again.
        List<Boolean> r = retrained(endToEnd(), 5, 0, 2, 1, 1);
        assertEquals(List.of(true, false, true, true, true), r);
    }

    @Test
    void theNoteSaysWhatRetrainingCostAndBought() {
        RoundRetraining e = endToEnd();
        retrained(e, 3, 0);
        String note = e.notes().get(e.notes().size() - 1);
        assertTrue(note.startsWith("end-to-end retraining ran in 2 rounds, 20 s in all on "), note);
        assertTrue(note.contains("it kept the refitted values (epoch 0) in 2 of them"), note);
        assertTrue(note.contains("round 2 went without it"), note);
        assertEquals(20, e.retrainingSeconds(), 1e-9);
        assertFalse(note.contains("half step"));
        assertTrue(note.endsWith("after two retrainings in a row kept the refitted values, no round was retrained "
                + "again"), note);
    }

    /**
     * What a refit is checked by: accuracy lost against the original on labelled rows, rows it gets right again
     * counted back; without labels, every changed prediction.
     */
    @Test
    void aRefitIsCheckedByTheAccuracyItLosesNotByWhatItChanges() {
        int[] labels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
        int[] original = {0, 1, 2, 0, 1, 2, 0, 1, 0, 1}; // 8 of 10 right
        int[] asMuchRightAsWrong = {1, 1, 2, 0, 1, 2, 0, 1, 2, 0}; // 1 lost, 2 gained
        int[] twoLost = {1, 0, 2, 0, 1, 2, 0, 1, 0, 1};
        assertEquals(0, RoundRetraining.loss(original, asMuchRightAsWrong, labels));
        assertEquals(0.2, RoundRetraining.loss(original, twoLost, labels), 1e-12);
        assertEquals(0.3, RoundRetraining.loss(original, asMuchRightAsWrong, null), 1e-12);
    }

    /**
     * A round's blocks are left unrefitted only against a graph a refit wrote: the last round's result when its
     * retraining did not change it, never a retrained one (its weights are no refit's) nor an older graph.
     */
    @Test
    void onlyAGraphNoRetrainingChangedIsTheRefitsOwn() {
        RoundRetraining e = endToEnd();
        org.odf2nna.onnx.proto.OnnxProto.ModelProto refitted = BlockFinderTest.ffn(new Graphs(1), null, null);
        org.odf2nna.onnx.proto.OnnxProto.ModelProto retrained = BlockFinderTest.ffn(new Graphs(2), null, null);
        e.made(refitted, refitted);
        assertTrue(e.refitOf(refitted) == refitted);
        assertNull(e.refitOf(retrained));
        e.made(refitted, retrained);
        assertNull(e.refitOf(retrained), "a retraining that kept a later epoch");
        assertNull(e.refitOf(refitted), "an older graph");
    }
}
