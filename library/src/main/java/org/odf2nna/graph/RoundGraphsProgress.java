package org.odf2nna.graph;

import org.odf2nna.ForwardingProgress;
import org.odf2nna.Progress;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * A {@link Progress} that also receives each round's graph of a graph sweep twice: pruned and refitted, then as the
 * round ends (retrained end to end when that is on). What a control compares: the same refitted round retrained by
 * another loop (docs/research/COMPARISON.md, the heads' control). Both graphs are in the canonical form the sweep prunes, at
 * the fixed row shape it runs; nothing is written by the library. The rounds are told once all are made, numbered as
 * the sweep's table numbers them (a half step before the chain's last round among them).
 */
public interface RoundGraphsProgress extends Progress {

    /** Round {@code round} (from 1) after its units are dropped and its second layers refitted, before retraining. */
    void refitted(int round, ModelProto model);

    /** Round {@code round} as the sweep judges it. */
    void finished(int round, ModelProto model);

    /** {@code progress} told what a round's making says, its graphs not kept. */
    static RoundGraphsProgress progressOnly(Progress progress) {
        final class ProgressOnly extends ForwardingProgress implements RoundGraphsProgress {
            ProgressOnly() {
                super(progress);
            }

            @Override
            public void refitted(int round, ModelProto model) {
            }

            @Override
            public void finished(int round, ModelProto model) {
            }
        }
        return new ProgressOnly();
    }
}
