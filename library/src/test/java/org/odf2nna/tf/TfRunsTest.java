package org.odf2nna.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gate a stop closes before it halts the JVM: it waits for the run under way and lets no new one start. */
class TfRunsTest {

    @AfterEach
    void reopen() {
        TfRuns.reopenForTests();
    }

    @Test
    void closingWaitsForTheRunUnderWayAndKeepsNewRunsFromStarting() throws Exception {
        CountDownLatch inRun = new CountDownLatch(1);
        CountDownLatch endRun = new CountDownLatch(1);
        Thread training = new Thread(() -> {
            TfRuns.enter();
            try {
                inRun.countDown();
                endRun.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                TfRuns.leave();
            }
        });
        training.start();
        assertTrue(inRun.await(10, TimeUnit.SECONDS));

        assertFalse(TfRuns.closeAndAwait(1), "a run is under way");
        AtomicBoolean started = new AtomicBoolean();
        Thread next = new Thread(() -> {
            TfRuns.enter();
            started.set(true);
            TfRuns.leave();
        });
        next.start();
        waitUntilWaiting(next);
        assertFalse(started.get(), "no run starts once the gate is closed");

        endRun.countDown();
        assertTrue(TfRuns.closeAndAwait(10_000), "the run under way ended");
        assertEquals(0, TfRuns.running());
        assertFalse(started.get());
        training.join(10_000);

        TfRuns.reopenForTests();
        next.join(10_000);
        assertTrue(started.get());
    }

    @Test
    void closingWithNoRunUnderWayReturnsAtOnce() {
        assertTrue(TfRuns.closeAndAwait(0));
    }

    private static void waitUntilWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(Thread.State.WAITING, thread.getState());
    }
}
