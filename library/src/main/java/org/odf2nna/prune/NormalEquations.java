package org.odf2nna.prune;

import java.nio.DoubleBuffer;
import java.util.Arrays;
import org.ejml.data.DMatrix;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.odf2nna.settings.PruningOptions;

/**
 * The normal equations of a least-squares fit of targets Z (n × m) from features H (n × k) plus a constant,
 * accumulated row batch by row batch in double precision: memory is O((k+1)·(k+1+m)), whatever n.
 *
 * <p>With A = [H − 1·hShiftᵀ, 1] and Y = Z − 1·zShiftᵀ it holds G = AᵀA, R = AᵀY and the column sums of Y².
 * The shifts only make the sums better conditioned (they should be close to the column means; the
 * caller's estimate of them is good enough) and are undone in {@link #solve}: the solution is for the
 * unshifted problem.
 *
 * <p>{@link #solve} minimises ‖[H, 1]·X − Z‖² + λ·‖W − W₀‖² over X = [W; b], a ridge term that pulls the
 * weights W (not the bias b) towards a prior W₀. With the prior a feasible solution X₀ = [W₀; b₀], the
 * solution's residual is never larger than the prior's: residual(X) ≤ residual(X) + λ‖W − W₀‖² ≤
 * residual(X₀). λ = ridge · trace(Cov(H))·n / k: {@code ridge} is relative to the average variance of the
 * features (times the rows), so its meaning does not depend on the features' scale.
 */
public final class NormalEquations {

    /** Rows converted to a dense double matrix at a time. */
    private static final int CHUNK = 512;
    /** Rows and columns of the square tiles in which the Gram matrix is made symmetric. */
    private static final int TILE = 64;

    private final int features;
    private final int targets;
    private final double[] featureShift;
    private final double[] targetShift;
    private final DMatrixRMaj gram;
    private final DMatrixRMaj cross;
    private final double[] targetSquares;
    private long rows;

    /**
     * @param featureShift k values subtracted from every feature row (e.g. estimates of the column means)
     * @param targetShift  m values subtracted from every target row
     */
    public NormalEquations(double[] featureShift, double[] targetShift) {
        this.features = featureShift.length;
        this.targets = targetShift.length;
        if (targets == 0) {
            throw new IllegalArgumentException("no targets to fit");
        }
        this.featureShift = featureShift.clone();
        this.targetShift = targetShift.clone();
        this.gram = new DMatrixRMaj(features + 1, features + 1);
        this.cross = new DMatrixRMaj(features + 1, targets);
        this.targetSquares = new double[targets];
    }

    public int features() {
        return features;
    }

    public int targets() {
        return targets;
    }

    public long rows() {
        return rows;
    }

    /** Adds {@code n} rows: {@code h} holds n × k features, {@code z} n × m targets, both row-major. */
    public void add(float[] h, float[] z, int n) {
        if (h.length < (long) n * features || z.length < (long) n * targets) {
            throw new IllegalArgumentException("need " + n + "x" + features + " features and " + n + "x" + targets
                    + " targets");
        }
        int width = features + 1;
        DMatrixRMaj a = new DMatrixRMaj(Math.min(n, CHUNK), width);
        DMatrixRMaj y = new DMatrixRMaj(Math.min(n, CHUNK), targets);
        DMatrixRMaj g = new DMatrixRMaj(width, width);
        for (int from = 0; from < n; from += CHUNK) {
            int c = Math.min(CHUNK, n - from);
            a.reshape(c, width);
            y.reshape(c, targets);
            double[] ad = a.data;
            double[] yd = y.data;
            for (int r = 0; r < c; r++) {
                int hb = (from + r) * features;
                int ab = r * width;
                for (int j = 0; j < features; j++) {
                    ad[ab + j] = h[hb + j] - featureShift[j];
                }
                ad[ab + features] = 1;
                int zb = (from + r) * targets;
                int yb = r * targets;
                for (int u = 0; u < targets; u++) {
                    double v = z[zb + u] - targetShift[u];
                    yd[yb + u] = v;
                    targetSquares[u] += v * v;
                }
            }
            CommonOps_DDRM.multInner(a, g);
            CommonOps_DDRM.addEquals(gram, g);
            CommonOps_DDRM.multAddTransA(a, y, cross);
            rows += c;
        }
    }

