package org.odf2nna.evolve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.odf2nna.settings.GaSettings;

class SteadyStateGaTest {

    private static final SteadyStateGa.Listener QUIET = (e, b, f, a) -> { };

    private static Mask random(Random r, int n) {
        boolean[] bits = new boolean[n];
        for (int i = 0; i < n; i++) {
            bits[i] = r.nextBoolean();
        }
        return Mask.of(bits);
    }

    // ---- operators ----

    @Test
    void uniformCrossoverKeepsTheBitsBothParentsAgreeOn() {
        Random r = new Random(1);
        long fromFirst = 0;
        long differing = 0;
        for (int trial = 0; trial < 500; trial++) {
            Mask a = random(r, 70);
            Mask b = random(r, 70);
            Mask[] children = SteadyStateGa.uniformCrossover(a, b, r);
            for (int i = 0; i < 70; i++) {
                boolean x = children[0].get(i);
                boolean y = children[1].get(i);
                if (a.get(i) == b.get(i)) {
                    assertEquals(a.get(i), x, "bit " + i + " both parents agree on");
                    assertEquals(a.get(i), y, "bit " + i + " both parents agree on");
                } else {
                    assertNotEquals(x, y, "where the parents differ the children are complementary");
                    differing++;
                    fromFirst += x == a.get(i) ? 1 : 0;
                }
            }
        }
        // each differing bit comes from either parent with probability 1/2 (4 standard deviations allowed)
        double share = (double) fromFirst / differing;
        assertEquals(0.5, share, 4 * Math.sqrt(0.25 / differing), "share of the first child's bits from parent a");
    }

    @Test
    void mutationFlipsOneBitWithTheGivenProbability() {
        Random r = new Random(2);
        Mask start = random(r, 10);
        int draws = 40_000;
        int mutated = 0;
        int[] position = new int[10];
        for (int k = 0; k < draws; k++) {
            Mask m = SteadyStateGa.mutate(start, 0.07, r);
            int d = m.hammingDistance(start);
            assertTrue(d == 0 || d == 1, "a mutation flips exactly one bit");
            if (d == 1) {
                mutated++;
                for (int i = 0; i < 10; i++) {
                    if (m.get(i) != start.get(i)) {
                        position[i]++;
                    }
                }
            }
        }
        double rate = (double) mutated / draws;
        assertEquals(0.07, rate, 4 * Math.sqrt(0.07 * 0.93 / draws), "share of mutated children");
        for (int i = 0; i < 10; i++) {
            double p = (double) position[i] / mutated;
            assertEquals(0.1, p, 4 * Math.sqrt(0.09 / mutated), "bit " + i + " is flipped uniformly often");
        }
        assertEquals(start, SteadyStateGa.mutate(start, 0, r));
        assertEquals(1, SteadyStateGa.mutate(start, 1, r).hammingDistance(start));
    }

    @Test
    void theSecondParentIsTheCandidateFarthestFromTheFirst() {
        // pairwise Hamming distances all differ: d01=1 d02=3 d03=7 d12=2 d13=6 d23=4
        Mask[] population = {Mask.parse("00000000"), Mask.parse("10000000"), Mask.parse("11100000"),
            Mask.parse("11111110")};
        int[] farthest = {3, 3, 3, 0};
        Random r = new Random(3);
        int[] firsts = new int[4];
        for (int k = 0; k < 400; k++) {
            int[] parents = SteadyStateGa.chooseParents(population, r, 3);
            assertEquals(farthest[parents[0]], parents[1], "second parent of " + parents[0]);
            firsts[parents[0]]++;
        }
        for (int count : firsts) {
            assertTrue(count > 50, "the first parent is drawn at random: " + java.util.Arrays.toString(firsts));
        }
    }

