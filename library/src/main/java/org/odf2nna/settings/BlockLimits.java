package org.odf2nna.settings;

import java.util.List;
import org.odf2nna.Setting;

/**
 * What a progressive round may take from one block (a graph's dense block or attention, or a dense chain's hidden
 * layer), whatever the global ranking says: at most {@code roundShare} of the units it has when the round starts, and
 * never below its floor, the larger of {@code floorUnits} and {@code floorShare} of its original units (an attention:
 * at least one head). A block at its floor stops shrinking and the others go on taking the round's share. The blocks
 * named in {@code keep} are left as they are.
 *
 * <p>Why: ranked globally with scores normalised per block, a small block's last units can look cheap while they carry
 * all it passes on (a BERT's pooler went from 64 units to 1 in one round and lost 2.3 points that the encoder's FFNs
 * and heads did not).
 *
 * @param roundShare at most this share of a block's current units goes in one round, in (0, 1]
 * @param floorShare a block keeps at least this share of its original units, in [0, 1)
 * @param floorUnits and at least this many units (heads: at least one), never more than it had
 * @param keep       blocks left as they are: as {@code inspect} names them (a graph's block number or first or
 *                   second layer's node; a chain's hidden layer by its 1-based number or its layer's node name)
 */
public record BlockLimits(double roundShare, double floorShare, int floorUnits, List<String> keep) {

    /** At most half a block's units in one round, never below max(2, 10%) of its original units. */
    public static final BlockLimits DEFAULT = new BlockLimits(0.5, 0.1, 2, List.of());

    public BlockLimits {
        keep = List.copyOf(keep);
        InvalidSetting.require(roundShare > 0 && roundShare <= 1, "a round's share of a block must be in (0, 1], got "
                + roundShare);
        InvalidSetting.require(floorShare >= 0 && floorShare < 1, "a block's floor share must be in [0, 1), got "
                + floorShare);
        InvalidSetting.require(floorUnits >= 1, "a block's floor must be at least 1 unit, got " + floorUnits);
        for (String k : keep) {
            InvalidSetting.require(k != null && !k.isBlank(), Setting.KEEP_BLOCK.ref() + " needs a block's name");
        }
    }

    /** The same limits with {@code names} kept as they are. */
    public BlockLimits keeping(List<String> names) {
        return new BlockLimits(roundShare, floorShare, floorUnits, names);
    }

    /**
     * The fewest units a block of {@code original} units keeps: max({@code floorUnits}, ⌈floorShare · original⌉), or
     * for heads max(1, ⌈floorShare · original⌉); never more than {@code original}.
     */
    public int floor(int original, boolean heads) {
        int share = (int) Math.ceil(floorShare * original - 1e-9);
        return Math.min(original, Math.max(heads ? 1 : floorUnits, share));
    }

    /**
     * The most units a round may take from a block that has {@code current} units, {@code floor} the fewest it keeps:
     * {@code roundShare} of them (at least one), never past the floor.
     */
    public int most(int current, int floor) {
        int share = Math.max(1, (int) Math.floor(roundShare * current + 1e-9));
        return Math.max(0, Math.min(share, current - floor));
    }
}