    /** The values subtracted from every feature row before the sums. */
    public double[] featureShift() {
        return featureShift.clone();
    }

    /** The values subtracted from every target row before the sums. */
    public double[] targetShift() {
        return targetShift.clone();
    }

    /**
     * Adds sums made elsewhere over {@code n} rows, with this accumulator's shifts already subtracted (H and Z
     * shifted): HᵀH ({@code hh}, k × k row-major; added as it is, row by row, and made symmetric once before the
     * solve), the column sums of H and of Z, HᵀZ ({@code hz}, k × m) and the column sums of Z².
     */
    public void addSums(double[] hh, double[] hSum, double[] hz, double[] zSum, double[] zz, long n) {
        addSums(DoubleBuffer.wrap(hh), DoubleBuffer.wrap(hSum), DoubleBuffer.wrap(hz), DoubleBuffer.wrap(zSum),
                DoubleBuffer.wrap(zz), n);
    }

    /**
     * The same from buffers (read from index 0 to their limits, positions unchanged): where ONNX Runtime wrote the
     * sums in place, no copy of a k × k block per run.
     */
    public void addSums(DoubleBuffer hh, DoubleBuffer hSum, DoubleBuffer hz, DoubleBuffer zSum, DoubleBuffer zz,
            long n) {
        if (hh.limit() != features * features || hSum.limit() != features || hz.limit() != features * targets
                || zSum.limit() != targets || zz.limit() != targets) {
            throw new IllegalArgumentException("sums of the wrong size for " + features + " features and " + targets
                    + " targets");
        }
        int width = features + 1;
        double[] g = gram.data;
        for (int i = 0; i < features; i++) {
            int row = i * width;
            int from = i * features;
            for (int j = 0; j < features; j++) {
                g[row + j] += hh.get(from + j);
            }
            g[i * width + features] += hSum.get(i);
            g[features * width + i] += hSum.get(i);
        }
        g[features * width + features] += n;
        double[] c = cross.data;
        for (int i = 0; i < features * targets; i++) {
            c[i] += hz.get(i);
        }
        for (int u = 0; u < targets; u++) {
            c[features * targets + u] += zSum.get(u);
            targetSquares[u] += zz.get(u);
        }
        rows += n;
    }

    /**
     * {@link #addSums} from the sums of a wider set of {@code units} features (shifted as this accumulator's are), of
     * which this accumulator's are {@code kept}: HᵀH = {@code gram}[kept, kept], the features' column sums
     * {@code unitSum}[kept] and HᵀZ = {@code cross}[kept, ·] ({@code cross}: units × m). Gathered in place: no k × k
     * and k × m copies (at 4,096 wide, 230 MB).
     */
    public void addGathered(double[] gram, int units, int[] kept, double[] unitSum, double[] cross, double[] zSum,
            double[] zz, long n) {
        if (kept.length != features || gram.length != units * units || cross.length != units * targets
                || zSum.length != targets || zz.length != targets) {
            throw new IllegalArgumentException("sums of the wrong size for " + features + " features and " + targets
                    + " targets");
        }
        int width = features + 1;
        double[] g = this.gram.data;
        for (int i = 0; i < features; i++) {
            int row = i * width;
            int from = kept[i] * units;
            for (int j = 0; j < features; j++) {
                g[row + j] += gram[from + kept[j]];
            }
            g[i * width + features] += unitSum[kept[i]];
            g[features * width + i] += unitSum[kept[i]];
        }
        g[features * width + features] += n;
        double[] c = this.cross.data;
        for (int i = 0; i < features; i++) {
            int from = kept[i] * targets;
            for (int u = 0; u < targets; u++) {
                c[i * targets + u] += cross[from + u];
            }
        }
        for (int u = 0; u < targets; u++) {
            c[features * targets + u] += zSum[u];
            targetSquares[u] += zz[u];
        }
        rows += n;
    }

