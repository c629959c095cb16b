package org.odf2nna.harness.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.odf2nna.Device;
import org.odf2nna.api.Odf2nna;
import org.odf2nna.api.OnnxSession;
import org.odf2nna.network.Activation;
import org.odf2nna.network.DenseLayer;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.InputPrefix;
import org.odf2nna.network.OutputHead;

/**
 * How the commands scale with rows and width ({@code bench scale}): for each width W a 28-W-W-W-2 ReLU network
 * (He-initialised, seeded) and for each row count HIGGS-like rows (28 standard normal features, the label the
 * network's own class with a fifth of them flipped, so the original scores about 80%), generated under the work
 * folder; then a plain ONNX Runtime pass over the rows in memory (batches of 1,024, in this process) and each
 * command run by the launcher in a process of its own under GNU time (CPU seconds, wall seconds, peak resident
 * memory), each beside the plain pass as a ratio. The commands' figures include starting the JVM.
 */
public final class ScaleBench {

    /** The commands measured, in order. */
    public static final List<String> COMMANDS = List.of("eval", "shrink-eval", "shrink-train", "sweep");
    private static final int FEATURES = 28;
    private static final int BATCH = 1024;

    private ScaleBench() {
    }

    /**
     * What to measure.
     *
     * @param sizes    the networks' widths and the row counts at each
     * @param commands among {@link #COMMANDS}
     * @param epsilon  the one ε of the shrink runs
     * @param epochs   retraining epochs of shrink --train and sweep
     * @param launch   how each command is started and stopped
     * @param work     where the models, rows, outputs and logs go
     */
    public record Settings(Sizes sizes, List<String> commands, double epsilon, int epochs, Launch launch,
            Path work) {
    }

    /**
     * The networks' widths and the row counts at each.
     *
     * @param rows   row counts (e.g. 10,000, 100,000, 1,000,000)
     * @param widths hidden widths W of the 28-W-W-W-2 networks
     * @param cross  every row count at the first width only, the other widths at the fewest rows (the issue's
     *               table: rows grow at one width, width grows at one row count); false: every pair
     */
    public record Sizes(List<Integer> rows, List<Integer> widths, boolean cross) {

        /** The row counts measured at the {@code index}-th width. */
        List<Integer> rowsAt(int index) {
            return cross && index > 0 ? List.of(rows.stream().min(Integer::compare).orElseThrow()) : rows;
        }
    }

    /**
     * How each command is started and stopped.
     *
     * @param launcher bin/odf2nna-onnx
     * @param time     GNU time (/usr/bin/time)
     * @param timeout  seconds a command may run before it is stopped and reported so
     */
    public record Launch(Path launcher, Path time, long timeout) {
    }

    public static BenchReport.Section run(Settings s) {
        BenchReport.Section section = new BenchReport.Section("scale",
                "time and peak memory of the commands beside a plain ONNX Runtime pass, as rows and width grow",
                "rows", "network", "run", "CPU s", "wall s", "peak RSS MB", "CPU × plain", "wall × plain");
        section.setting("networks", "28-W-W-W-2 ReLU, softmax head, He initialisation (seed 1)");
        section.setting("rows", "28 N(0,1) features, label = the network's class with 20% flipped (seed 2)");
        section.setting("plain", "ONNX Runtime over the rows in memory, batches of " + BATCH + ", in the bench's "
                + "process (CPU: the process's CPU time over the pass)");
        section.setting("commands", "the launcher in a child process under " + s.launch().time()
                + " (JVM start-up included); shrink at ε=" + s.epsilon() + ", retraining " + s.epochs()
                + " epoch(s); the rows are both --eval and --train");
        for (int w = 0; w < s.sizes().widths().size(); w++) {
            int width = s.sizes().widths().get(w);
            Path model = s.work().resolve("mlp-" + width + ".onnx");
            DenseNetwork network = network(width);
            byte[] proto = Odf2nna.onnx(network);
            write(model, proto);
            String name = "28-" + width + "-" + width + "-" + width + "-2";
            for (int n : s.sizes().rowsAt(w)) {
                Path csv = s.work().resolve("rows-" + width + "-" + n + ".csv");
                double[] plain = rowsAndPlainPass(proto, n, csv);
                section.row(Integer.toString(n), name, "plain pass", seconds(plain[0]), seconds(plain[1]), "", "1",
                        "1");
                for (String command : s.commands()) {
                    Measured m = runCommand(s, command, model, csv, width + "-" + n);
                    // Each figure as it comes (standard error): a long run stopped half way keeps what it measured.
                    System.err.printf(Locale.ROOT, "scale: %d rows, %s, %s: %s (plain pass %.3f CPU s, %.3f wall s)%n",
                            n, name, command, m.text(), plain[0], plain[1]);
                    section.row(m.cells(Integer.toString(n), name, command, s.launch().timeout(), plain));
                }
                try {
                    Files.deleteIfExists(csv);
                } catch (IOException e) {
                    // left for the next run to overwrite
                }
            }
        }
        return section;
    }

