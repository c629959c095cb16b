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
 * leaves no process of the run alive once its standard error has ended, and nothing in the output's folder: no hidden
 * temporary file, and no output appearing afterwards. The launcher execs Java, so the kill reaches the JVM itself;
 * its standard-error filter deletes what the JVM was writing, the run's temporary folder, and the processes the JVM
 * started, and then exits, which ends the caller's read of standard error.
 *
 * <p>Killed by the test as each phase starts (statistics, refit, retraining, writing; the phase's progress line, as
 * in {@link StopInEveryPhaseIT}), by {@code timeout -s KILL}, which kills the whole process group, by Python's
 * {@code subprocess.run(timeout=…)}, with a child process of Java's own, and through the release archive's launcher.
 * Every kill waits for a line the run prints, not for a number of seconds: {@code timeout} and Python are made to time
 * out as the refit starts (see {@link #timeoutsKillOfTheProcessGroupLeavesNoProcessAndNoFile}). About a minute on 2
 * busy cores (2.5 minutes with 25 processes waiting for them).
 */
class KilledLauncherIT {

    private static final Path DIGITS = Path.of("examples/digits").toAbsolutePath();
    private static final Path MODELS = Path.of("models").toAbsolutePath();
    /**
     * How long the run's processes and its standard error may outlive the kill: a guard against a run that never
     * ends, not a measure of speed (they end in well under a second on a quiet machine; the time is printed).
     */
    private static final long GONE_LIMIT_MILLIS = 60_000;
    /**
     * How long the output's folder is watched for something to appear once every process of the run is gone. Nothing
     * of the run is left to write there then, so a slow machine cannot fail this; it looks for what escaped.
     */
    private static final long WATCH_MILLIS = 2_000;
    /** Shows every progress phase as it starts, the lines the kills wait for. */
    private static final String PROGRESS = "-Dodf2nna.progress.after=0";

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
     * The time limit given to {@code timeout} and to Python: a guard for a run that never ends. Each is made to time
     * out as the refit starts instead, by the signal its own timer would give it, so the kill finds the sweep running
     * on any machine (a fixed 3 s once found a fast machine's sweep over, and a slow machine's not yet started).
     */
    private static final String WRAPPER_LIMIT_S = "600";

    /**
     * {@code timeout} kills the whole process group with SIGKILL as its time is up: when its timer sends it SIGALRM.
     * The test sends the SIGALRM as the refit starts, so the same kill comes at that line rather than after seconds.
     */
    @Test
    void timeoutsKillOfTheProcessGroupLeavesNoProcessAndNoFile() throws Exception {
        Path dir = Files.createTempDirectory(data, "timeout-");
        List<String> command = new ArrayList<>(List.of("timeout", "-s", "KILL", WRAPPER_LIMIT_S,
                Shared.launcher().toString(), "sweep"));
        Killed killed = killThroughWrapper(command, dir, "ALRM", 137, "timeout killed the run");
        System.out.println("KilledLauncherIT, timeout -s KILL: " + killed);
    }

    /**
     * {@code subprocess.run(timeout=…)} kills the launcher (only it) with SIGKILL as {@code TimeoutExpired} is raised
     * in its wait. A SIGUSR1 handler raises that very exception in the wait, and the test sends SIGUSR1 as the refit
     * starts, so the kill is subprocess.run's own, at that line rather than after seconds.
     */
    @Test
    void pythonsSubprocessTimeoutLeavesNoProcessAndNoFile() throws Exception {
        Skips.requireTool(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3, whose "
                + "subprocess.run(timeout=...) is tried", "apt-get install python3");
        Path dir = Files.createTempDirectory(data, "python-");
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-c",
                "import signal, subprocess, sys\n"
                        + "def expire(number, frame):\n"
                        + "    raise subprocess.TimeoutExpired(sys.argv[1:], " + WRAPPER_LIMIT_S + ")\n"
                        + "signal.signal(signal.SIGUSR1, expire)\n"
                        + "try:\n    subprocess.run(sys.argv[1:], timeout=" + WRAPPER_LIMIT_S + ")\n"
                        + "except subprocess.TimeoutExpired:\n    sys.exit(124)\n",
                Shared.launcher().toString(), "sweep"));
        Killed killed = killThroughWrapper(command, dir, "USR1", 124,
                "subprocess.run timed out and killed the launcher");
        System.out.println("KilledLauncherIT, Python's subprocess.run: " + killed);
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

    /**
     * What a kill left: whether a hidden temporary file was there as it came, when the line it waited for came (after
     * the start), and how long after the kill the run was gone.
     */
    private record Killed(long millis, boolean tempAtKill, long goneMillis) {
        @Override
        public String toString() {
            return "killed at the line " + millis + " ms in" + (tempAtKill ? ", with a temporary file being written" : "")
                    + ", the run gone " + goneMillis + " ms later";
        }
    }

    /**
     * A started run whose standard error is read line by line: {@code atMarker} runs once, as the first line starting
     * with {@code marker} appears, and {@link #markedMillis} says when that was after the start (-1 while it has not).
     */
    private static final class Watched {
        final Process process;
        final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Thread reader;
        volatile long markedMillis = -1;

        Watched(ProcessBuilder builder, String marker, java.util.function.Consumer<Process> atMarker)
                throws IOException {
            long start = System.nanoTime();
            process = builder.start();
            reader = new Thread(() -> StopInEveryPhaseIT.readLines(process.getErrorStream(), line -> {
                lines.add(line);
                if (markedMillis < 0 && line.startsWith(marker)) {
                    // Set before the kill, which may end the run (and the test's wait for it) at once.
                    markedMillis = (System.nanoTime() - start) / 1_000_000;
                    atMarker.accept(process);
                }
            }));
            reader.start();
        }

        /** Waits for the process to end (a guard of 3 minutes, after which it is killed), then says its exit code. */
        int exit(String what) throws InterruptedException {
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(what + ": the run did not end in 3 minutes: " + lines);
            }
            return process.exitValue();
        }
    }

    private static Killed killInPhase(Path launcher, Phase phase, Map<String, String> env) throws Exception {
        Path dir = Files.createTempDirectory(data, phase + "-");
        Path output = dir.resolve(phase.graph ? "mixer.small.onnx" : "digits.small.onnx");
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "sweep"));
        command.addAll(phase.graph ? graphArguments(output) : chainArguments(output));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("JAVA_OPTS", PROGRESS);
        builder.environment().putAll(env);
        boolean[] temp = new boolean[1];
        Watched run = new Watched(builder, phase.marker, p -> {
            if (phase == Phase.WRITING) {
                waitForHidden(dir, p);
            }
            temp[0] = !hidden(dir).isEmpty();
            kill("KILL", p.pid()); // Process.destroyForcibly would also close the stream read here
        });
        int exit = run.exit(phase.toString());
        assertTrue(run.markedMillis >= 0, phase + ": the phase never showed (exit " + exit + "): " + run.lines);
        assertEquals(137, exit, phase + ": ended by the SIGKILL");
        long gone = assertGoneAndNothingAppears(dir, output, run, run.process.pid(), phase == Phase.WRITING);
        return new Killed(run.markedMillis, temp[0], gone);
    }

    /**
     * Runs the graph sweep in {@code dir} under a wrapper ({@code command}: the wrapper, the launcher, "sweep") and, as
     * the refit starts, sends the wrapper {@code signal}, which makes it time out; checks its exit code and that the
     * run is gone and left nothing.
     */
    private static Killed killThroughWrapper(List<String> command, Path dir, String signal, int exitCode,
            String what) throws Exception {
        Path output = dir.resolve("mixer.small.onnx");
        command.addAll(graphArguments(output));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("JAVA_OPTS", PROGRESS);
        long[] java = {-1};
        Watched run = new Watched(builder, Phase.REFIT.marker, wrapper -> {
            // The launcher, which is Java now (it execs it): the wrapper's one child.
            java[0] = wrapper.toHandle().children().mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
            kill(signal, wrapper.pid());
        });
        int exit = run.exit(what);
        assertTrue(run.markedMillis >= 0, what + ": the refit never showed (exit " + exit + "): " + run.lines);
        assertEquals(exitCode, exit, what + ": " + run.lines);
        long gone = assertGoneAndNothingAppears(dir, output, run, java[0], false);
        return new Killed(run.markedMillis, false, gone);
    }

    /** Waits until a hidden temporary file is in {@code dir}, or the run has ended (a guard of a minute). */
    private static void waitForHidden(Path dir, Process p) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (hidden(dir).isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void kill(String signal, long pid) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until the run is gone: its standard error has ended (the filter, the last to hold it, has exited) and no
     * process of it is alive (a JVM writing {@code output}, or anything carrying the launcher's ODF2NNA_RUN=pid), at
     * most {@link #GONE_LIMIT_MILLIS}, a guard for a stuck run. Then asserts that in the {@link #WATCH_MILLIS} after
     * that nothing appears in {@code dir}: no hidden file ever, and no file at all unless {@code outputAllowed} (a kill
     * while writing may come after the model was moved into place; then it is whole). Returns how long the run took to
     * go.
     */
    private static long assertGoneAndNothingAppears(Path dir, Path output, Watched run, long pid, boolean outputAllowed)
            throws Exception {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(GONE_LIMIT_MILLIS);
        List<String> alive = runProcesses(output, pid);
        while ((run.reader.isAlive() || !alive.isEmpty()) && System.nanoTime() < deadline) {
            run.reader.join(50);
            alive = runProcesses(output, pid);
        }
        long goneMillis = (System.nanoTime() - start) / 1_000_000;
        for (String stray : alive) {
            ProcessHandle.of(Long.parseLong(stray.split(" ", 2)[0])).ifPresent(ProcessHandle::destroyForcibly);
        }
        assertEquals(List.of(), alive, "no process of the run is alive (waited " + goneMillis + " ms)");
        assertTrue(!run.reader.isAlive(), "standard error ends (the filter exits; waited " + goneMillis + " ms)");
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
        return goneMillis;
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
        return List.of(MODELS.resolve("digits_mixer_8x8_gelu.onnx").toString(), "--eval",
                DIGITS.resolve("digits-test.csv.gz").toString(), "--train", data.resolve("graph-train.csv").toString(),
                "--validation", data.resolve("graph-validation.csv").toString(), "-o", output.toString(),
                "--max-drop", "4", "--share", "0.5", "--graph-retrain", "sequential");
    }
}
