package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's default heap (issue 57): 512 MB plus a share of the size of the files the command names (6 × a
 * plain file), instead of Java's quarter of the machine's memory; {@code ODF2NNA_HEAP} sets it, and a
 * {@code JAVA_OPTS} with {@code -Xmx} keeps its own. Read from the JVM's own account of its flags
 * ({@code -XX:+PrintCommandLineFlags}, on standard output before the command's).
 */
class LauncherHeapIT {

    private static final long MB = 1L << 20;

    @TempDir
    Path dir;

    @Test
    void theHeapIsFittedToTheFilesNamedAndCanBeRaised() throws Exception {
        Path model = Path.of("models/iris_4-16-16-3_relu.onnx").toAbsolutePath();
        Path small = Path.of("examples/iris/iris-test.csv").toAbsolutePath();
        Path large = dir.resolve("large.csv");
        try (Writer w = Files.newBufferedWriter(large)) {
            w.write("a,b,c,d,label\n");
            for (int r = 0; r < 1_000_000; r++) {
                w.write("5.1,3.5,1.4,0.2,0\n"); // 18 bytes a row: 18 MB
            }
        }
        long quarter = javasDefaultHeap();
        long smallExpected = (512 + (6 * (Files.size(model) + Files.size(small)) >> 20)) * MB;
        long largeExpected = (512 + (6 * (Files.size(model) + Files.size(large)) >> 20)) * MB;
        assumeTrue(largeExpected < quarter, "skipped: a quarter of this machine's memory (" + quarter / MB
                + " MB) is below the fitted heaps, which the launcher then leaves to Java");

        assertEquals(smallExpected, maxHeap(Map.of(), model, small), "fitted to the iris files: 512 MB");
        assertEquals(largeExpected, maxHeap(Map.of(), model, large), "fitted to an 18 MB file: 512 MB + 6 × 18 MB");
        assertEquals(300 * MB, maxHeap(Map.of("ODF2NNA_HEAP", "300m"), model, small), "ODF2NNA_HEAP sets it");
        assertEquals(200 * MB, maxHeap(Map.of("ODF2NNA_HEAP", "300m", "JAVA_OPTS", "-Xmx200m"), model, small),
                "JAVA_OPTS's -Xmx wins");
    }

    /** The -XX:MaxHeapSize the JVM of {@code eval MODEL ROWS} ran with. */
    private long maxHeap(Map<String, String> env, Path model, Path rows) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Shared.launcher().toString(), "-q", "eval", model.toString(),
                rows.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().putAll(env);
        builder.environment().merge("JAVA_OPTS", "-XX:+PrintCommandLineFlags", (a, b) -> a + " " + b);
        Process p = builder.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Matcher m = Pattern.compile("-XX:MaxHeapSize=(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    /** Java's own default heap on this machine: a quarter of its memory, or of the container's limit. */
    private static long javasDefaultHeap() throws IOException {
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        Path limit = Path.of("/sys/fs/cgroup/memory.max");
        if (Files.isReadable(limit)) {
            String text = Files.readString(limit).strip();
            if (text.matches("\\d+")) {
                memory = Math.min(memory, Long.parseLong(text));
            }
        }
        return memory / 4;
    }
}
