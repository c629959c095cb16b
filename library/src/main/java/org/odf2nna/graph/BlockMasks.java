package org.odf2nna.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.odf2nna.evolve.Mask;
import org.odf2nna.evolve.MaskLayout;

/**
 * The units of a graph's blocks as one mask, what {@code evolve} searches on a graph: one segment per block (its
 * channels, or an attention's heads), and one per residual stream, whose blocks ({@link DenseBlock#tied()}) all drop
 * the same channels ({@link TiedChannels}), cut into one segment per branch where a Concat joins it. A set bit keeps its
 * unit.
 *
 * @param blocks    the graph's blocks, as {@link BlockFinder} finds them
 * @param segmentOf per block, its segment of the mask
 * @param names     per segment, the block as {@code inspect} names it (its first layer's node), or the stream's name
 * @param layout    the segments' sizes: each its block's (or stream's) units
 */
public record BlockMasks(List<DenseBlock> blocks, int[] segmentOf, List<String> names, MaskLayout layout) {

    public BlockMasks {
        blocks = List.copyOf(blocks);
        segmentOf = segmentOf.clone();
        names = List.copyOf(names);
    }

    /**
     * The segments of {@code blocks}: a block's units alone, or its stream's shared by the stream's blocks.
     *
     * @throws IllegalArgumentException when there is no block, or the blocks of one stream differ in width
     */
    public static BlockMasks of(List<DenseBlock> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("a graph without blocks has no units to search");
        }
        Map<String, Integer> streams = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        int[] segmentOf = new int[blocks.size()];
        for (int b = 0; b < blocks.size(); b++) {
            DenseBlock block = blocks.get(b);
            Integer shared = block.tied() ? streams.get(block.stream()) : null;
            if (shared != null) {
                int units = blocks.get(firstOf(segmentOf, b, shared)).units();
                if (units != block.units()) {
                    throw new IllegalArgumentException("stream " + block.stream() + ": blocks of " + units
                            + " and " + block.units() + " channels");
                }
                segmentOf[b] = shared;
                continue;
            }
            segmentOf[b] = sizes.size();
            if (block.tied()) {
                streams.put(block.stream(), sizes.size());
            }
            int[] spans = block.tied() ? branchSpans(blocks, block) : null;
            if (spans == null) {
                names.add(block.tied() ? block.stream() : block.place().firstNode());
                sizes.add(block.units());
                continue;
            }
            // A Concat's branches are segments of their own, side by side in the stream's order, so that no mask
            // empties one: a branch of no channels is a Conv ONNX Runtime refuses or divides by zero in.
            for (int k = 0; k < spans.length; k++) {
                names.add(block.stream() + " branch " + (k + 1));
                sizes.add(spans[k]);
            }
        }
        return new BlockMasks(blocks, segmentOf, names, new MaskLayout(sizes.stream().mapToInt(i -> i).toArray()));
    }

    /** The first of blocks 0 to {@code b} - 1 whose segment is {@code segment}. */
    private static int firstOf(int[] segmentOf, int b, int segment) {
        int k = 0;
        while (k < b && segmentOf[k] != segment) {
            k++;
        }
        return k;
    }

    /**
     * The widths of the branches of the Concat whose output {@code block}'s stream is, in offset order, when they cover
     * its channels side by side; null for a stream of one tensor.
     */
    private static int[] branchSpans(List<DenseBlock> blocks, DenseBlock block) {
        java.util.SortedMap<Integer, Integer> spans = TiedChannels.concatBranches(blocks, block.stream());
        int next = 0;
        for (var e : spans.entrySet()) {
            if (e.getKey() != next) {
                return null;
            }
            next += e.getValue();
        }
        return spans.size() > 1 && next == block.units() ? spans.values().stream().mapToInt(i -> i).toArray() : null;
    }

    @Override
    public int[] segmentOf() {
        return segmentOf.clone();
    }

    /**
     * Per block, whether each of its channels goes ({@link BlockPruner#prune}'s form): every channel of a unit whose
     * bit is clear (a head's {@link DenseBlock#unitSize()} channels together).
     *
     * @throws IllegalArgumentException when the mask does not fit the layout or empties a segment
     */
    public List<boolean[]> dropped(Mask mask) {
        if (!layout.isValid(mask)) {
            throw new IllegalArgumentException("mask " + mask + " does not fit " + layout + " or empties a block");
        }
        List<boolean[]> drop = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            DenseBlock block = blocks.get(b);
            int start = layout.start(segmentOf[b]);
            boolean[] d = new boolean[block.sizes().width()];
            for (int u = 0; u < block.units(); u++) {
                if (!mask.get(start + u)) {
                    Arrays.fill(d, u * block.sizes().unitSize(), (u + 1) * block.sizes().unitSize(), true);
                }
            }
            drop.add(d);
        }
        return drop;
    }

    /** {@link #dropped(Mask)} for {@code found}, which must be this space's blocks (a round finds them again). */
    public List<boolean[]> dropped(Mask mask, List<DenseBlock> found) {
        if (found.size() != blocks.size()) {
            throw new IllegalStateException(found.size() + " blocks found where the search had " + blocks.size());
        }
        for (int b = 0; b < found.size(); b++) {
            DenseBlock now = found.get(b);
            DenseBlock searched = blocks.get(b);
            if (!now.place().firstNode().equals(searched.place().firstNode())
                    || now.sizes().width() != searched.sizes().width()) {
                throw new IllegalStateException("block " + (b + 1) + " found as " + now.place().firstNode()
                        + " where the search had " + searched.place().firstNode());
            }
        }
        return dropped(mask);
    }

    /** Per segment, the units the mask keeps and the units there were ("12/32"), in segment order. */
    public List<String> widths(Mask mask) {
        List<String> out = new ArrayList<>();
        for (int s = 0; s < layout.segmentCount(); s++) {
            int start = layout.start(s);
            out.add(mask.activeCount(start, start + layout.size(s)) + "/" + layout.size(s));
        }
        return out;
    }
}
