package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;

/**
 * eval of a per-position output (issue 56): a token classifier's [batch, 4, 3] logits measured against labels per
 * position, given as an .npz archive's array y of [rows, 4], a negative label a position not counted; one label per row
 * is refused in one line that names the output and says what to give.
 */
class EvalPerPositionCliTest {

    private static final int ROWS = 50;
    private static final int POSITIONS = 4;
    private static final int CLASSES = 3;

    @TempDir
    Path dir;

    /** x [N, 4, 3] → x·(2I) + x: the class at each position is the argmax of x there. */
    static ModelProto tokenClassifier() {
        Graphs g = new Graphs(5);
        g.input("x", POSITIONS, CLASSES).output("logits", POSITIONS, CLASSES);
        float[] twice = new float[CLASSES * CLASSES];
        for (int c = 0; c < CLASSES; c++) {
            twice[c * CLASSES + c] = 2f;
        }
        g.node("Add", "logits", g.node("MatMul", "scaled", "x", g.init("w", twice, CLASSES, CLASSES)), "x");
        return g.model(14);
    }

    @Test
    void labelsPerPositionAreCountedWhereTheyAreNotNegative() throws Exception {
        Path model = Files.write(dir.resolve("tokens.onnx"), tokenClassifier().toByteArray());
        Random random = new Random(3);
        float[] x = new float[ROWS * POSITIONS * CLASSES];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        float[] y = new float[ROWS * POSITIONS];
        for (int r = 0; r < ROWS; r++) {
            for (int p = 0; p < POSITIONS; p++) {
                int at = (r * POSITIONS + p) * CLASSES;
                int best = 0;
                for (int c = 1; c < CLASSES; c++) {
                    best = x[at + c] > x[at + best] ? c : best;
                }
                // Position 0 is not counted (-100, as Hugging Face marks special tokens); every fifth row is wrong.
                y[r * POSITIONS + p] = p == 0 ? -100 : r % 5 == 0 ? (best + 1) % CLASSES : best;
            }
        }
        Path npz = dir.resolve("rows.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
            npy(zip, "x", x, "(" + ROWS + ", " + POSITIONS + ", " + CLASSES + ")", false);
            npy(zip, "y", y, "(" + ROWS + ", " + POSITIONS + ")", true);
        }
        CliRun eval = CliRun.of("eval", model.toString(), npz.toString());
        assertEquals(0, eval.exitCode(), eval.toString());
        // 50 rows × 3 counted positions; 10 rows × 3 wrong: 120 of 150.
        assertTrue(eval.out().contains("(150 labelled positions in 50 rows, classification per position)"),
                eval.out());
        assertTrue(eval.out().contains("accuracy 80.00%"), eval.out());

        // One label per row (a CSV): one line naming the output and what to give.
        StringBuilder csv = new StringBuilder();
        for (int c = 0; c < POSITIONS * CLASSES; c++) {
            csv.append("x").append(c).append(',');
        }
        csv.append("label\n");
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < POSITIONS * CLASSES; c++) {
                csv.append(x[r * POSITIONS * CLASSES + c]).append(',');
            }
            csv.append("1\n");
        }
        Path rows = Files.writeString(dir.resolve("rows.csv"), csv);
        CliRun refused = CliRun.of("eval", model.toString(), rows.toString());
        assertEquals(Main.USAGE, refused.exitCode(), refused.toString());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("output 'logits' has shape [5, 4, 3]") && refused.err().contains(
                "array y of shape [rows, positions]"), refused.err());
    }

    /** A float32 (or int64) .npy array of {@code values} with {@code shape} as an archive's entry. */
    private static void npy(ZipOutputStream zip, String name, float[] values, String shape, boolean int64)
            throws IOException {
        zip.putNextEntry(new ZipEntry(name + ".npy"));
        String h = "{'descr': '" + (int64 ? "<i8" : "<f4") + "', 'fortran_order': False, 'shape': " + shape + ", }";
        h = h + " ".repeat(64 - (10 + h.length() + 1) % 64) + "\n";
        zip.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), 0});
        zip.write(h.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer b = ByteBuffer.allocate(values.length * (int64 ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (int64) {
                b.putLong((long) v);
            } else {
                b.putFloat(v);
            }
        }
        zip.write(b.array());
        zip.closeEntry();
    }
}
