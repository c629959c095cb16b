package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's default heap (issues 57 and 82): a ceiling of half the machine's memory, or of the container's limit
 * ({@code -XX:MaxRAMPercentage=50}), with G1 handing back what it does not use (a young generation of at most 256 MB,
 * at most 30% of the heap left free after a marking cycle, a periodic collection), whatever the files named;
 * {@code ODF2NNA_HEAP} sets it, and a {@code JAVA_OPTS} with {@code -Xmx} keeps its own. Read from the JVM's own
 * account of its flags ({@code -XX:+PrintCommandLineFlags}, on standard output before the command's).
 */
class LauncherHeapIT {

    private static final long MB = 1L << 20;

    @TempDir
    Path dir;

    @Test
    void theHeapMayGrowToHalfTheMemoryAndCanBeSet() throws Exception {
        Path model = Path.of("models/iris_4-16-16-3_relu.onnx").toAbsolutePath();
        Path small = Path.of("examples/iris/iris-test.csv").toAbsolutePath();
        String flags = flags(Map.of(), model, small, true);
        long half = memory() / 2;
        long heap = maxHeap(flags);
        // Java aligns the ceiling to its heap regions (at most 32 MB).
        assertTrue(Math.abs(heap - half) <= 32 * MB, "half of " + memory() / MB + " MB, got " + heap / MB + " MB");
        for (String flag : List.of("-XX:MaxNewSize=268435456", "-XX:MaxHeapFreeRatio=30", "-XX:MinHeapFreeRatio=10",
                "-XX:G1PeriodicGCInterval=5000")) {
            assertTrue(flags.contains(flag), flag + " missing: " + flags);
        }
        assertEquals(300 * MB, maxHeap(flags(Map.of("ODF2NNA_HEAP", "300m"), model, small, true)),
                "ODF2NNA_HEAP sets it");
        assertEquals(200 * MB, maxHeap(flags(Map.of("ODF2NNA_HEAP", "300m", "JAVA_OPTS", "-Xmx200m"), model, small,
                true)), "JAVA_OPTS's -Xmx wins");
    }

    /**
     * Issue 82: a compressed archive of uint8 images (20,000 of 32 x 32 x 3 here, 61 MB decoded, 245 MB as the
     * floats Java holds, a few kB of zeros in the file) gets the same ceiling as any other run; the fitted heap of
     * issue 57 gave it 512 MB plus 3 times its decoded bytes, and the run stopped out of memory.
     */
    @Test
    void compressedImagesGetTheSameCeiling() throws Exception {
        Path model = Path.of("models/iris_4-16-16-3_relu.onnx").toAbsolutePath();
        Path images = dir.resolve("images.npz");
        int rows = 20_000;
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(images))) {
            zip.putNextEntry(new ZipEntry("x.npy"));
            zip.write(npyHeader("|u1", "(" + rows + ", 32, 32, 3)"));
            zip.write(new byte[rows * 32 * 32 * 3]);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("y.npy"));
            zip.write(npyHeader("<i8", "(" + rows + ",)"));
            zip.write(new byte[rows * 8]);
            zip.closeEntry();
        }
        Path small = Path.of("examples/iris/iris-test.csv").toAbsolutePath();
        // The iris model refuses rows of 3,072 values; the flags are printed before it reads them.
        assertEquals(maxHeap(flags(Map.of(), model, small, true)), maxHeap(flags(Map.of(), model, images, false)));
    }

    /** A NumPy format 1.0 header of an array of {@code descr} and {@code shape}. */
    private static byte[] npyHeader(String descr, String shape) {
        StringBuilder header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape
                + ", }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] text = header.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) text.length).put(text);
        return b.array();
    }

    private static long maxHeap(String flags) {
        Matcher m = Pattern.compile("-XX:MaxHeapSize=(\\d+)").matcher(flags);
        assertTrue(m.find(), flags);
        return Long.parseLong(m.group(1));
    }

    /** The flags the JVM of {@code eval MODEL ROWS} ran with; its exit code checked where {@code succeeds}. */
    private String flags(Map<String, String> env, Path model, Path rows, boolean succeeds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Shared.launcher().toString(), "-q", "eval", model.toString(),
                rows.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().putAll(env);
        builder.environment().merge("JAVA_OPTS", "-XX:+PrintCommandLineFlags", (a, b) -> a + " " + b);
        Process p = builder.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (succeeds) {
            assertEquals(0, code, out);
        }
        return out.lines().filter(l -> l.contains("-XX:MaxHeapSize=")).findFirst().orElse(out);
    }

    /** The memory Java sizes its heap from: the machine's, or the container's limit where that is lower. */
    private static long memory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }
}
