package org.odf2nna.metrics;

/** Exact binomial probabilities, in double precision, for the loss bounds (no normal approximation). */
final class Binomial {

    private Binomial() {
    }

    /** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-14). */
    static double logGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};
        x -= 1;
        double a = c[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) {
            a += c[i] / (x + i);
        }
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }

    /** P(X = k) for X ~ Bin(n, p). */
    static double pmf(int n, int k, double p) {
        if (k < 0 || k > n) {
            return 0;
        }
        if (p <= 0) {
            return k == 0 ? 1 : 0;
        }
        if (p >= 1) {
            return k == n ? 1 : 0;
        }
        return Math.exp(logGamma(n + 1.0) - logGamma(k + 1.0) - logGamma(n - k + 1.0) + k * Math.log(p)
                + (n - k) * Math.log1p(-p));
    }

    /** P(X ≤ k) for X ~ Bin(n, p). */
    static double cdf(int n, int k, double p) {
        return tail(n, k, p, false);
    }

    /** P(X > k) for X ~ Bin(n, p), without the cancellation of 1 − cdf for small tails. */
    static double upperTail(int n, int k, double p) {
        return tail(n, k, p, true);
    }

    /** P(X > k) when {@code upper}, else P(X ≤ k): each straight from the incomplete beta, away from the edges. */
    private static double tail(int n, int k, double p, boolean upper) {
        double above; // P(X > k) where it is certain
        if (k < 0) {
            above = 1;
        } else if (k >= n || p <= 0) {
            above = 0;
        } else if (p >= 1) {
            above = 1;
        } else {
            // P(X ≤ k) = I_{1-p}(n - k, k + 1); P(X > k) = I_p(k + 1, n - k).
            return upper ? regularizedBeta(p, k + 1.0, n - k) : regularizedBeta(1 - p, n - k, k + 1.0);
        }
        return upper ? above : 1 - above;
    }

    /** The regularized incomplete beta function I_x(a, b) (continued fraction, Numerical Recipes' betacf). */
    static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
        if (x < (a + 1) / (a + b + 2)) {
            return front * continuedFraction(x, a, b) / a;
        }
        return 1 - front * continuedFraction(1 - x, b, a) / b;
    }

    private static double continuedFraction(double x, double a, double b) {
        final double tiny = 1e-300;
        double qab = a + b;
        double qap = a + 1;
        double qam = a - 1;
        double c = 1;
        double d = 1 - qab * x / qap;
        d = Math.abs(d) < tiny ? tiny : d;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 10_000; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = 1 + aa / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = 1 + aa / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-15) {
                break;
            }
        }
        return h;
    }
}
