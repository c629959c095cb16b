package org.odf2nna.harness.bench;

import java.util.Arrays;

/** Order statistics of repeated measurements: what the benchmark tables print. */
public final class Stats {

    private Stats() {
    }

    /**
     * A summary of measurements.
     *
     * @param n      how many
     * @param median the median (mean of the two middle values for an even count)
     * @param min    the smallest
     * @param max    the largest
     * @param p95    the 95th percentile (linear interpolation between closest ranks)
     */
    public record Summary(int n, double median, double min, double max, double p95) {

        /** "median (min–max)" with {@code digits} significant digits, or just the value for one measurement. */
        public String format(int digits) {
            if (n == 0) {
                return "-";
            }
            String m = significant(median, digits);
            return n == 1 ? m : m + " (" + significant(min, digits) + "–" + significant(max, digits) + ")";
        }
    }

    public static Summary of(double... values) {
        if (values.length == 0) {
            return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new Summary(sorted.length, percentile(sorted, 0.5), sorted[0], sorted[sorted.length - 1],
                percentile(sorted, 0.95));
    }

    public static double median(double... values) {
        return of(values).median();
    }

    /**
     * The {@code p}-quantile (0 ≤ p ≤ 1) of sorted values, interpolating linearly between the closest
     * ranks (Hyndman and Fan's type 7, numpy's default): position p·(n − 1).
     */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("p must be in [0, 1], got " + p);
        }
        double position = p * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(below + 1, sorted.length - 1);
        double fraction = position - below;
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }

    /** Element-wise {@code a[i] / b[i]}: per-repeat ratios of interleaved measurements. */
    public static double[] ratios(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("ratios of " + a.length + " and " + b.length + " values");
        }
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return r;
    }

    /** {@code v} with {@code digits} significant digits, no exponent for ordinary magnitudes. */
    public static String significant(double v, int digits) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == 0 || Double.isInfinite(v)) {
            return v == 0 ? "0" : String.valueOf(v);
        }
        double a = Math.abs(v);
        if (a >= 1e-4 && a < 1e9) {
            int magnitude = (int) Math.floor(Math.log10(a));
            int decimals = Math.max(0, digits - 1 - magnitude);
            return String.format(java.util.Locale.ROOT, "%." + decimals + "f", v);
        }
        return String.format(java.util.Locale.ROOT, "%." + (digits - 1) + "e", v);
    }
}
