package org.odf2nna.evolve;

import java.util.Arrays;

/**
 * An immutable string of bits, one per searched unit (or input feature): a set bit keeps it. Masks are
 * values (equal bits, equal masks), so they can key the fitness cache.
 */
public final class Mask {

    private final long[] words;
    private final int length;
    private final int active;

    private Mask(long[] words, int length) {
        this.words = words;
        this.length = length;
        int count = 0;
        for (long w : words) {
            count += Long.bitCount(w);
        }
        this.active = count;
    }

    public static Mask of(boolean[] bits) {
        long[] words = new long[wordsFor(bits.length)];
        for (int i = 0; i < bits.length; i++) {
            if (bits[i]) {
                words[i >>> 6] |= 1L << i;
            }
        }
        return new Mask(words, bits.length);
    }

    /** Every bit set: nothing pruned. */
    public static Mask all(int length) {
        boolean[] bits = new boolean[length];
        Arrays.fill(bits, true);
        return of(bits);
    }

    /** A mask written as {@code "1011"}, bit 0 first. */
    public static Mask parse(String bits) {
        boolean[] b = new boolean[bits.length()];
        for (int i = 0; i < b.length; i++) {
            char c = bits.charAt(i);
            if (c != '0' && c != '1') {
                throw new IllegalArgumentException("a mask is written with 0 and 1 only: " + bits);
            }
            b[i] = c == '1';
        }
        return of(b);
    }

    private static int wordsFor(int bits) {
        return (bits + 63) >>> 6;
    }

    public int length() {
        return length;
    }

    public boolean get(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("bit " + index + " of " + length);
        }
        return (words[index >>> 6] & (1L << index)) != 0;
    }

    /** Number of set bits: the units (or features) this mask keeps. */
    public int activeCount() {
        return active;
    }

    /** Set bits in {@code [from, to)}. */
    public int activeCount(int from, int to) {
        int count = 0;
        for (int i = from; i < to; i++) {
            count += get(i) ? 1 : 0;
        }
        return count;
    }

    /** Indices of the set bits in {@code [from, to)}, relative to {@code from}, ascending. */
    public int[] activeIndices(int from, int to) {
        int[] kept = new int[activeCount(from, to)];
        int k = 0;
        for (int i = from; i < to; i++) {
            if (get(i)) {
                kept[k++] = i - from;
            }
        }
        return kept;
    }

    /** Bits in which the two masks differ. */
    public int hammingDistance(Mask other) {
        if (other.length != length) {
            throw new IllegalArgumentException("masks of " + length + " and " + other.length + " bits");
        }
        int d = 0;
        for (int w = 0; w < words.length; w++) {
            d += Long.bitCount(words[w] ^ other.words[w]);
        }
        return d;
    }

    /** This mask with one bit flipped. */
    public Mask flip(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException("bit " + index + " of " + length);
        }
        long[] w = words.clone();
        w[index >>> 6] ^= 1L << index;
        return new Mask(w, length);
    }

    public boolean[] toBooleans() {
        boolean[] bits = new boolean[length];
        for (int i = 0; i < length; i++) {
            bits[i] = get(i);
        }
        return bits;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Mask other && other.length == length && Arrays.equals(words, other.words);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(words) + length;
    }

    /** The bits as {@code "1011"}, bit 0 first. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(get(i) ? '1' : '0');
        }
        return s.toString();
    }
}
