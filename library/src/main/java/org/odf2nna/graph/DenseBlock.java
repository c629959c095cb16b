package org.odf2nna.graph;

import java.util.List;

/**
 * One dense block of an ONNX graph: a first layer with a constant weight (MatMul, Gemm, or a Conv of group 1 with any
 * kernel), an elementwise activation and any operations that act on each unit alone (a per-unit scale or shift,
 * BatchNormalization, a depthwise convolution), and a second layer with a constant weight, the hidden tensor being
 * read by the second layer alone. Units lie on the last axis ({@link Kind#MATMUL}, any rank) or the channel axis
 * ({@link Kind#CONV}).
 *
 * @param index      its number in graph order, from 1
 * @param kind       where its units lie
 * @param place      where it lies in the graph: its nodes and tensors
 * @param sizes      its widths and parameters
 * @param activation the activation as recognised ({@code gelu (erf)}, {@code silu}, {@code relu6}, ...)
 * @param perUnitOps the other per-unit operations between the layers ({@code depthwise Conv 3x3},
 *                   {@code BatchNormalization}, {@code bias Add}, ...)
 * @param rewrites   what pruning its units rewrites
 * @param stream     for one consumer of a residual stream's channels ({@link TiedChannels}), the stream's name: every
 *                   block of one stream drops the same channels; null for a block whose units are its own
 */
public record DenseBlock(int index, Kind kind, Place place, Sizes sizes, String activation, List<String> perUnitOps,
        Rewrites rewrites, String stream) {

    public DenseBlock {
        perUnitOps = List.copyOf(perUnitOps);
    }

    /**
     * Where a block lies in the graph.
     *
     * @param firstNode  the first layer's node name
     * @param secondNode the second layer's node name
     * @param nodes      every node of the block, in graph order (first layer, per-unit ops and activation, second
     *                   layer with its bias Add when it has one)
     * @param hidden     the hidden tensor: the second layer's input, where units are scored and means fold exactly
     * @param output     the block's output: the second layer's (after its bias Add when it has one)
     * @param residual   the other input of the Add that reads the output (a residual connection), or null
     */
    public record Place(String firstNode, String secondNode, List<String> nodes, String hidden, String output,
            String residual) {

        public Place {
            nodes = List.copyOf(nodes);
        }
    }

    /**
     * A block's widths and parameters.
     *
     * @param inputs     the first layer's inputs (a residual stream's block: the stream's producers)
     * @param width      hidden channels
     * @param outputs    the second layer's outputs
     * @param parameters the block's parameters: both layers' weights and biases and the per-unit constants between
     *                   them
     * @param unitSize   hidden channels per unit: 1 for a dense block, the head dimension for an attention block
     *                   ({@link AttentionFinder}), whose units are heads of {@code unitSize} adjacent channels
     */
    public record Sizes(int inputs, int width, int outputs, long parameters, int unitSize) {

        public Sizes {
            if (unitSize < 1 || width % unitSize != 0) {
                throw new IllegalArgumentException("width " + width + " is not a whole number of units of "
                        + unitSize);
            }
        }
    }

    /**
     * What pruning a block's units rewrites.
     *
     * @param slots        the constants that hold a slice per unit (removed with the unit), first layer to second
     * @param secondWeight the second layer's weight, with its unit (input) axis
     * @param secondBias   the second layer's bias initializer, or null when it has none
     * @param biasSite     how the second layer's bias is attached (or would be added)
     * @param groupNodes   the names of depthwise Conv nodes whose {@code group} equals the width
     */
    public record Rewrites(List<UnitSlot> slots, UnitSlot secondWeight, String secondBias, BiasSite biasSite,
            List<String> groupNodes) {

        public Rewrites {
            slots = List.copyOf(slots);
            groupNodes = List.copyOf(groupNodes);
        }
    }

    /** Units of the block: its width, or its heads for an attention block. */
    public int units() {
        return sizes.width() / sizes.unitSize();
    }

    /** Whether the units are channels of a residual stream, shared with the stream's other blocks. */
    public boolean tied() {
        return stream != null;
    }

    /** Whether the units are attention heads. */
    public boolean heads() {
        return sizes.unitSize() > 1 || activation.startsWith(AttentionFinder.ACTIVATION);
    }

    /** The block as copied with another number in graph order. */
    DenseBlock renumbered(int value) {
        return new DenseBlock(value, kind, place, sizes, activation, perUnitOps, rewrites, stream);
    }

    /** Where a block's units lie. */
    public enum Kind {
        /** MatMul or Gemm layers: units on the last axis, every other axis a position. */
        MATMUL,
        /** Conv layers of any kernel: units on the channel axis (1), the spatial axes positions. */
        CONV
    }

    /** How the second layer's bias is attached. */
    public enum BiasSite {
        /** Gemm's third input. */
        GEMM_C,
        /** Conv's third input. */
        CONV_B,
        /** an Add of a constant after the MatMul. */
        ADD,
        /**
         * The bias input of ONNX Runtime's SkipLayerNormalization that reads the MatMul's output: added after the
         * block's output, so a refit adds the original bias to what it fits ({@link SequentialRefit}).
         */
        SKIP_LAYER_NORM
    }

    /**
     * A constant holding one slice per hidden unit along {@code axis}, or per unit of a range of them: a Concat's
     * branch holds the units {@code offset} to {@code offset + span - 1} of the tensor the layers read.
     *
     * @param tensor   the initializer's name
     * @param axis     the axis along which units lie
     * @param elements its elements
     * @param offset   the first unit it holds a slice of
     * @param span     how many units it holds slices of, or 0 for all of them
     */
    public record UnitSlot(String tensor, int axis, long elements, int offset, int span) {

        /** A constant with a slice for every unit. */
        public UnitSlot(String tensor, int axis, long elements) {
            this(tensor, axis, elements, 0, 0);
        }

        /** The part of a mask over every unit that this constant's slices follow. */
        boolean[] part(boolean[] all) {
            return span == 0 ? all : java.util.Arrays.copyOfRange(all, offset, offset + span);
        }
    }

    /** Parameters each unit carries (removed with it): a head carries its {@code unitSize} channels' slices. */
    public long parametersPerUnit() {
        long n = 0;
        for (UnitSlot s : rewrites.slots()) {
            // A per-head constant (one slice per head, not per channel) divides by the heads exactly this way.
            n += s.elements() * sizes.unitSize() / sizes.width();
        }
        return n;
    }
}
