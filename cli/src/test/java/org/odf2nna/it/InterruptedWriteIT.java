package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.io.SlowWriteMain;
import org.odf2nna.onnx.TestModels;

/**
 * Kills writers at random moments, with SIGKILL and SIGTERM, many times, and checks what is left: the
 * target is always the complete old file (byte for byte) or the complete new one, never a part; after
 * SIGTERM no hidden temporary file remains (the shutdown hook deletes it); after SIGKILL one may remain,
 * and the next write to the same target deletes it.
 *
 * <p>Two writers: a small Java program writing 24 MB slowly through AtomicFiles (so most kills land in
 * the write or the check), and the real launcher shrinking a model of 0.6 million parameters (kills land
 * anywhere: start-up, scoring, writing, the ONNX Runtime check, the rename).
 */
class InterruptedWriteIT {

    private static final int MEGABYTES = 24;
    private static final int PAUSE_MS = 15;
    private static final int TRIALS = 8;
    private static final int LAUNCHER_TRIALS = 6;

    @TempDir
    Path dir;

    @Test
    void atomicFilesLeaveTheOldFileOrTheNewOneWhateverTheMomentOfTheKill() throws Exception {
        Path target = dir.resolve("out.bin");
        byte[] old = "the old file\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        byte[] complete = SlowWriteMain.content(MEGABYTES);
        Random random = new Random(7);
        List<String> log = new ArrayList<>();
        for (boolean forcibly : new boolean[] {false, true}) {
            int interruptedWrites = 0;
            int oldKept = 0;
            int newWritten = 0;
            int tempsLeft = 0;
            for (int trial = 0; trial < TRIALS; trial++) {
                Files.write(target, old);
                Process p = steps(SlowWriteMain.class.getName(), target.toString(), Integer.toString(MEGABYTES),
                        Integer.toString(PAUSE_MS));
                // The writer says each step it reaches; the kill waits for one, whatever the machine's speed. Most
                // trials kill somewhere in the write (after a megabyte), in the check or just after the rename;
                // every fourth kills as the writer starts, before any temporary file.
                String step;
                if (trial % 4 == 3) {
                    step = "started";
                } else {
                    int moment = random.nextInt(MEGABYTES + 2);
                    step = moment < MEGABYTES ? "megabyte " + moment : moment == MEGABYTES ? "checking" : "written";
                }
                waitForStep(p, step);
                boolean tempAtKill = !temps(target).isEmpty();
                kill(p, forcibly);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the killed writer exits");
                interruptedWrites += tempAtKill ? 1 : 0;

                byte[] now = Files.readAllBytes(target);
                boolean isOld = Arrays.equals(old, now);
                boolean isNew = Arrays.equals(complete, now);
                assertTrue(isOld || isNew, "trial " + trial + (forcibly ? " (SIGKILL)" : " (SIGTERM)")
                        + ": the target is neither the old file nor the complete new one (" + now.length + " bytes)");
                oldKept += isOld ? 1 : 0;
                newWritten += isNew ? 1 : 0;
                List<Path> left = temps(target);
                if (!forcibly) {
                    assertEquals(List.of(), left, "SIGTERM: the shutdown hook deletes the temporary file");
                }
                tempsLeft += left.size();
            }
            log.add(String.format(Locale.ROOT, "%s: %d trials, %d killed while a temporary file existed, "
                    + "target old %d, complete new %d, temporary files left %d", forcibly ? "SIGKILL" : "SIGTERM",
                    TRIALS, interruptedWrites, oldKept, newWritten, tempsLeft));
            assertTrue(interruptedWrites >= TRIALS / 2, "most kills interrupted a write: " + log);
        }
        System.out.println("InterruptedWriteIT (AtomicFiles): " + log);

        // The next complete write removes what killed writers left.
        Process p = java(SlowWriteMain.class.getName(), target.toString(), "1", "0");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        assertArrayEquals(SlowWriteMain.content(1), Files.readAllBytes(target));
        assertEquals(List.of(), temps(target), "leftovers of killed writers are deleted by the next write");
    }

    @Test
    void theLauncherKilledWhileShrinkingLeavesTheOldModelOrTheNewOne() throws Exception {
        Path launcher = Shared.launcher();
        // 64-1024-512-10: 0.6 million parameters, about 2.4 MB written and checked, still far longer than the kill
        // moments inside the write (a quarter of the 2.2 million this test shrank before, and two thirds of its time:
        // the 13 runs are most of this test's time).
        Path model = TestModels.save(TestModels.dense(64, 1024, 512, 10).dead(0, 5, 6, 7).build().model(), dir,
                "model.onnx");
        Path csv = dir.resolve("rows.csv");
        StringBuilder rows = new StringBuilder();
        for (int c = 0; c < 64; c++) {
            rows.append("x").append(c).append(',');
        }
        rows.append("label\n");
        Random values = new Random(3);
        for (int r = 0; r < 300; r++) {
            for (int c = 0; c < 64; c++) {
                rows.append(String.format(Locale.ROOT, "%.3f,", values.nextGaussian()));
            }
            rows.append(r % 10).append('\n');
        }
        Files.writeString(csv, rows);
        Path target = dir.resolve("small.onnx");
        List<String> args = List.of(launcher.toString(), "-q", "shrink", model.toString(), "--eval", csv.toString(),
                "-e", "0.05", "-o", target.toString(), "--accept-chance");

        // The uninterrupted result, and how long it takes.
        long start = System.nanoTime();
        Shared.Result reference = Shared.run(dir, args);
        long runMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, reference.exitCode(), reference.toString());
        byte[] complete = Files.readAllBytes(target);
        byte[] old = Files.readAllBytes(model);

