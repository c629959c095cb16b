package org.odf2nna.evolve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.odf2nna.settings.GaSettings;

/**
 * The steady-state genetic algorithm of EvoPruneDeepTL (Poyatos et al., Neural Networks 2023) over masks:
 * one bit per searched unit, set to keep it. Our reading of the paper and of its authors' published code:
 *
 * <ol>
 * <li><b>Initial population</b>: each individual draws a density p uniformly in (0, 1) and sets round(p·n)
 *     bits of each segment at random positions (at least one).</li>
 * <li><b>Parents</b> (negative assortative mating): four distinct individuals are drawn; the first is the
 *     first parent, and of the other three the one at the largest Hamming distance from it is the second
 *     (the earliest drawn on ties). Pairing dissimilar parents keeps the population diverse.</li>
 * <li><b>Uniform crossover</b>, always applied: each bit comes from either parent with probability ½ and the
 *     second child takes the other parent's bit, so where the parents agree both children agree with them.</li>
 * <li><b>Mutation</b>: with the mutation probability (0.07) a child gets one uniformly chosen bit flipped.
 *     (The authors' code draws once for both children; here each child draws for itself.)</li>
 * <li><b>Repair</b> (ours): a child whose segment lost every set bit gets one of that segment's bits set,
 *     since a layer cannot keep no units.</li>
 * <li><b>Evaluation</b> with a cache keyed by mask: a mask seen before is not evaluated again and does not
 *     count against the budget of evaluations, which includes the initial population.</li>
 * <li><b>Replacement</b>: each child in turn replaces the worst individual when it is better; a child equal to
 *     a member is not inserted (it would only cost diversity). The best individual is thus never lost.</li>
 * <li><b>Order</b>: higher fitness first; equal fitness goes to fewer set bits, the paper's preference for
 *     fewer active neurons.</li>
 * <li><b>Stop</b> when the budget is spent, or after {@value #STALL_LIMIT} children in a row brought no new
 *     mask (the population has converged).</li>
 * </ol>
 *
 * <p>Reproducible: every random choice is drawn on the calling thread from one seeded {@link Random}, in a
 * fixed order; only fitness evaluations run in parallel, and their results are taken in order. The same
 * seed gives the same search for any number of threads. A steady-state step makes two children, so after
 * the initial population at most two evaluations run at once.
 */
public final class SteadyStateGa {

    /** Children in a row without a new mask after which the search stops. */
    static final int STALL_LIMIT = 1000;

    /** Receives the search's progress after every evaluation step. */
    @FunctionalInterface
    public interface Listener {
        void progress(int evaluations, int budget, double bestFitness, int bestActive);
    }

    private final MaskLayout layout;
    private final Fitness fitness;
    private final GaSettings settings;
    private final Random random;
    private final Map<Mask, Double> cache = new HashMap<>();
    private final Mask[] population;
    private final double[] scores;
    private int evaluations;
    private int cacheHits;

    private SteadyStateGa(MaskLayout layout, Fitness fitness, GaSettings settings) {
        this.layout = layout;
        this.fitness = fitness;
        this.settings = settings;
        this.random = new Random(settings.seed());
        this.population = new Mask[settings.population()];
        this.scores = new double[settings.population()];
    }

