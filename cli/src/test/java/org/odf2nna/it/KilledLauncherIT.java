package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.testing.Skips;

/**
 * Killed means gone (issue 59): a sweep whose launcher is killed with SIGKILL, the one signal nothing can pass on,
 * leaves no process of the run alive 2 s later and nothing in the output's folder: no hidden temporary file, and no
 * output appearing afterwards. The launcher execs Java, so the kill reaches the JVM itself; its standard-error filter
 * deletes what the JVM was writing, the run's temporary folder, and the processes the JVM started.
 *
 * <p>Killed by the test as each phase starts (statistics, refit, retraining, writing; the phase's progress line, as
 * in {@link StopInEveryPhaseIT}), by {@code timeout -s KILL}, which kills the whole process group, by Python's
 * {@code subprocess.run(timeout=…)}, with a child process of Java's own, and through the release archive's launcher.
 * About a minute on 2 busy cores (2.5 minutes with 25 processes waiting for them).
 */
class KilledLauncherIT {

    private static final Path DIGITS = Path.of("examples/digits").toAbsolutePath();
    private static final Path MODELS = Path.of("models").toAbsolutePath();
    /** How long the run's processes may outlive the kill. */
    private static final long GONE_MILLIS = 2_000;
    /** How long the output's folder is watched for something to appear after that. */
    private static final long WATCH_MILLIS = 2_000;

    @TempDir
    static Path data;

    /** The phase killed in: the sweep (dense chain or graph) and the start of the progress line that marks it. */
    enum Phase {
        STATISTICS(false, "scoring"),
        REFIT(true, "round 1 of 1: refit"),
        RETRAINING(false, "retraining round 1 "),
        WRITING(true, "writing ");

        final boolean graph;
        final String marker;

        Phase(boolean graph, String marker) {
            this.graph = graph;
            this.marker = marker;
        }
    }

    @BeforeAll
    static void rows() throws IOException {
        List<String[]> train = StopInEveryPhaseIT.read(DIGITS.resolve("digits-train.csv.gz"));
        List<String[]> test = StopInEveryPhaseIT.read(DIGITS.resolve("digits-test.csv.gz"));
        List<String[]> holdout = StopInEveryPhaseIT.read(DIGITS.resolve("digits-holdout.csv.gz"));
        StopInEveryPhaseIT.write(data.resolve("chain-train.csv"), train, 4, 1);
        StopInEveryPhaseIT.write(data.resolve("chain-validation.csv"), test, 6, 2);
        StopInEveryPhaseIT.write(data.resolve("graph-train.csv"), train.subList(0, 1001), 1, 3);
        StopInEveryPhaseIT.write(data.resolve("graph-validation.csv"), holdout, 4, 4);
    }

