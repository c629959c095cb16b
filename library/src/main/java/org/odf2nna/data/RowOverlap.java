package org.odf2nna.data;

import java.util.Arrays;
import java.util.List;

/**
 * How many validation rows also appear among the training rows, and how often the training rows repeat one another:
 * the counts that tell rows kept apart from rows the model was steered on. It takes rows already read (it never opens
 * a file).
 *
 * <p>Rows are equal when every value is: every feature of every block (for a graph, each input fed per row) and the
 * target, when both sides have targets (else the features alone). Values are compared as the network reads them:
 * {@code -0.0} and {@code 0.0} are one value (a network's output cannot tell them apart), and every NaN is one value.
 * Each row gets a 64-bit hash of its values; rows whose hashes match are then compared value by value, so a hash
 * collision never counts as a repeat.
 *
 * <p>Real files repeat rows (spambase, the breast-cancer set, pole and poker all hold identical rows), so an honest
 * split shares some. Under an i.i.d. split a validation row equals some training row with the chance that a training
 * row equals another training row (the leave-one-out share of repeated training rows, {@link Count#duplicateShare}),
 * and the overlap is about Binomial(validation rows, that share); {@link Count#chanceOfAtLeast} is its upper tail.
 */
public final class RowOverlap {

    private RowOverlap() {
    }

    /**
     * Rows in memory.
     *
     * @param count   rows
     * @param blocks  row-major values, each block in step with the others ({@code count} rows of its own width)
     * @param bytes   more blocks, of bytes (a detector's uint8 images, held so): two rows are the same where their bytes
     *                are, as their values (each byte's value / 255) are
     * @param targets one target per row, or null for rows without targets
     */
    public record Rows(int count, List<float[]> blocks, List<byte[]> bytes, float[] targets) {

        public Rows {
            blocks = List.copyOf(blocks);
            bytes = List.copyOf(bytes);
            if (count < 0) {
                throw new IllegalArgumentException("negative row count " + count);
            }
            for (float[] b : blocks) {
                if (count == 0 ? b.length != 0 : b.length % count != 0) {
                    throw new IllegalArgumentException("a block of " + b.length + " values is not " + count + " rows");
                }
            }
            for (byte[] b : bytes) {
                if (count == 0 ? b.length != 0 : b.length % count != 0) {
                    throw new IllegalArgumentException("a block of " + b.length + " bytes is not " + count + " rows");
                }
            }
            if (targets != null && targets.length != count) {
                throw new IllegalArgumentException(targets.length + " targets for " + count + " rows");
            }
        }

        /** Blocks of values alone. */
        public Rows(int count, List<float[]> blocks, float[] targets) {
            this(count, blocks, List.of(), targets);
        }

        /** One block of {@code values}, {@code width} per row. */
        public static Rows of(float[] values, int width, float[] targets) {
            return new Rows(width == 0 ? 0 : values.length / width, List.of(values), targets);
        }
    }

    /**
     * What {@link #count} found.
     *
     * @param trainingRows       training rows
     * @param trainingDuplicates training rows equal to at least one other training row
     * @param validationRows     validation rows
     * @param overlapping        validation rows equal to at least one training row
     */
    public record Count(int trainingRows, int trainingDuplicates, int validationRows, int overlapping) {

        /** The share of training rows that repeat another: the chance a new row from the same source is among them. */
        public double duplicateShare() {
            return trainingRows == 0 ? 0 : (double) trainingDuplicates / trainingRows;
        }

        /** Validation rows the repeats explain on average: validation rows × {@link #duplicateShare}. */
        public double expectedByChance() {
            return validationRows * duplicateShare();
        }

        /** P(Binomial(validation rows, duplicate share) ≥ overlapping): how likely an honest split shares as many. */
        public double chanceOfAtLeast() {
            return atLeast(validationRows, overlapping, duplicateShare());
        }

        /** Whether the overlap is more than chance explains at {@code level} (with no repeats, any overlap is). */
        public boolean beyondChance(double level) {
            return overlapping > 0 && chanceOfAtLeast() < level;
        }
    }

    /** Counts the validation rows that appear among the training rows, and the training rows' own repeats. */
    public static Count count(Rows training, Rows validation) {
        return count(training, validation, RowOverlap::hash);
    }

    /** A row's hash: {@link #hash}, or in tests one that collides on purpose. */
    interface RowHash {
        long of(Rows rows, int r, boolean targets);
    }

    /** {@link #count} with rows hashed by {@code hash}. */
    static Count count(Rows training, Rows validation, RowHash hash) {
        boolean targets = training.targets() != null && validation.targets() != null;
        Table table = new Table(training, targets, hash);
        int[] copies = table.copies;
        int duplicates = 0;
        for (int slot = 0; slot < copies.length; slot++) {
            duplicates += copies[slot] >= 2 ? copies[slot] : 0;
        }
        int overlapping = 0;
        for (int r = 0; r < validation.count(); r++) {
            overlapping += table.find(validation, r) >= 0 ? 1 : 0;
        }
        return new Count(training.count(), duplicates, validation.count(), overlapping);
    }

    /**
     * The distinct training rows in an open-addressing table: per slot the first row of that value, its hash and how
     * many training rows hold it.
     */
    private static final class Table {
        private final Rows rows;
        private final boolean targets;
        private final RowHash hash;
        private final int[] first;
        private final long[] hashes;
        private final int[] copies;
        private final int mask;