    public static GaResult run(MaskLayout layout, Fitness fitness, GaSettings settings, Listener listener) {
        SteadyStateGa ga = new SteadyStateGa(layout, fitness, settings);
        ExecutorService pool = settings.threads() > 1 ? Executors.newFixedThreadPool(settings.threads(), r -> {
            Thread t = new Thread(r, "odf2nna-fitness");
            t.setDaemon(true);
            return t;
        }) : null;
        try {
            return ga.search(pool, listener);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    private GaResult search(ExecutorService pool, Listener listener) {
        int size = settings.population();
        List<Mask> initial = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            initial.add(randomMask(layout, random));
        }
        Double[] initialScores = evaluate(initial, pool);
        for (int i = 0; i < size; i++) {
            population[i] = initial.get(i);
            scores[i] = initialScores[i];
        }
        List<GaResult.Generation> generations = new ArrayList<>();
        generations.add(generation(0));
        report(listener);

        int children = 0;
        int sinceNew = 0;
        int sinceGeneration = 0;
        boolean stalled = false;
        while (evaluations < settings.evaluations()) {
            if (sinceNew >= STALL_LIMIT) {
                stalled = true;
                break;
            }
            int[] parents = chooseParents(population, random, GaSettings.SECOND_PARENT_CANDIDATES);
            Mask[] pair = uniformCrossover(population[parents[0]], population[parents[1]], random);
            List<Mask> brood = new ArrayList<>(2);
            for (Mask child : pair) {
                brood.add(repair(mutate(child, settings.mutationProbability(), random), layout, random));
            }
            int before = evaluations;
            Double[] broodScores = evaluate(brood, pool);
            for (int c = 0; c < brood.size(); c++) {
                if (broodScores[c] != null) {
                    insert(brood.get(c), broodScores[c]);
                }
            }
            children += brood.size();
            sinceGeneration += brood.size();
            sinceNew = evaluations > before ? 0 : sinceNew + brood.size();
            if (sinceGeneration >= size) {
                generations.add(generation(generations.size()));
                sinceGeneration -= size;
            }
            report(listener);
        }
        if (sinceGeneration > 0) {
            generations.add(generation(generations.size()));
        }
        int best = best();
        return new GaResult(population[best], scores[best], generations, evaluations, cacheHits, children, stalled);
    }

    /**
     * Fitness of each mask, from the cache or evaluated (in parallel when a pool is given); null for a mask
     * left unevaluated because the budget ran out.
     */
    private Double[] evaluate(List<Mask> masks, ExecutorService pool) {
        Set<Mask> fresh = new LinkedHashSet<>();
        for (Mask m : masks) {
            if (cache.containsKey(m) || fresh.contains(m)) {
                cacheHits++;
            } else if (evaluations + fresh.size() < settings.evaluations()) {
                fresh.add(m);
            }
        }
        List<Mask> todo = new ArrayList<>(fresh);
        double[] values = new double[todo.size()];
        if (pool == null || todo.size() < 2) {
            for (int i = 0; i < todo.size(); i++) {
                values[i] = fitness.evaluate(todo.get(i));
            }
        } else {
            List<Callable<Double>> tasks = new ArrayList<>();
            for (Mask m : todo) {
                tasks.add(() -> fitness.evaluate(m));
            }
            try {
                List<Future<Double>> futures = pool.invokeAll(tasks);
                for (int i = 0; i < futures.size(); i++) {
                    values[i] = futures.get(i).get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while evaluating masks", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException("fitness evaluation failed", cause);
            }
        }
        for (int i = 0; i < todo.size(); i++) {
            cache.put(todo.get(i), values[i]);
        }
        evaluations += todo.size();
        Double[] result = new Double[masks.size()];
        for (int i = 0; i < masks.size(); i++) {
            result[i] = cache.get(masks.get(i));
        }
        return result;
    }

    private void insert(Mask child, double value) {
        for (Mask member : population) {
            if (member.equals(child)) {
                return;
            }
        }
        int worst = worst();
        if (better(value, child.activeCount(), scores[worst], population[worst].activeCount())) {
            population[worst] = child;
            scores[worst] = value;
        }
    }

    private int best() {
        int best = 0;
        for (int i = 1; i < population.length; i++) {
            if (better(scores[i], population[i].activeCount(), scores[best], population[best].activeCount())) {
                best = i;
            }
        }
        return best;
    }

    /** The worst individual; the last one among equals. */
    private int worst() {
        int worst = 0;
        for (int i = 1; i < population.length; i++) {
            if (!better(scores[i], population[i].activeCount(), scores[worst], population[worst].activeCount())) {
                worst = i;
            }
        }
        return worst;
    }

    private GaResult.Generation generation(int index) {
        int best = best();
        return new GaResult.Generation(index, evaluations, scores[best], population[best].activeCount());
    }

    private void report(Listener listener) {
        int best = best();
        listener.progress(evaluations, settings.evaluations(), scores[best], population[best].activeCount());
    }

    // ---- operators (package-private for tests) ----

    /**
     * Whether fitness {@code a} with {@code activeA} set bits beats {@code b} with {@code activeB}: higher
     * fitness, or equal fitness and fewer set bits. NaN loses to any number.
     */
    static boolean better(double a, int activeA, double b, int activeB) {
        if (Double.isNaN(a)) {
            return false;
        }
        if (Double.isNaN(b)) {
            return true;
        }
        if (a != b) {
            return a > b;
        }
        return activeA < activeB;
    }

    /** A random individual: one density for the mask, that share of each segment's bits set at random. */
    static Mask randomMask(MaskLayout layout, Random random) {
        double density;
        do {
            density = random.nextDouble();
        } while (density == 0);
        boolean[] bits = new boolean[layout.length()];
        for (int s = 0; s < layout.segmentCount(); s++) {
            int n = layout.size(s);
            int ones = Math.max(1, (int) Math.round(density * n));
            int[] order = permutation(n, random);
            int start = layout.start(s);
            for (int k = 0; k < ones; k++) {
                bits[start + order[k]] = true;
            }
        }
        return Mask.of(bits);
    }

    /**
     * Indices of the two parents: the first of {@code 1 + candidates} distinct random individuals, and the
     * candidate farthest from it in Hamming distance (the earliest drawn on ties).
     */
    static int[] chooseParents(Mask[] population, Random random, int candidates) {
        int drawn = Math.min(population.length, 1 + candidates);
        int[] order = partialPermutation(population.length, drawn, random);
        int first = order[0];
        int second = order[1];
        int farthest = population[first].hammingDistance(population[second]);
        for (int k = 2; k < drawn; k++) {
            int d = population[first].hammingDistance(population[order[k]]);
            if (d > farthest) {
                farthest = d;
                second = order[k];
            }
        }
        return new int[] {first, second};
    }

    /** Two complementary children: bit by bit, a fair coin says which child takes which parent's bit. */
    static Mask[] uniformCrossover(Mask a, Mask b, Random random) {
        boolean[] x = new boolean[a.length()];
        boolean[] y = new boolean[a.length()];
        for (int i = 0; i < x.length; i++) {
            boolean swap = random.nextBoolean();
            x[i] = swap ? b.get(i) : a.get(i);
            y[i] = swap ? a.get(i) : b.get(i);
        }
        return new Mask[] {Mask.of(x), Mask.of(y)};
    }

    /** With probability {@code p}, the mask with one uniformly chosen bit flipped; else the mask itself. */
    static Mask mutate(Mask mask, double p, Random random) {
        if (random.nextDouble() < p) {
            return mask.flip(random.nextInt(mask.length()));
        }
        return mask;
    }

    /** Sets one random bit of every segment that has none set. */
    static Mask repair(Mask mask, MaskLayout layout, Random random) {
        Mask repaired = mask;
        for (int s = 0; s < layout.segmentCount(); s++) {
            int start = layout.start(s);
            if (repaired.activeCount(start, start + layout.size(s)) == 0) {
                repaired = repaired.flip(start + random.nextInt(layout.size(s)));
            }
        }
        return repaired;
    }

    private static int[] permutation(int n, Random random) {
        return partialPermutation(n, n, random);
    }

    /** The first {@code k} entries of a random permutation of {@code 0..n-1} (partial Fisher-Yates). */
    private static int[] partialPermutation(int n, int k, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return java.util.Arrays.copyOf(order, k);
    }
}