    @Test
    void theSecondParentBeatsTheOtherCandidatesInALargePopulation() {
        Random r = new Random(4);
        Mask[] population = new Mask[30];
        for (int i = 0; i < 30; i++) {
            population[i] = random(r, 40);
        }
        int[] secondRank = new int[30];
        for (int k = 0; k < 3000; k++) {
            int[] parents = SteadyStateGa.chooseParents(population, r, 3);
            assertNotEquals(parents[0], parents[1]);
            // rank of the second parent's distance among all others: it is the max of 3 random draws,
            // so it lands in the upper part far more often than a random choice would
            int d = population[parents[0]].hammingDistance(population[parents[1]]);
            int closer = 0;
            for (int j = 0; j < 30; j++) {
                if (j != parents[0] && population[parents[0]].hammingDistance(population[j]) < d) {
                    closer++;
                }
            }
            secondRank[closer]++;
        }
        int upperHalf = 0;
        for (int c = 15; c < 30; c++) {
            upperHalf += secondRank[c];
        }
        // P(max of 3 of 29 in the upper half) is about 7/8; a random pick would give about 1/2
        assertTrue(upperHalf > 0.75 * 3000, "second parent in the farther half " + upperHalf + " of 3000 times");
    }

    @Test
    void repairGivesEveryEmptySegmentOneBit() {
        MaskLayout layout = MaskLayout.of(3, 4, 2);
        Random r = new Random(5);
        Mask empty = Mask.parse("000111100");
        Mask repaired = SteadyStateGa.repair(empty, layout, r);
        assertTrue(layout.isValid(repaired));
        assertEquals(1, repaired.activeCount(0, 3));
        assertEquals(4, repaired.activeCount(3, 7), "a segment with bits is left alone");
        assertEquals(1, repaired.activeCount(7, 9), "the last segment was empty too");
        Mask fine = Mask.parse("100010001");
        assertEquals(fine, SteadyStateGa.repair(fine, layout, r));
    }

