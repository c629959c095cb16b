package org.odf2nna.api;

import java.util.List;
import java.util.Optional;
import org.odf2nna.metrics.LossBound;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputRange;
import org.odf2nna.onnx.InputClip;
import org.odf2nna.onnx.OutputClip;

/**
 * What {@link Odf2nna#sweep} returns: every round of progressive pruning, and the smallest network that kept the
 * promise on the validation rows.
 *
 * @param original the network given
 * @param rounds   every round, in order
 * @param chosen   index of the chosen round in {@code rounds}, or -1 when none kept the promise
 * @param inputRange the per-column range of the training rows (the original's inputs), or null when not known
 * @param clipped    whether every round was judged with its inputs clipped to {@code inputRange}
 *                   ({@link org.odf2nna.settings.SweepSettings#clipInputs()}): the promise then speaks of a round's
 *                   network fed clipped inputs, as {@link #onnx(Round)} writes it
 * @param outputRange regression: the training targets' range {lo, hi}, which every round's output was clipped to when
 *                    judged ({@link org.odf2nna.metrics.BoundedRegression}) and {@link #onnx(Round)} clips it to
 *                    ({@link OutputClip}); null for classification
 */
public record Swept(DenseNetwork original, List<Round> rounds, int chosen, InputRange inputRange, boolean clipped,
        float[] outputRange) {

    /** Copies {@code rounds}, so that the result cannot change after it is made. */
    public Swept {
        rounds = List.copyOf(rounds);
        outputRange = outputRange == null ? null : outputRange.clone();
    }

    /** A result without an output range (classification). */
    public Swept(DenseNetwork original, List<Round> rounds, int chosen, InputRange inputRange, boolean clipped) {
        this(original, rounds, chosen, inputRange, clipped, null);
    }

    /** A result without a recorded range. */
    public Swept(DenseNetwork original, List<Round> rounds, int chosen) {
        this(original, rounds, chosen, null, false, null);
    }

    /**
     * {@code round}'s network as ONNX ({@link Round#onnx()}), with the training rows' range of the columns it reads
     * recorded in its metadata ({@link InputClip#METADATA_KEY}) and, when the rounds were judged clipped, its input
     * held to that range by a Max and a Min in front of the first layer; for regression, its output clipped to the
     * training targets' range ({@link OutputClip}): the model the promise speaks of.
     */
    public byte[] onnx(Round round) {
        byte[] plain = round.onnx();
        if (inputRange == null && outputRange == null) {
            return plain;
        }
        try {
            org.odf2nna.onnx.proto.OnnxProto.ModelProto proto =
                    org.odf2nna.onnx.proto.OnnxProto.ModelProto.parseFrom(plain);
            if (inputRange != null) {
                proto = InputClip.apply(proto, "input", inputRange.columns(round.inputs()), clipped);
            }
            if (outputRange != null) {
                proto = OutputClip.apply(proto, "output", outputRange[0], outputRange[1]);
            }
            return proto.toByteArray();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One round.
     *
     * @param index   1-based
     * @param network the network the round was judged as: the retrained network it ended with, and with
     *                {@link org.odf2nna.settings.Quantize#INT8} that network with int8 weights (int8 values times a
     *                scale per unit) in the layers {@code int8} marks
     * @param inputs  the original's inputs (column indices, ascending) that {@code network} reads
     * @param bound   the loss bound on the validation rows; {@link LossBound#holds()} says whether it kept the promise;
     *                null for a round the search did not go on from (it moved too far on the training rows, so the
     *                validation rows never judged it)
     * @param int8    with int8 weights, per layer whether it took them (false: the per-layer fallback kept it float,
     *                its int8 weights costing too much on the training rows); null for float weights
     * @param asFloat the retrained network with every weight float (the same as {@code network} for float weights):
     *                what quantization is measured against
     */
    public record Round(int index, DenseNetwork network, int[] inputs, LossBound bound, boolean[] int8,
            DenseNetwork asFloat) {

        /** A round with float weights. */
        public Round(int index, DenseNetwork network, int[] inputs, LossBound bound) {
            this(index, network, inputs, bound, null, network);
        }

        /** The 1-based layers kept float by the per-layer fallback (empty for all int8, or for float weights). */
        public List<Integer> floatLayers() {
            List<Integer> kept = new java.util.ArrayList<>();
            for (int l = 0; int8 != null && l < int8.length; l++) {
                if (!int8[l]) {
                    kept.add(l + 1);
                }
            }
            return kept;
        }

        /**
         * {@code network} as an ONNX model (input {@code input}, output {@code output}, opset 13), its int8 layers
         * stored as int8 with a DequantizeLinear each, as the command line writes them.
         */
        public byte[] onnx() {
            return Odf2nna.onnx(network, int8);
        }

        /** Fewer parameters than {@code original}, in percent. */
        public double reductionPercent(DenseNetwork original) {
            return 100.0 * (original.parameterCount() - network.parameterCount()) / original.parameterCount();
        }
    }

    /** The chosen round, or empty when none kept the promise. */
    public Optional<Round> choice() {
        return chosen < 0 ? Optional.empty() : Optional.of(rounds.get(chosen));
    }

    /** The chosen network's reduction in percent, or 0 when none was chosen. */
    public double reductionPercent() {
        return choice().map(r -> r.reductionPercent(original)).orElse(0.0);
    }
}
