package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.TestModels;
import org.odf2nna.settings.Task;
import org.odf2nna.tf.TrainingData;

/** Training rows are held in memory by design: more than the heap can hold is refused, before it runs out. */
class TrainingRowsMemoryTest {

    @TempDir
    Path dir;

    @Test
    void moreRowsThanTheBudgetAreRefusedNamingTheLineAndHowToGoOn() throws IOException {
        Path model = TestModels.save(TestModels.dense(4, 8, 3).build().model(), dir, "m.onnx");
        OnnxDenseModel read = DenseChainReader.read(model);
        StringBuilder csv = new StringBuilder("a,b,c,d,label\n");
        for (int r = 0; r < 1000; r++) {
            csv.append(r % 7).append(",1,2,3,").append(r % 3).append('\n');
        }
        Path file = Files.writeString(dir.resolve("train.csv"), csv);
        EvalData data = new EvalData(file, ColumnRequest.of(4, null, ColumnRequest.Target.REQUIRED), 100);

        // Each row keeps 4 values and a target, 12 bytes each at the peak: 1000 rows need 60,000 bytes.
        TrainingData all = TrainingRows.load(read, data, Task.CLASSIFICATION, Device.CPU, Progress.NONE, 60_000);
        assertEquals(1000, all.rows());

        InputException e = assertThrows(InputException.class,
                () -> TrainingRows.load(read, data, Task.CLASSIFICATION, Device.CPU, Progress.NONE, 30_000));
        // 500 rows need exactly 30,000 bytes; refused after the batch that crosses it (rows 501-600, line 601).
        assertTrue(e.getMessage().startsWith(file + ": line 601: has more training rows than fit in memory"),
                e.getMessage());
        assertTrue(e.getMessage().contains("JAVA_OPTS=-Xmx") && e.getMessage().contains("sample"), e.getMessage());
    }

    /** A NumPy archive has rows, not lines (issue 57): the refusal names the row, counted from 1. */
    @Test
    void moreRowsOfANumpyArchiveThanTheBudgetAreRefusedNamingTheRow() throws IOException {
        Path model = TestModels.save(TestModels.dense(4, 8, 3).build().model(), dir, "m.onnx");
        OnnxDenseModel read = DenseChainReader.read(model);
        float[] x = new float[1000 * 4];
        float[] y = new float[1000];
        for (int r = 0; r < 1000; r++) {
            x[4 * r] = r % 7;
            x[4 * r + 1] = 1;
            x[4 * r + 2] = 2;
            x[4 * r + 3] = 3;
            y[r] = r % 3;
        }
        Path file = dir.resolve("train.npz");
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("x.npy"));
            zip.write(npy(x, "(1000, 4)"));
            zip.putNextEntry(new java.util.zip.ZipEntry("y.npy"));
            zip.write(npy(y, "(1000,)"));
        }
        EvalData data = new EvalData(file, ColumnRequest.of(4, null, ColumnRequest.Target.REQUIRED), 100);
        assertEquals(1000, TrainingRows.load(read, data, Task.CLASSIFICATION, Device.CPU, Progress.NONE, 60_000)
                .rows());

        InputException e = assertThrows(InputException.class,
                () -> TrainingRows.load(read, data, Task.CLASSIFICATION, Device.CPU, Progress.NONE, 30_000));
        // Refused after the batch that crosses the budget: rows 501-600.
        assertTrue(e.getMessage().startsWith(file + ": row 600: has more training rows than fit in memory"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("line"), e.getMessage());
    }

    /** A little-endian float32 .npy file of {@code shape} holding {@code values}. */
    private static byte[] npy(float[] values, String shape) {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int length = 10 + header.length() + 1;
        header = header + " ".repeat((64 - length % 64) % 64) + "\n";
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(10 + header.length() + 4 * values.length)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 0x93).put("NUMPY".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put((byte) 1)
                .put((byte) 0).putShort((short) header.length())
                .put(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (float v : values) {
            out.putFloat(v);
        }
        return out.array();
    }
}
