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
}