    /** Adds the sums of another accumulator with the same shifts (rows fitted elsewhere, e.g. another thread). */
    public void merge(NormalEquations other) {
        if (!Arrays.equals(other.featureShift, featureShift) || !Arrays.equals(other.targetShift, targetShift)) {
            throw new IllegalArgumentException("normal equations with different shifts cannot be merged");
        }
        CommonOps_DDRM.addEquals(gram, other.gram);
        CommonOps_DDRM.addEquals(cross, other.cross);
        for (int u = 0; u < targets; u++) {
            targetSquares[u] += other.targetSquares[u];
        }
        rows += other.rows;
    }

    /**
     * A solution: weights {@code [k][m]} row-major and bias for the unshifted problem, in double, with the
     * ridge λ that was used, how the system was solved, and the residual sums of squares of the solution and of
     * the prior over the accumulated rows.
     */
    public record Solution(double[] weights, double[] bias, double lambda, String solver, double residual,
            double priorResidual) {
    }

    /**
     * Solves (G + λD)·X = R + λD·X₀ (D: the identity on the weight rows, zero on the bias row), by Cholesky; when
     * that fails (λ = 0 with collinear features), by the SVD pseudo-inverse, which gives the minimum-norm
     * solution of the change from the prior.
     *
     * @param priorWeights W₀, {@code [k][m]} row-major
     * @param priorBias    b₀, m values
     * @param ridge        λ relative to the features' average variance times the rows; ≥ 0
     */
    public Solution solve(float[] priorWeights, float[] priorBias, double ridge) {
        return solve(priorWeights, priorBias, ridge, DenseProduct.EJML);
    }

    /**
     * The same, with the large products of a wide system (over {@link BlockedCholesky#MIN_WIDTH} features) made
     * by {@code product}: the factor and the solves by blocks ({@link BlockedCholesky}), and the residuals.
     */
    public Solution solve(float[] priorWeights, float[] priorBias, double ridge, DenseProduct product) {
        if (priorWeights.length != features * targets || priorBias.length != targets) {
            throw new IllegalArgumentException("prior of " + priorWeights.length + " weights and " + priorBias.length
                    + " biases for " + features + "x" + targets);
        }
        PruningOptions.checkRidge(ridge);
        if (rows == 0) {
            throw new IllegalStateException("no rows were added");
        }
        int width = features + 1;
        symmetrize();
        DMatrixRMaj prior = shiftedPrior(priorWeights, priorBias);
        double lambda = ridge * scale();
        DMatrixRMaj system = null;
        DMatrixRMaj x = new DMatrixRMaj(width, targets);
        DMatrixRMaj rhs = null;
        String solver = "cholesky";
        boolean solved;
        double[] factor = null;
        double[] diagonal = null;
        if (width > BlockedCholesky.MIN_WIDTH) {
            // The right-hand side made in the solution's place: a wide system holds no n × m copy of it.
            rightHandSide(prior, lambda, x.data);
            // The factor made in G's own lower triangle: G is symmetric (above), its strict upper triangle is left
            // as it was and its diagonal kept here, so G is had back afterwards; no n × n copy of it (110 MB for
            // 3,716 features).
            diagonal = withRidge(lambda);
            factor = solveByBlocks(gram, x, product);
            solved = factor != null;
            if (!solved) {
                // The solution was made in the right-hand side's place.
                restoreGram(diagonal);
                diagonal = null;
                system = system(lambda);
                rhs = new DMatrixRMaj(width, targets);
                rightHandSide(prior, lambda, rhs.data);
            }
        } else {
            system = system(lambda);
            rhs = new DMatrixRMaj(width, targets);
            rightHandSide(prior, lambda, rhs.data);
            solved = solveSmall(system, rhs, x);
        }
        if (!solved) {
            solveByPseudoInverse(system, rhs, prior, x);
            solver = "pseudo-inverse";
        }
        // A factored solve satisfies (G + λD)·X = R + λD·X₀, so G·X = R + λD·(X₀ − X): its residual needs no k × k
        // product (the pseudo-inverse's answer need not satisfy it, and takes the product).
        double residual = solved ? solvedResidual(x, prior, lambda) : residual(x, product);
        double priorResidual = factor != null ? factoredResidual(factor, prior, lambda, product)
                : residual(prior, product);
        if (diagonal != null) {
            restoreGram(diagonal);
        }
        // Let the factor go before the weights are copied out (at 4096 wide each of these is 128 MB).
        factor = null;
        system = null;
        rhs = null;
        double[] w = Arrays.copyOf(x.data, features * targets);
        double[] b = new double[targets];
        for (int u = 0; u < targets; u++) {
            b[u] = x.data[features * targets + u] + targetShift[u];
        }
        // Row by row (each bias summed in the same order as a column at a time).
        for (int j = 0; j < features; j++) {
            double shift = featureShift[j];
            int row = j * targets;
            for (int u = 0; u < targets; u++) {
                b[u] -= shift * w[row + u];
            }
        }
        return new Solution(w, b, lambda, solver, residual, priorResidual);
    }