    /** The phases two at a time (each run waits on its own single-threaded launcher). */
    @Test
    void aKillInEachPhaseLeavesNoProcessAndNoFile() throws Exception {
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<Killed>> runs = new ArrayList<>();
            for (Phase phase : Phase.values()) {
                runs.add(two.submit(() -> killInPhase(Shared.launcher(), phase, Map.of())));
            }
            for (Phase phase : Phase.values()) {
                Killed killed = runs.get(phase.ordinal()).get();
                System.out.println("KilledLauncherIT " + phase + ": " + killed);
                assertTrue(phase != Phase.WRITING || killed.tempAtKill(), "the kill came while the model was being "
                        + "written or checked (its hidden temporary file there), which the filter then deleted");
            }
        } finally {
            two.shutdownNow();
        }
    }

    /**
     * When the fixed-time kills come, and the rounds of the sweep they must find still running: on a quiet 2-core
     * machine that sweep takes about 6 s (rounds of 5%), where rounds of 10% took 4.75 s and a kill at 5 s found it over.
     */
    private static final String KILL_AFTER_S = "3";
    private static final String LONG_SHARE = "0.05";

    @Test
    void timeoutsKillOfTheProcessGroupLeavesNoProcessAndNoFile() throws Exception {
        Path dir = Files.createTempDirectory(data, "timeout-");
        Path output = dir.resolve("mixer.small.onnx");
        List<String> command = new ArrayList<>(List.of("timeout", "-s", "KILL", KILL_AFTER_S,
                Shared.launcher().toString(), "sweep"));
        command.addAll(graphArguments(output, LONG_SHARE));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timeout ends");
        assertEquals(137, p.exitValue(), "timeout killed the run (it was not over in " + KILL_AFTER_S + " s)");
        assertGoneAndNothingAppears(dir, output, -1, false);
    }

    @Test
    void pythonsSubprocessTimeoutLeavesNoProcessAndNoFile() throws Exception {
        Skips.requireTool(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3, whose "
                + "subprocess.run(timeout=...) is tried", "apt-get install python3");
        Path dir = Files.createTempDirectory(data, "python-");
        Path output = dir.resolve("mixer.small.onnx");
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-c",
                "import subprocess, sys\n"
                        + "try:\n    subprocess.run(sys.argv[1:], timeout=" + KILL_AFTER_S + ")\n"
                        + "except subprocess.TimeoutExpired:\n    sys.exit(124)\n",
                Shared.launcher().toString(), "sweep"));
        command.addAll(graphArguments(output, LONG_SHARE));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python ends");
        assertEquals(124, p.exitValue(), "subprocess.run timed out and killed the launcher");
        assertGoneAndNothingAppears(dir, output, -1, false);
    }

    /**
     * A process Java started (none does today) ends with it: here one that a stand-in {@code java} on the PATH starts
     * before it becomes the real one, which holds Java's standard error open and would keep the filter waiting.
     */
    @Test
    void aProcessJavaStartedEndsWithIt() throws Exception {
        Path bin = Files.createDirectories(data.resolve("java-with-a-child"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nsleep 300 &\nexec '" + Path.of(System.getProperty("java.home"), "bin",
                "java") + "' \"$@\"\n");
        assertTrue(java.toFile().setExecutable(true));
        Killed killed = killInPhase(Shared.launcher(), Phase.STATISTICS, Map.of("PATH", bin + ":"
                + System.getenv("PATH"), "ODF2NNA_CDS", "0"));
        System.out.println("KilledLauncherIT, with a child of Java's: " + killed);
    }

    @Test
    void theReleaseArchivesLauncherKilledWhileWritingLeavesNoFile() throws Exception {
        Path archive = Path.of(System.getProperty("odf2nna.archive", "cli/target/odf2nna-onnx-"
                + System.getProperty("odf2nna.version", "(run through Maven)") + ".tar.gz")).toAbsolutePath();
        assertTrue(Files.isRegularFile(archive), archive + " is built by ./mvnw package");
        Path into = Files.createTempDirectory(data, "archive-");
        Shared.Result tar = Shared.run(into, List.of("tar", "-xzf", archive.toString()));
        assertEquals(0, tar.exitCode(), tar.toString());
        Path launcher;
        try (Stream<Path> unpacked = Files.list(into)) {
            launcher = unpacked.filter(Files::isDirectory).findFirst().orElseThrow().resolve("bin/odf2nna-onnx");
        }
        Path cache = Files.createDirectory(into.resolve("cache"));
        Killed killed = killInPhase(launcher, Phase.WRITING, Map.of("XDG_CACHE_HOME", cache.toString()));
        System.out.println("KilledLauncherIT, the archive's launcher: " + killed);
        try (Stream<Path> all = Files.walk(cache)) {
            assertEquals(List.of(), all.filter(f -> f.getFileName().toString().startsWith("run.")).toList(),
                    "the run's temporary folder in the cache is deleted");
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** What a kill left: whether a hidden temporary file was there as it came, and when it came. */
    private record Killed(long millis, boolean tempAtKill) {
        @Override
        public String toString() {
            return "killed after " + millis + " ms" + (tempAtKill ? ", with a temporary file being written" : "");
        }
    }

    private static Killed killInPhase(Path launcher, Phase phase, Map<String, String> env) throws Exception {
        Path dir = Files.createTempDirectory(data, phase + "-");
        Path output = dir.resolve(phase.graph ? "mixer.small.onnx" : "digits.small.onnx");
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "sweep"));
        command.addAll(phase.graph ? graphArguments(output) : chainArguments(output));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("JAVA_OPTS", "-Dodf2nna.progress.after=0");
        builder.environment().putAll(env);
        long start = System.nanoTime();
        Process p = builder.start();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        boolean[] temp = new boolean[1];
        long[] killedAt = {-1};
        Thread reader = new Thread(() -> StopInEveryPhaseIT.readLines(p.getErrorStream(), line -> {
            lines.add(line);
            if (killedAt[0] < 0 && line.startsWith(phase.marker)) {
                if (phase == Phase.WRITING) {
                    waitForHidden(dir, p);
                }
                temp[0] = !hidden(dir).isEmpty();
                kill(p.pid()); // SIGKILL (Process.destroyForcibly would also close the stream read here)
                killedAt[0] = (System.nanoTime() - start) / 1_000_000;
            }
        }));
        reader.start();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), phase + ": the run ends");
        assertTrue(killedAt[0] >= 0, phase + ": the phase never showed (exit " + p.exitValue() + "): " + lines);
        assertEquals(137, p.exitValue(), phase + ": ended by the SIGKILL");
        assertGoneAndNothingAppears(dir, output, p.pid(), phase == Phase.WRITING);
        reader.join(5_000);
        assertTrue(!reader.isAlive(), phase + ": standard error ends (the filter exits)");
        return new Killed(killedAt[0], temp[0]);
    }

    /** Waits (at most 10 s) until a hidden temporary file is in {@code dir}, or the run has ended. */
    private static void waitForHidden(Path dir, Process p) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (hidden(dir).isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void kill(long pid) {
        try {
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Asserts that within {@link #GONE_MILLIS} no process of the run is alive (a JVM writing {@code output}, or
     * anything carrying the launcher's ODF2NNA_RUN), and that in the {@link #WATCH_MILLIS} after that nothing appears
     * in {@code dir}: no hidden file ever, and no file at all unless {@code outputAllowed} (a kill while writing may
     * come after the model was moved into place; then it is whole).
     */
    private static void assertGoneAndNothingAppears(Path dir, Path output, long pid, boolean outputAllowed)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GONE_MILLIS);
        List<String> alive = runProcesses(output, pid);
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            alive = runProcesses(output, pid);
        }
        List<String> strays = runProcesses(output, pid);
        for (String stray : strays) {
            ProcessHandle.of(Long.parseLong(stray.split(" ", 2)[0])).ifPresent(ProcessHandle::destroyForcibly);
        }
        assertEquals(List.of(), strays, "no process of the run is alive " + GONE_MILLIS + " ms after the kill");
        List<String> afterKill = listing(dir);
        Thread.sleep(WATCH_MILLIS);
        List<String> later = listing(dir);
        assertEquals(afterKill, later, "nothing appears in the output's folder after the kill");
        assertEquals(List.of(), hidden(dir), "no hidden temporary file is left");
        if (outputAllowed && Files.exists(output)) {
            OnnxModelFile.read(output); // moved into place whole before the kill
        } else {
            assertEquals(List.of(), later, "nothing in the output's folder");
        }
    }

    /** Processes of the run: "PID command line" of a JVM naming {@code output}, or of one carrying ODF2NNA_RUN=pid. */
    private static List<String> runProcesses(Path output, long pid) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(f -> f.getFileName().toString().matches("\\d+")).toList()) {
                String commandLine = read(proc.resolve("cmdline")).replace('\0', ' ');
                String environment = "\0" + read(proc.resolve("environ"));
                boolean jvm = commandLine.contains("org.odf2nna.cli.Main") && commandLine.contains(output.toString());
                boolean child = pid > 0 && environment.contains("\0ODF2NNA_RUN=" + pid + "\0");
                if (jvm || child) {
                    found.add(proc.getFileName() + " " + commandLine);
                }
            }
        }
        return found;
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException gone) {
            return "";
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static List<String> hidden(Path dir) {
        try {
            return listing(dir).stream().filter(f -> f.startsWith(".")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> chainArguments(Path output) {
        return List.of(MODELS.resolve("digits_8x8-128-64-10_relu.onnx").toString(), "--eval",
                DIGITS.resolve("digits-test.csv.gz").toString(), "--train", data.resolve("chain-train.csv").toString(),
                "--validation", data.resolve("chain-validation.csv").toString(), "-o", output.toString(),
                "--max-drop", "4", "--share", "0.75", "--retrain-epochs", "3");
    }

    private static List<String> graphArguments(Path output) {
        return graphArguments(output, "0.5");
    }

    /** A longer sweep (rounds of {@code share}) for the kills at a fixed time, which must find it still running. */
    private static List<String> graphArguments(Path output, String share) {
        return List.of(MODELS.resolve("digits_mixer_8x8_gelu.onnx").toString(), "--eval",
                DIGITS.resolve("digits-test.csv.gz").toString(), "--train", data.resolve("graph-train.csv").toString(),
                "--validation", data.resolve("graph-validation.csv").toString(), "-o", output.toString(),
                "--max-drop", "4", "--share", share, "--graph-retrain", "sequential");
    }
}
