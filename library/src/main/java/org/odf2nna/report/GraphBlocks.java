package org.odf2nna.report;

import java.util.List;

/**
 * The dense blocks found anywhere in an ONNX graph, as {@code inspect} lists them.
 *
 * @param modelParameters the model's float parameters (every float initializer's elements)
 * @param blockParameters the blocks' parameters (both layers and the per-unit constants between them)
 * @param blockShare      blockParameters / modelParameters
 * @param blocks          the blocks, in graph order
 * @param notes           what was found but is not a block, and why (residual Adds whose channels are not tied)
 */
public record GraphBlocks(long modelParameters, long blockParameters, double blockShare, List<Block> blocks,
        List<String> notes) {

    /** The units column of a residual stream's row: channels tied across the blocks that write and read them. */
    public static final String STREAM = "stream";

    public GraphBlocks {
        blocks = List.copyOf(blocks);
        notes = List.copyOf(notes);
    }

    /**
     * One block (its JSON fields are those of the parts, in this order, among its own).
     *
     * @param block      its number, from 1
     * @param units      {@code last axis} (MatMul, Gemm) or {@code channels} (Conv of any kernel)
     * @param layers     where it stands in the graph: its layers' nodes and the hidden tensor between them
     * @param sizes      its inputs, hidden units and outputs
     * @param between    what the hidden units go through between the layers
     * @param parameters the block's parameters
     */
    public record Block(int block, String units, Layers layers, Sizes sizes, Between between, long parameters) {
    }

    /**
     * Where a block stands in the graph.
     *
     * @param first  the first layer's node
     * @param second the second layer's node
     * @param nodes  every node of the block
     * @param hidden the hidden tensor (the second layer's input)
     */
    @JsonInline
    public record Layers(String first, String second, List<String> nodes, String hidden) {

        public Layers {
            nodes = List.copyOf(nodes);
        }
    }

    /**
     * A block's sizes.
     *
     * @param inputs  the first layer's inputs
     * @param width   hidden units
     * @param outputs the second layer's outputs
     */
    @JsonInline
    public record Sizes(int inputs, int width, int outputs) {

        /** As the tables write them, {@code 64-32-64}. */
        public String inHiddenOut() {
            return inputs + "-" + width + "-" + outputs;
        }
    }

    /**
     * What the hidden units go through between a block's layers.
     *
     * @param activation the activation as recognised
     * @param perUnitOps the other per-unit operations between the layers
     */
    @JsonInline
    public record Between(String activation, List<String> perUnitOps) {

        public Between {
            perUnitOps = List.copyOf(perUnitOps);
        }
    }
}