    /** The 28-W-W-W-2 ReLU network, weights N(0, 2/fan-in), biases N(0, 0.01). */
    static DenseNetwork network(int width) {
        Random random = new Random(1);
        int[] widths = {FEATURES, width, width, width, 2};
        List<DenseLayer> layers = new ArrayList<>();
        for (int l = 0; l + 1 < widths.length; l++) {
            float[] w = new float[widths[l] * widths[l + 1]];
            float[] b = new float[widths[l + 1]];
            double scale = Math.sqrt(2.0 / widths[l]);
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (scale * random.nextGaussian());
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.1 * random.nextGaussian());
            }
            boolean last = l + 2 == widths.length;
            layers.add(new DenseLayer(widths[l], widths[l + 1], w, b, last ? Activation.IDENTITY : Activation.RELU));
        }
        return new DenseNetwork(InputPrefix.NONE, layers, OutputHead.SOFTMAX);
    }

    /**
     * Generates {@code n} rows, times a plain pass over them (CPU and wall seconds), labels them from that pass's
     * outputs and writes them to {@code csv}.
     */
    private static double[] rowsAndPlainPass(byte[] proto, int n, Path csv) {
        Random random = new Random(2);
        float[] x = new float[n * FEATURES];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        int[] labels = new int[n];
        double cpu;
        double wall;
        try (OnnxSession runner = OnnxSession.open(proto, Device.CPU, 0)) {
            runner.run(java.util.Arrays.copyOf(x, Math.min(n, BATCH) * FEATURES), Math.min(n, BATCH));
            long cpu0 = processCpuNanos();
            long wall0 = System.nanoTime();
            for (int from = 0; from < n; from += BATCH) {
                int rows = Math.min(BATCH, n - from);
                float[] batch = java.util.Arrays.copyOfRange(x, from * FEATURES, (from + rows) * FEATURES);
                float[] y = runner.run(batch, rows);
                for (int r = 0; r < rows; r++) {
                    labels[from + r] = y[2 * r + 1] > y[2 * r] ? 1 : 0;
                }
            }
            cpu = (processCpuNanos() - cpu0) / 1e9;
            wall = (System.nanoTime() - wall0) / 1e9;
        }
        try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.US_ASCII)) {
            StringBuilder line = new StringBuilder();
            for (int j = 0; j < FEATURES; j++) {
                line.append('f').append(j + 1).append(',');
            }
            out.write(line.append("label\n").toString());
            for (int r = 0; r < n; r++) {
                line.setLength(0);
                for (int j = 0; j < FEATURES; j++) {
                    line.append(x[r * FEATURES + j]).append(',');
                }
                int label = random.nextDouble() < 0.2 ? 1 - labels[r] : labels[r];
                out.write(line.append(label).append('\n').toString());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + csv + ": " + e.getMessage(), e);
        }
        return new double[] {cpu, wall};
    }

    /**
     * One command's figures under GNU time.
     *
     * @param cpu     user + system seconds
     * @param wall    wall seconds
     * @param rssKb   peak resident memory in kB
     * @param failure null when it finished; else what stopped it (the timeout, or its exit status and last error line)
     */
    record Measured(double cpu, double wall, double rssKb, String failure) {

        static Measured stopped(long timeout) {
            return new Measured(Double.NaN, Double.NaN, Double.NaN, "stopped at " + timeout + " s");
        }

        /** The line printed as the figure comes. */
        String text() {
            String figures = Double.isNaN(cpu) ? "" : String.format(Locale.ROOT, "%.2f CPU s, %.1f wall s, %d MB peak "
                    + "RSS", cpu, wall, Math.round(rssKb / 1024));
            return failure == null ? figures : failure + (figures.isEmpty() ? "" : " after " + figures);
        }

        /** The table's row; a failed command keeps the time and memory it used, without ratios. */
        String[] cells(String rows, String network, String command, long timeout, double[] plain) {
            if (Double.isNaN(cpu)) {
                String run = failure == null || failure.equals("stopped at " + timeout + " s") ? command
                        : command + " (" + failure + ")";
                return new String[] {rows, network, run, "stopped", ">" + timeout, "", "", ""};
            }
            String run = failure == null ? command : command + " (" + failure + ")";
            return new String[] {rows, network, run, seconds(cpu), seconds(wall),
                    Long.toString(Math.round(rssKb / 1024)), failure == null ? ratio(cpu / plain[0]) : "",
                    failure == null ? ratio(wall / plain[1]) : ""};
        }
    }

    /** The command line of one run (without GNU time and the launcher). */
    static List<String> arguments(String command, String model, String rows, Settings s, Path out) {
        String eps = Double.toString(s.epsilon());
        String epochs = Integer.toString(s.epochs());
        return switch (command) {
            case "eval" -> List.of("eval", model, rows);
            case "shrink-eval" -> List.of("shrink", model, "--eval", rows, "-e", eps, "-o", out.toString());
            case "shrink-train" -> List.of("shrink", model, "--eval", rows, "--train", rows, "-e", eps,
                    "--retrain-epochs", epochs, "-o", out.toString());
            case "sweep" -> List.of("sweep", model, "--eval", rows, "--train", rows, "--retrain-epochs", epochs, "-o",
                    out.toString());
            default -> throw new IllegalArgumentException("unknown run '" + command + "': choose from " + COMMANDS);
        };
    }

    /** Runs one command under GNU time; a command that fails or is stopped is measured so, and the bench goes on. */
    private static Measured runCommand(Settings s, String command, Path model, Path csv, String tag) {
        Path out = s.work().resolve("out-" + tag + "-" + command + ".onnx");
        List<String> line = new ArrayList<>(List.of(s.launch().time().toString(), "-f", "ODF2NNA_TIME %e %U %S %M",
                s.launch().launcher().toString()));
        line.addAll(arguments(command, model.toString(), csv.toString(), s, out));
        Path logs = s.work().resolve("logs");
        try {
            Files.createDirectories(logs);
            Path log = logs.resolve("scale-" + tag + "-" + command + ".log");
            Process p = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(s.launch().timeout(), TimeUnit.SECONDS)) {
                boolean timed = stop(p);
                Files.deleteIfExists(out);
                return timed ? stopped(Files.readAllLines(log, StandardCharsets.UTF_8), command, s.launch().timeout())
                        : Measured.stopped(s.launch().timeout());
            }
            Files.deleteIfExists(out);
            return measured(Files.readAllLines(log, StandardCharsets.UTF_8), command, p.exitValue(), log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + line.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Seconds a stopped command has to end after SIGTERM (it deletes its temporary files) before SIGKILL. */
    private static final long STOP_GRACE = 120;

    /**
     * Stops a command that ran past the timeout so that GNU time still prints its line: SIGTERM to the command (the
     * launcher execs Java, GNU time's child), SIGKILL after {@link #STOP_GRACE} seconds; GNU time itself is left to
     * report what its child used. Whether GNU time ended (and so wrote its line).
     */
    private static boolean stop(Process time) throws InterruptedException {
        time.children().forEach(ProcessHandle::destroy);
        if (time.waitFor(STOP_GRACE, TimeUnit.SECONDS)) {
            return true;
        }
        time.descendants().forEach(ProcessHandle::destroyForcibly);
        if (time.waitFor(10, TimeUnit.SECONDS)) {
            return true;
        }
        time.destroyForcibly();
        return false;
    }

    /**
     * The figures of a command stopped at {@code timeout} seconds, from its log: the CPU seconds and peak memory GNU
     * time measured up to the stop, and for {@code sweep} the round it was in and those it had finished (the rounds
     * before the last its log names; all it names once it was judging them); without GNU time's line, no figures.
     */
    static Measured stopped(List<String> log, String command, long timeout) {
        String failure = "stopped at " + timeout + " s";
        if (command.equals("sweep")) {
            int started = 0;
            boolean judging = false;
            for (String text : log) {
                java.util.regex.Matcher m = ROUND.matcher(text);
                while (m.find()) {
                    started = Math.max(started, Integer.parseInt(m.group(1)));
                }
                judging |= text.contains("judging rounds");
            }
            int done = judging ? started : Math.max(0, started - 1);
            failure += judging ? ", judging its " + done + " rounds" : started == 0 ? ", no round finished"
                    : " in round " + started + ", " + done + (done == 1 ? " round" : " rounds") + " done";
        }
        for (String text : log) {
            if (text.startsWith("ODF2NNA_TIME ")) {
                Measured m = measured(List.of(text), command, 0, null);
                return new Measured(m.cpu(), m.wall(), m.rssKb(), failure);
            }
        }
        return new Measured(Double.NaN, Double.NaN, Double.NaN, failure);
    }

    /** A sweep's progress line naming its round: "round 3 of about 40: unit costs", "retraining round 3 (...)". */
    private static final java.util.regex.Pattern ROUND = java.util.regex.Pattern.compile("\\bround (\\d+)\\b");

    /** The figures of a finished command from its log (GNU time's line), with its failure when it exited non-zero. */
    static Measured measured(List<String> log, String command, int exit, Path file) {
        String error = null;
        for (String text : log) {
            if (text.startsWith("odf2nna-onnx: ")) {
                error = text.substring("odf2nna-onnx: ".length()).trim();
            }
        }
        for (String text : log) {
            if (text.startsWith("ODF2NNA_TIME ")) {
                String[] f = text.substring("ODF2NNA_TIME ".length()).trim().split("\\s+");
                // sweep exits 3 when no round holds its promise: it ran all the same.
                boolean failed = exit != 0 && !(command.equals("sweep") && exit == 3);
                String failure = failed ? "exit " + exit + (error == null ? "" : ": " + error) : null;
                return new Measured(Double.parseDouble(f[1]) + Double.parseDouble(f[2]), Double.parseDouble(f[0]),
                        Double.parseDouble(f[3]), failure);
            }
        }
        throw new IllegalStateException(command + " gave no timing (exit " + exit + "); see " + file);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, s < 10 ? "%.2f" : "%.1f", s);
    }

    /** The ratio, or nothing where the plain pass measured no time at the clock's resolution (tiny runs). */
    private static String ratio(double r) {
        if (!Double.isFinite(r)) {
            return "";
        }
        return String.format(Locale.ROOT, r < 10 ? "%.1f" : "%.0f", r);
    }
}