        Table(Rows rows, boolean targets, RowHash hash) {
            this.rows = rows;
            this.targets = targets;
            this.hash = hash;
            int capacity = Integer.highestOneBit(Math.max(2, rows.count()) * 2 - 1) << 1;
            first = new int[capacity];
            Arrays.fill(first, -1);
            hashes = new long[capacity];
            copies = new int[capacity];
            mask = capacity - 1;
            for (int r = 0; r < rows.count(); r++) {
                long h = hash.of(rows, r, targets);
                int slot = probe(rows, r, h);
                if (first[slot] < 0) {
                    first[slot] = r;
                    hashes[slot] = h;
                }
                copies[slot]++;
            }
        }

        /** The slot of row {@code r} of {@code other}, or −1 when no training row equals it. */
        int find(Rows other, int r) {
            int slot = probe(other, r, hash.of(other, r, targets));
            return first[slot] < 0 ? -1 : slot;
        }

        /** The slot holding the value of row {@code r} of {@code other}, or the empty slot where it would go. */
        private int probe(Rows other, int r, long h) {
            int slot = (int) (h ^ (h >>> 32)) & mask;
            while (first[slot] >= 0 && !(hashes[slot] == h && same(rows, first[slot], other, r, targets))) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }
    }

    /** A value's bits as compared: −0.0 as 0.0, every NaN as the one canonical NaN. */
    static int bits(float v) {
        return Float.floatToIntBits(v + 0.0f);
    }

    /** A 64-bit hash of every value of row {@code r} (and its target when {@code targets}). */
    static long hash(Rows rows, int r, boolean targets) {
        long h = 0x9E3779B97F4A7C15L;
        for (float[] block : rows.blocks()) {
            int width = block.length / rows.count();
            for (int k = r * width; k < (r + 1) * width; k++) {
                h = mix(h ^ bits(block[k]));
            }
        }
        for (byte[] block : rows.bytes()) {
            int width = block.length / rows.count();
            for (int k = r * width; k < (r + 1) * width; k++) {
                h = mix(h ^ (block[k] & 0xFF));
            }
        }
        if (targets) {
            h = mix(h ^ ((long) bits(rows.targets()[r]) << 32));
        }
        return mix(h);
    }

    /** Stafford's variant 13 of MurmurHash3's 64-bit finaliser: every input bit moves every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Whether row {@code i} of {@code a} and row {@code j} of {@code b} hold the same values. */
    static boolean same(Rows a, int i, Rows b, int j, boolean targets) {
        if (a.blocks().size() != b.blocks().size() || a.bytes().size() != b.bytes().size()) {
            return false;
        }
        for (int k = 0; k < a.bytes().size(); k++) {
            byte[] x = a.bytes().get(k);
            byte[] y = b.bytes().get(k);
            int width = x.length / a.count();
            if (width != y.length / b.count()
                    || !java.util.Arrays.equals(x, i * width, (i + 1) * width, y, j * width, (j + 1) * width)) {
                return false;
            }
        }
        for (int k = 0; k < a.blocks().size(); k++) {
            float[] x = a.blocks().get(k);
            float[] y = b.blocks().get(k);
            int width = x.length / a.count();
            if (width != y.length / b.count()) {
                return false;
            }
            for (int c = 0; c < width; c++) {
                if (bits(x[i * width + c]) != bits(y[j * width + c])) {
                    return false;
                }
            }
        }
        return !targets || bits(a.targets()[i]) == bits(b.targets()[j]);
    }

    /**
     * P(X ≥ k) for X ~ Binomial(n, p), summed term by term from the smaller side (exact to double precision, no
     * normal approximation; tails below about 1e-300 read as 0).
     */
    public static double atLeast(int n, int k, double p) {
        if (k <= 0) {
            return 1;
        }
        if (k > n || p <= 0) {
            return 0;
        }
        if (p >= 1) {
            return 1;
        }
        if (k > n * p) {
            // Terms fall from k upwards: P(X ≥ k).
            return sum(n, k, p, +1);
        }
        // Terms fall from k − 1 downwards: 1 − P(X ≤ k − 1).
        return Math.max(0, 1 - sum(n, k - 1, p, -1));
    }

    /**
     * The binomial probabilities from {@code start} on in direction {@code step} (+1 up to n, −1 down to 0), each term
     * from the last by their ratio, until the terms no longer count; the terms must fall that way.
     */
    private static double sum(int n, int start, double p, int step) {
        double odds = p / (1 - p);
        double term = Math.exp(logChoose(n, start) + start * Math.log(p) + (n - start) * Math.log1p(-p));
        double total = term;
        for (int j = start; step > 0 ? j < n : j > 0; j += step) {
            term *= step > 0 ? (double) (n - j) / (j + 1) * odds : (double) j / (n - j + 1) / odds;
            total += term;
            if (term <= total * 1e-17) {
                break;
            }
        }
        return total;
    }

    /** ln C(n, k), summed as logarithms (n up to the rows a file holds). */
    private static double logChoose(int n, int k) {
        int m = Math.min(k, n - k);
        double s = 0;
        for (int i = 1; i <= m; i++) {
            s += Math.log((double) (n - m + i) / i);
        }
        return s;
    }
}