    /**
     * Singular or nearly: solves for the change from the prior, so that the minimum-norm answer stays at the prior
     * along the directions the rows do not determine; the answer into {@code x}.
     */
    private static void solveByPseudoInverse(DMatrixRMaj system, DMatrixRMaj rhs, DMatrixRMaj prior, DMatrixRMaj x) {
        DMatrixRMaj change = new DMatrixRMaj(x.numRows, x.numCols);
        DMatrixRMaj residualRhs = new DMatrixRMaj(x.numRows, x.numCols);
        CommonOps_DDRM.mult(system, prior, residualRhs);
        CommonOps_DDRM.subtract(rhs, residualRhs, residualRhs);
        LinearSolverDense<DMatrixRMaj> pinv = LinearSolverFactory_DDRM.pseudoInverse(true);
        if (!pinv.setA(system.copy())) {
            throw new IllegalStateException("the least-squares system could not be decomposed");
        }
        pinv.solve(residualRhs, change);
        CommonOps_DDRM.add(prior, change, x);
    }

    /**
     * G as the mean of itself and its transpose: sums made elsewhere ({@link #addSums}) may differ from their mirror
     * image in the last bits; sums made here are symmetric already and stay as they are.
     */
    private void symmetrize() {
        int width = features + 1;
        double[] g = gram.data;
        // By tiles, so that the column read is in the cache (a column at a time took seconds at 4096 wide).
        for (int i0 = 0; i0 < width; i0 += TILE) {
            for (int j0 = i0; j0 < width; j0 += TILE) {
                for (int i = i0; i < Math.min(i0 + TILE, width); i++) {
                    for (int j = Math.max(j0, i + 1); j < Math.min(j0 + TILE, width); j++) {
                        double mean = 0.5 * (g[i * width + j] + g[j * width + i]);
                        g[i * width + j] = mean;
                        g[j * width + i] = mean;
                    }
                }
            }
        }
    }

    /** EJML's Cholesky solve, as narrow systems were always solved; false when singular or nearly. */
    private static boolean solveSmall(DMatrixRMaj system, DMatrixRMaj rhs, DMatrixRMaj x) {
        int width = system.numRows;
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(width);
        if (!chol.setA(system.copy())) {
            return false;
        }
        // Cholesky succeeds on some numerically singular systems; refuse a factor whose diagonal spans more
        // than 7 orders of magnitude (a condition number above about 1e14).
        // EJML solves large systems (over EjmlParameters.SWITCH_BLOCK64_CHOLESKY) with a block decomposition,
        // whose factor is a DMatrixRBlock: read it through the common interface.
        DMatrix l = choleskyFactor(chol);
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (int j = 0; j < width; j++) {
            double dj = Math.abs(l.get(j, j));
            min = Math.min(min, dj);
            max = Math.max(max, dj);
        }
        if (!(min > 1e-7 * max)) {
            return false;
        }
        chol.solve(rhs.copy(), x);
        return allFinite(x);
    }

