package org.odf2nna.evolve;

import java.util.Arrays;

/**
 * How a mask's bits are grouped: one segment per searched layer (or a single segment of input features),
 * laid end to end. Every segment must keep at least one bit set, since a layer without units (or a network
 * without inputs) computes nothing; the search repairs masks that would empty a segment.
 */
public record MaskLayout(int[] segments) {

    public MaskLayout {
        segments = segments.clone();
        if (segments.length == 0) {
            throw new IllegalArgumentException("a mask layout needs at least one segment");
        }
        for (int s : segments) {
            if (s <= 0) {
                throw new IllegalArgumentException("segments must hold at least one bit: " + Arrays.toString(segments));
            }
        }
    }

    public static MaskLayout of(int... segments) {
        return new MaskLayout(segments);
    }

    @Override
    public int[] segments() {
        return segments.clone();
    }

    public int segmentCount() {
        return segments.length;
    }

    public int size(int segment) {
        return segments[segment];
    }

    /** First bit of a segment. */
    public int start(int segment) {
        int start = 0;
        for (int s = 0; s < segment; s++) {
            start += segments[s];
        }
        return start;
    }

    /** Bits in all. */
    public int length() {
        int n = 0;
        for (int s : segments) {
            n += s;
        }
        return n;
    }

    /** Whether every segment of the mask keeps at least one bit. */
    public boolean isValid(Mask mask) {
        if (mask.length() != length()) {
            return false;
        }
        for (int s = 0; s < segments.length; s++) {
            if (mask.activeCount(start(s), start(s) + segments[s]) == 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskLayout other && Arrays.equals(segments, other.segments);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(segments);
    }

    @Override
    public String toString() {
        return "MaskLayout" + Arrays.toString(segments);
    }
}
