package org.odf2nna.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.onnx.TestModels;

/**
 * The launcher with a small heap ({@code JAVA_OPTS=-Xmx96m}): input larger than the heap is refused with
 * a one-line message naming the file and the heap it needs, never an OutOfMemoryError.
 */
class MemoryLimitsIT {

    @TempDir
    Path dir;

    @Test
    void aModelFileLargerThanTheHeapIsRefusedBeforeItIsRead() throws Exception {
        Path model = dir.resolve("big.onnx");
        try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
            f.setLength(300L << 20); // 300 MB, sparse
        }
        Shared.Result r = launch("inspect", model.toString());
        assertEquals(1, r.exitCode(), r.toString());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + r);
        assertTrue(err.startsWith("odf2nna-onnx: error: " + model + ": its 314572800 bytes (read, then copied for "
                + "ONNX Runtime) need 600 MB of memory, more than Java can give"), r.toString());
        assertTrue(err.contains("JAVA_OPTS=-Xmx"), r.toString());
    }

    @Test
    void trainingRowsLargerThanTheHeapStreamFromDisk() throws Exception {
        Path model = TestModels.save(TestModels.dense(16, 12, 3).build().model(), dir, "m.onnx");
        Path eval = dir.resolve("eval.csv");
        Path train = dir.resolve("train.csv");
        writeRows(eval, 50);
        writeRows(train, 600_000); // 600,000 rows x 17 values x 12 bytes: about 120 MB held, more than the 96 MB heap
        Path out = dir.resolve("small.onnx");
        // Batches of 1024 rows: the rows held and streamed are the same, and each of the 16 rounds' epochs takes 469
        // steps instead of 15,000 (most of this test's time with the default 32).
        Shared.Result r = launch("-q", "shrink", model.toString(), "--eval", eval.toString(), "--train", train.toString(),
                "--retrain-epochs", "1", "--batch-size", "1024", "-o", out.toString(), "--accept-chance");
        // Issue 57: the rows go to a file on disk past what the heap holds, so training needs no more heap than 10k rows.
        assertEquals(0, r.exitCode(), r.toString());
        assertFalse(r.err().contains("out of memory"), r.toString());
        assertTrue(Files.exists(out), r.toString());
    }

    private Shared.Result launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Shared.launcher().toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.put("JAVA_OPTS", "-Xmx96m");
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Shared.Result(p.waitFor(), "", err);
    }

    private static void writeRows(Path file, int rows) throws IOException {
        java.util.Random random = new java.util.Random(5);
        try (Writer w = Files.newBufferedWriter(file)) {
            for (int c = 0; c < 16; c++) {
                w.write("x" + c + ",");
            }
            w.write("label\n");
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < 16; c++) {
                    w.write(Integer.toString(random.nextInt(100)));
                    w.write(',');
                }
                w.write(Integer.toString(r % 3));
                w.write('\n');
            }
        }
    }
}