    /** R + λD·X₀ into {@code out} ((k+1) × m, row-major). */
    private void rightHandSide(DMatrixRMaj prior, double lambda, double[] out) {
        double[] c = cross.data;
        double[] p = prior.data;
        for (int i = 0; i < c.length; i++) {
            out[i] = i < features * targets ? c[i] + lambda * p[i] : c[i];
        }
    }

    /** Adds λ to G's weight rows' diagonal in place (as {@link #system} does to its copy); gives the diagonal before. */
    private double[] withRidge(double lambda) {
        int width = features + 1;
        double[] before = new double[width];
        for (int j = 0; j < width; j++) {
            before[j] = gram.get(j, j);
        }
        for (int j = 0; j < features; j++) {
            gram.add(j, j, lambda);
        }
        return before;
    }

    /** G back from its strict upper triangle (a factor in the lower one left it as it was) and its diagonal. */
    private void restoreGram(double[] diagonal) {
        int width = features + 1;
        double[] g = gram.data;
        // By tiles, as symmetrize reads the mirror image.
        for (int i0 = 0; i0 < width; i0 += TILE) {
            for (int j0 = 0; j0 <= i0; j0 += TILE) {
                for (int i = i0; i < Math.min(i0 + TILE, width); i++) {
                    for (int j = j0; j < Math.min(j0 + TILE, i); j++) {
                        g[i * width + j] = g[j * width + i];
                    }
                }
            }
        }
        for (int j = 0; j < width; j++) {
            g[j * width + j] = diagonal[j];
        }
    }

    /** G + λD: the Gram matrix with λ added to the weight rows' diagonal (not the bias row's). */
    private DMatrixRMaj system(double lambda) {
        DMatrixRMaj system = gram.copy();
        for (int j = 0; j < features; j++) {
            system.add(j, j, lambda);
        }
        return system;
    }

    /**
     * The same by blocks, the large products made by {@code product}; the same test of the factor's diagonal. The
     * factor is made in {@code system}'s lower triangle (its strict upper one untouched) and the solution in
     * {@code x}'s, which holds the right-hand side (no further n × n copies); returns the factor, or null when not
     * solved.
     */
    private static double[] solveByBlocks(DMatrixRMaj system, DMatrixRMaj x, DenseProduct product) {
        int width = system.numRows;
        double[] l = system.data;
        if (!BlockedCholesky.factorLower(l, width, product)) {
            return null;
        }
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (int j = 0; j < width; j++) {
            double dj = Math.abs(l[j * width + j]);
            min = Math.min(min, dj);
            max = Math.max(max, dj);
        }
        if (!(min > 1e-7 * max)) {
            return null;
        }
        BlockedCholesky.solve(l, width, x.data, x.numCols, product);
        return allFinite(x) ? l : null;
    }

    /**
     * ‖A·X₀ − Y‖² from the factor L of G + λD: Σz² − 2·tr(X₀ᵀR) + ‖LᵀX₀‖² − λ‖W₀‖², half the multiply-adds of
     * G·X₀.
     */
    private double factoredResidual(double[] l, DMatrixRMaj x0, double lambda, DenseProduct product) {
        int width = features + 1;
        double[] lx = BlockedCholesky.transposedTimes(l, width, x0.data, targets, product);
        double quadratic = 0;
        for (double v : lx) {
            quadratic += v * v;
        }
        double linear = 0;
        double[] c = cross.data;
        double[] p = x0.data;
        for (int i = 0; i < c.length; i++) {
            linear += p[i] * c[i];
        }
        double ridgeTerm = 0;
        for (int i = 0; i < features * targets; i++) {
            ridgeTerm += p[i] * p[i];
        }
        double total = -2 * linear + quadratic - lambda * ridgeTerm;
        for (double squares : targetSquares) {
            total += squares;
        }
        return Math.max(0, total);
    }