        Random random = new Random(11);
        List<String> log = new ArrayList<>();
        for (boolean forcibly : new boolean[] {false, true}) {
            int oldKept = 0;
            int newWritten = 0;
            int tempsLeft = 0;
            int interruptedWrites = 0;
            int trials = LAUNCHER_TRIALS;
            for (int trial = 0; trial < trials; trial++) {
                Files.write(target, old);
                Process p = new ProcessBuilder(args).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (trial % 2 == 0) {
                    // While the output is being written or checked: once its temporary file is there (a short
                    // wait, so that the kill lands inside a write and check that may take well under 100 ms).
                    // The first such trial kills as soon as the file is seen, so that at least one kill lands in
                    // the write however fast it is; the others a few milliseconds later.
                    waitForTemp(target, p, Math.max(30_000, 2 * runMillis));
                    Thread.sleep(trial == 0 ? 0 : random.nextInt(25));
                } else {
                    // Anywhere in the run, a little past its end.
                    Thread.sleep((long) (runMillis * (0.3 + 0.9 * (trial + random.nextDouble()) / trials)));
                }
                interruptedWrites += temps(target).isEmpty() ? 0 : 1;
                if (forcibly) {
                    // kill -9 of the JVM (the launcher execs it) and of its standard-error filter, which would
                    // clean up after it (KilledLauncherIT): nothing can clean up, as when a container stops.
                    p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                } else {
                    p.destroy(); // SIGTERM to the JVM (the launcher execs it)
                }
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the killed launcher exits");
                int strays = killStrays(target);
                if (!forcibly) {
                    assertEquals(0, strays, "SIGTERM: no JVM outlives its launcher");
                }

                byte[] now = Files.readAllBytes(target);
                boolean isOld = Arrays.equals(old, now);
                boolean isNew = Arrays.equals(complete, now);
                assertTrue(isOld || isNew, "trial " + trial + (forcibly ? " (SIGKILL)" : " (SIGTERM)")
                        + ": the target is neither the old model nor the complete new one (" + now.length + " bytes)");
                oldKept += isOld ? 1 : 0;
                newWritten += isNew ? 1 : 0;
                List<Path> left = temps(target);
                if (!forcibly) {
                    assertEquals(List.of(), left, "SIGTERM: no temporary file is left");
                }
                tempsLeft += left.size();
            }
            log.add(String.format(Locale.ROOT, "%s: %d trials over a %d ms run, %d killed while a temporary file "
                    + "existed, target old %d, complete new %d, temporary files left %d",
                    forcibly ? "SIGKILL" : "SIGTERM", trials, runMillis, interruptedWrites, oldKept, newWritten,
                    tempsLeft));
            assertTrue(interruptedWrites >= 1, "some kills interrupted the write or its check: " + log);
        }
        System.out.println("InterruptedWriteIT (launcher): " + log);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static Process java(String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The writer, its standard output (the steps it reaches) read by {@link #waitForStep}. */
    private static Process steps(String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /**
     * Reads the writer's steps until it says {@code step} (or ends: then the kill finds it gone, which the trial
     * counts as any other).
     */
    private static void waitForStep(Process p, String step) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.equals(step)) {
                return;
            }
        }
    }

    private static void kill(Process p, boolean forcibly) {
        if (forcibly) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
    }

    /**
     * Waits until the writer's hidden temporary file appears (or the writer ends), at most {@code millis}: longer than
     * the uninterrupted run takes, which on a busy machine can be a minute.
     */
    private static void waitForTemp(Path target, Process p, long millis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (temps(target).isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
    }

    /**
     * Kills (and counts) JVMs of the tool still writing {@code target}: one the launcher forked in the very
     * moment it was killed with SIGKILL would escape the list of its children and go on alone.
     */
    private static int killStrays(Path target) {
        List<ProcessHandle> strays = ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().map(c -> c.contains("org.odf2nna.cli.Main")
                        && c.contains(target.toString())).orElse(false))
                .toList();
        for (ProcessHandle h : strays) {
            h.destroyForcibly();
            h.onExit().join();
        }
        return strays.size();
    }

    /** Hidden temporary files of {@code target}: {@code .NAME.PID.RANDOM.tmp}. */
    static List<Path> temps(Path target) throws IOException {
        String prefix = "." + target.getFileName() + ".";
        try (Stream<Path> files = Files.list(target.getParent())) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && f.getFileName().toString().endsWith(".tmp")).sorted().toList();
        }
    }
}