    @Test
    void initialMasksAreValidAndOfVaryingDensity() {
        MaskLayout layout = MaskLayout.of(20, 10);
        Random r = new Random(6);
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int k = 0; k < 200; k++) {
            Mask m = SteadyStateGa.randomMask(layout, r);
            assertTrue(layout.isValid(m));
            // one density for the whole mask: both segments hold about the same share of set bits
            double first = m.activeCount(0, 20) / 20.0;
            double second = m.activeCount(20, 30) / 10.0;
            assertTrue(Math.abs(first - second) <= 0.1 + 1e-9, m.toString());
            min = Math.min(min, m.activeCount());
            max = Math.max(max, m.activeCount());
        }
        assertTrue(min <= 6 && max >= 24, "densities spread over (0, 1): " + min + ".." + max);
    }

    @Test
    void orderPrefersHigherFitnessThenFewerBits() {
        assertTrue(SteadyStateGa.better(0.9, 10, 0.8, 2));
        assertFalse(SteadyStateGa.better(0.8, 2, 0.9, 10));
        assertTrue(SteadyStateGa.better(0.9, 3, 0.9, 4), "equal fitness: fewer bits win");
        assertFalse(SteadyStateGa.better(0.9, 4, 0.9, 4));
        assertFalse(SteadyStateGa.better(Double.NaN, 1, 0.1, 9));
        assertTrue(SteadyStateGa.better(-5, 9, Double.NaN, 1));
    }

    // ---- the search ----

    @Test
    void budgetIsRespectedAndEveryMaskIsEvaluatedOnce() {
        for (int budget : new int[] {10, 11, 31, 57}) {
            Set<Mask> seen = ConcurrentHashMap.newKeySet();
            AtomicInteger calls = new AtomicInteger();
            Fitness f = m -> {
                calls.incrementAndGet();
                assertTrue(seen.add(m), "mask " + m + " evaluated twice");
                return m.activeCount(0, 5) - 0.1 * m.activeCount();
            };
            GaResult result = SteadyStateGa.run(MaskLayout.of(12), f, new GaSettings(10, budget, 0.07, 7, 2), QUIET);
            assertEquals(calls.get(), result.evaluations());
            assertTrue(result.evaluations() <= budget, result.evaluations() + " > " + budget);
            assertEquals(budget, result.evaluations(), "4096 masks: the budget is used up");
        }
    }

    @Test
    void cacheHitsAreCountedAndNotEvaluated() {
        // 4 bits in one segment: only 15 valid masks, so children repeat often
        AtomicInteger calls = new AtomicInteger();
        Fitness f = m -> {
            calls.incrementAndGet();
            return m.get(0) ? 1 : 0;
        };
        GaResult result = SteadyStateGa.run(MaskLayout.of(4), f, new GaSettings(6, 15, 0.07, 8, 1), QUIET);
        assertTrue(result.cacheHits() > 0, "cache hits " + result.cacheHits());
        assertEquals(calls.get(), result.evaluations());
        assertTrue(result.evaluations() <= 15);
        // the best of a space this small is found: bit 0 set and nothing else
        assertEquals(Mask.parse("1000"), result.best());
        assertEquals(1.0, result.bestFitness());
    }

    @Test
    void aConvergedSearchStopsInsteadOfLooping() {
        // one segment of 2 bits: 3 valid masks; the budget can never be spent
        GaResult result = SteadyStateGa.run(MaskLayout.of(2), m -> m.activeCount(), new GaSettings(2, 100, 0.07, 9, 1),
                QUIET);
        assertTrue(result.stalled());
        assertTrue(result.evaluations() <= 3);
        assertEquals(Mask.parse("11"), result.best());
        assertTrue(result.children() >= SteadyStateGa.STALL_LIMIT);
    }

    @Test
    void tiesGoToFewerActiveUnits() {
        // fitness only asks for bits 3 and 7; among all masks that have them, fewer bits are preferred
        Fitness f = m -> m.get(3) && m.get(7) ? 1 : 0;
        GaResult result = SteadyStateGa.run(MaskLayout.of(12), f, new GaSettings(20, 1500, 0.07, 10, 2), QUIET);
        assertEquals(1.0, result.bestFitness());
        assertEquals(Mask.parse("000100010000"), result.best());
    }

    @Test
    void findsAKnownOptimum() {
        // a hidden target mask; fitness counts matching bits, so the target alone scores 48
        Random r = new Random(11);
        Mask target = random(r, 48);
        Fitness f = m -> 48 - m.hammingDistance(target);
        GaResult result = SteadyStateGa.run(MaskLayout.of(48), f, new GaSettings(30, 3000, 0.07, 12, 2), QUIET);
        assertEquals(target, result.best(), "best " + result.best() + " fitness " + result.bestFitness());
        assertEquals(48.0, result.bestFitness());
    }

    @Test
    void historyIsMonotoneAndCountsEvaluations() {
        Random r = new Random(13);
        Mask target = random(r, 30);
        Fitness f = m -> -m.hammingDistance(target);
        GaSettings settings = new GaSettings(10, 200, 0.07, 14, 1);
        GaResult result = SteadyStateGa.run(MaskLayout.of(30), f, settings, QUIET);
        List<GaResult.Generation> history = result.generations();
        assertEquals(0, history.get(0).generation());
        assertEquals(10, history.get(0).evaluations(), "generation 0 is the initial population");
        for (int g = 1; g < history.size(); g++) {
            assertEquals(g, history.get(g).generation());
            assertTrue(history.get(g).bestFitness() >= history.get(g - 1).bestFitness(), "best never gets worse");
            assertTrue(history.get(g).evaluations() >= history.get(g - 1).evaluations());
        }
        GaResult.Generation last = history.get(history.size() - 1);
        assertEquals(result.evaluations(), last.evaluations());
        assertEquals(result.bestFitness(), last.bestFitness());
        assertEquals(result.best().activeCount(), last.bestActive());
        assertTrue(history.size() >= 1 + result.children() / 10, "one entry per population-size of children");
    }

    @Test
    void sameSeedSameSearchWhateverTheThreads() {
        Random r = new Random(15);
        Mask target = random(r, 64);
        Fitness f = m -> {
            // scramble the finishing order of parallel evaluations
            try {
                Thread.sleep((m.hashCode() & 3));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return -m.hammingDistance(target) + 0.001 * m.activeCount(0, 8);
        };
        List<Mask> orderOne = Collections.synchronizedList(new ArrayList<>());
        GaResult one = SteadyStateGa.run(MaskLayout.of(40, 24), recording(f, orderOne),
                new GaSettings(12, 150, 0.07, 16, 1), QUIET);
        List<Mask> orderFour = Collections.synchronizedList(new ArrayList<>());
        GaResult four = SteadyStateGa.run(MaskLayout.of(40, 24), recording(f, orderFour),
                new GaSettings(12, 150, 0.07, 16, 4), QUIET);
        assertEquals(one, four, "same seed, 1 or 4 threads");
        assertEquals(new java.util.HashSet<>(orderOne), new java.util.HashSet<>(orderFour),
                "the same masks were evaluated");
        GaResult other = SteadyStateGa.run(MaskLayout.of(40, 24), f, new GaSettings(12, 150, 0.07, 17, 4), QUIET);
        assertNotEquals(one.generations(), other.generations(), "another seed searches differently");
    }

    @Test
    void evaluationsRunInParallel() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        // The first evaluations wait until two are running at once (not for a guess of milliseconds): run in
        // parallel they meet at once; run one at a time the first waits out the timeout and the count stays 1.
        java.util.concurrent.CountDownLatch two = new java.util.concurrent.CountDownLatch(2);
        Fitness f = m -> {
            int now = running.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            two.countDown();
            try {
                two.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            return m.activeCount();
        };
        SteadyStateGa.run(MaskLayout.of(16), f, new GaSettings(8, 12, 0.07, 18, 4), QUIET);
        assertTrue(most.get() > 1, "at most " + most.get() + " evaluation at a time");
    }

    @Test
    void aFailingFitnessPropagates() {
        Fitness f = m -> {
            throw new IllegalStateException("boom");
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SteadyStateGa.run(MaskLayout.of(8), f, new GaSettings(4, 10, 0.07, 19, 2), QUIET));
        assertEquals("boom", e.getMessage());
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new GaSettings(1, 10, 0.07, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new GaSettings(30, 29, 0.07, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new GaSettings(30, 200, 1.5, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new GaSettings(30, 200, Double.NaN, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new GaSettings(30, 200, 0.07, 0, 0));
        assertEquals(200, GaSettings.defaultEvaluations(1));
        assertEquals(300, GaSettings.defaultEvaluations(2));
    }

    private static Fitness recording(Fitness f, List<Mask> seen) {
        return m -> {
            seen.add(m);
            return f.evaluate(m);
        };
    }

    @Test
    void masksAreValues() {
        Mask a = Mask.parse("1010011");
        assertEquals(a, Mask.of(a.toBooleans()));
        assertEquals(a.hashCode(), Mask.parse("1010011").hashCode());
        assertEquals(4, a.activeCount());
        assertEquals(2, a.activeCount(0, 4));
        assertArrayEquals(new int[] {0, 1}, a.activeIndices(5, 7));
        assertEquals(3, a.hammingDistance(Mask.parse("0110010")));
        assertEquals("1010001", a.flip(5).toString());
        assertEquals(a, Mask.parse("1010011"), "flip returns a new mask");
        Mask wide = Mask.all(130);
        assertEquals(130, wide.activeCount());
        assertEquals(129, wide.flip(129).activeCount());
        assertNotEquals(Mask.all(64), Mask.all(65));
        assertThrows(IllegalArgumentException.class, () -> Mask.parse("10x"));
    }
}