    /**
     * The unit of λ: n times the features' average variance (trace of their covariance over k), from the
     * accumulated sums; n when the features do not vary at all.
     */
    double scale() {
        if (features == 0) {
            return 0;
        }
        double n = gram.get(features, features);
        double trace = 0;
        for (int j = 0; j < features; j++) {
            double s = gram.get(j, features);
            trace += Math.max(0, gram.get(j, j) - s * s / n);
        }
        double average = trace / features;
        return average > 0 ? average : n;
    }

    /** ‖A·X − Y‖² over the accumulated rows, from the sums: Σz² − 2·tr(XᵀR) + tr(XᵀGX). */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static DMatrix choleskyFactor(LinearSolverDense<DMatrixRMaj> chol) {
        CholeskyDecomposition_F64 factor = (CholeskyDecomposition_F64) chol.getDecomposition();
        return (DMatrix) factor.getT(null);
    }

    private double residual(DMatrixRMaj x, DenseProduct product) {
        DMatrixRMaj gx;
        if (features + 1 > BlockedCholesky.MIN_WIDTH) {
            gx = DMatrixRMaj.wrap(features + 1, targets, product.multiply(gram.data, features + 1, features + 1,
                    x.data, targets));
        } else {
            gx = new DMatrixRMaj(features + 1, targets);
            CommonOps_DDRM.mult(gram, x, gx);
        }
        double total = 0;
        for (int u = 0; u < targets; u++) {
            double quadratic = 0;
            double linear = 0;
            for (int j = 0; j <= features; j++) {
                quadratic += x.get(j, u) * gx.get(j, u);
                linear += x.get(j, u) * cross.get(j, u);
            }
            total += targetSquares[u] - 2 * linear + quadratic;
        }
        return Math.max(0, total);
    }

    /**
     * ‖A·X − Y‖² for X that solves (G + λD)·X = R + λD·X₀: Σz² − 2·tr(XᵀR) + tr(XᵀGX) with GX = R + λD·(X₀ − X),
     * that is Σz² − tr(XᵀR) + λ·Σ X∘(X₀ − X) over the weight rows.
     */
    private double solvedResidual(DMatrixRMaj x, DMatrixRMaj prior, double lambda) {
        double[] xd = x.data;
        double[] c = cross.data;
        double[] p = prior.data;
        double[] linear = new double[targets];
        double[] ridgeTerm = new double[targets];
        // Row by row, each target's sums in the order a column at a time gave (a column at a time strode through
        // (k+1) × m values once per target: seconds at 4,096 wide).
        for (int j = 0; j <= features; j++) {
            int row = j * targets;
            for (int u = 0; u < targets; u++) {
                linear[u] += xd[row + u] * c[row + u];
            }
            if (j < features) {
                for (int u = 0; u < targets; u++) {
                    ridgeTerm[u] += xd[row + u] * (p[row + u] - xd[row + u]);
                }
            }
        }
        double total = 0;
        for (int u = 0; u < targets; u++) {
            total += targetSquares[u] - linear[u] + lambda * ridgeTerm[u];
        }
        return Math.max(0, total);
    }

    /** The prior in the shifted coordinates: the same weights, bias b₀ + hShift·W₀ − zShift. */
    private DMatrixRMaj shiftedPrior(float[] priorWeights, float[] priorBias) {
        DMatrixRMaj p = new DMatrixRMaj(features + 1, targets);
        double[] d = p.data;
        for (int u = 0; u < targets; u++) {
            d[features * targets + u] = priorBias[u] - targetShift[u];
        }
        // Row by row (each bias summed in the same order as a column at a time, without striding through W₀).
        for (int j = 0; j < features; j++) {
            int row = j * targets;
            double shift = featureShift[j];
            for (int u = 0; u < targets; u++) {
                double w = priorWeights[row + u];
                d[row + u] = w;
                d[features * targets + u] += shift * w;
            }
        }
        return p;
    }

    private static boolean allFinite(DMatrixRMaj m) {
        for (int i = 0; i < m.getNumElements(); i++) {
            if (!Double.isFinite(m.data[i])) {
                return false;
            }
        }
        return true;
    }
}
