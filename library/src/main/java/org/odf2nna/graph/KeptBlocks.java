package org.odf2nna.graph;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.odf2nna.InputException;
import org.odf2nna.Setting;

/**
 * The blocks a sweep leaves as they are ({@link org.odf2nna.settings.BlockLimits#keep()}), named as {@code inspect}
 * lists them: a block's number in its table (a residual stream is one row), or its first or second layer's node name
 * (any of a stream's layers). A name that matches no block is refused in one line listing the blocks, and so are names
 * that keep every block (nothing would be left to prune). {@link #ATTENTION}, where no block is named so, keeps every
 * attention block (their heads), however many there are, none included.
 */
public final class KeptBlocks {

    /** The name that keeps every attention block: a sweep whose cache shapes fix the heads prunes the MLPs alone. */
    public static final String ATTENTION = "attention";

    private KeptBlocks() {
    }

    /** One row of inspect's table: its number, the blocks (indices) it stands for, and the names that select it. */
    private record Row(int number, List<Integer> members, Set<String> names) {
    }

    /** The indices into {@code blocks} of the blocks {@code names} name. */
    static Set<Integer> resolve(List<DenseBlock> blocks, List<String> names, Path file) {
        Set<Integer> kept = new java.util.TreeSet<>();
        if (names.isEmpty()) {
            return kept;
        }
        List<Row> rows = rows(blocks);
        for (String name : names) {
            String n = name.trim();
            Row match = rows.stream().filter(r -> r.names().contains(n)).findFirst().orElse(null);
            if (match == null && n.equals(ATTENTION)) {
                for (int i = 0; i < blocks.size(); i++) {
                    if (blocks.get(i).heads()) {
                        kept.add(i);
                    }
                }
                continue;
            }
            if (match == null) {
                List<String> known = new ArrayList<>();
                for (Row r : rows) {
                    known.add(r.number() + " " + blocks.get(r.members().get(0)).place().firstNode());
                }
                throw InputException.usage(file, Setting.KEEP_BLOCK.ref() + " " + n + ": no block of the graph is "
                        + "named so; its blocks (a number or a layer's node name, as inspect lists them): "
                        + String.join(", ", known));
            }
            kept.addAll(match.members());
        }
        if (kept.size() == blocks.size()) {
            throw InputException.usage(file, Setting.KEEP_BLOCK.ref() + " " + String.join(", ", names)
                    + ": keeps every block of the graph (" + rows.size() + "); nothing is left to prune");
        }
        return kept;
    }

    /** The table's rows in its order ({@link GraphSweep#describe}): a residual stream once, at its lead block. */
    private static List<Row> rows(List<DenseBlock> blocks) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            DenseBlock b = blocks.get(i);
            if (b.tied() && !TiedChannels.lead(blocks, i)) {
                continue;
            }
            List<Integer> members = new ArrayList<>();
            Set<String> names = new LinkedHashSet<>();
            names.add(Integer.toString(rows.size() + 1));
            for (int k = 0; k < blocks.size(); k++) {
                DenseBlock other = blocks.get(k);
                if (k == i || b.tied() && b.stream().equals(other.stream())) {
                    members.add(k);
                    names.add(other.place().firstNode());
                    names.add(other.place().secondNode());
                }
            }
            rows.add(new Row(rows.size() + 1, members, names));
        }
        return rows;
    }
}
