package org.odf2nna.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Progress;
import org.odf2nna.api.FileWorkflows;
import org.odf2nna.graph.Graphs;
import org.odf2nna.metrics.DetectionMap.Truth;
import org.odf2nna.metrics.Metrics;
import org.odf2nna.onnx.OnnxValues;
import org.odf2nna.settings.ModelInputs;

/** An Ultralytics dataset (data.yaml, images/, labels/) read as its val reads it. */
public class DatasetDetectionImagesTest {

    @TempDir
    Path dir;

    /** A 640 × 480 image in a 160 input: a quarter the size, 20 rows of gray above and below; labels shifted by 20. */
    @Test
    void theLetterboxIsUltralyticsOwn() {
        Letterbox box = Letterbox.of(640, 480, 160);
        assertEquals(160, box.width());
        assertEquals(120, box.height());
        assertEquals(0, box.left());
        assertEquals(20, box.top());
        assertEquals(20.0, box.padY());
        assertEquals(0.25, box.gain());
        // A border of an odd size: half of it, rounded down above (Ultralytics' round(dh - 0.1)), unrounded for labels.
        Letterbox odd = Letterbox.of(160, 155, 160);
        assertEquals(2, odd.top());
        assertEquals(2.5, odd.padY());
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xff0000);
        image.setRGB(1, 0, 0x00ff00);
        float[] pixels = Letterbox.of(2, 1, 2).pixels(image);
        // A 2 × 1 image in a 2 × 2 input: no row above (round(0.5 - 0.1) = 0), the picture, then a gray row.
        assertEquals(1f, pixels[0]);
        assertEquals(0f, pixels[1]);
        assertEquals(114 / 255f, pixels[2]);
        assertEquals(1f, pixels[4 + 1]);
    }

    /** The dataset form gives what the archive gives for the same images and boxes (DetectionEvaluatorTest's case). */
    @Test
    void aDatasetYamlIsJudgedAsItsArchive() throws IOException {
        Path model = dir.resolve("yolo.onnx");
        Graphs g = new Graphs(1);
        g.inputOf("images", OnnxValues.FLOAT, "1", "3", "4", "4").output("output0", 6, 8);
        g.node("Reshape", "output0", "images", g.int64("shape", 1, 6, 8));
        Files.write(model, g.model(13).toByteArray());
        Path images = Files.createDirectories(dir.resolve("shapes/images/val"));
        Path labels = Files.createDirectories(dir.resolve("shapes/labels/val"));
        for (int i = 0; i < 2; i++) {
            BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
            // Channel c, anchor 0 = value index c * 8: plane c / 2, row (c % 2) * 2, column 0.
            int[] rgb = new int[16];
            for (int c = 0; c < 5 + i; c++) {
                if (c >= 4 && c != 4 + i) {
                    continue;
                }
                int plane = c / 2;
                int at = (c % 2) * 8;
                rgb[at] |= 0xff << (16 - 8 * plane);
            }
            image.setRGB(0, 0, 4, 4, rgb, 0, 4);
            ImageIO.write(image, "png", images.resolve("im" + i + ".png").toFile());
            Files.writeString(labels.resolve("im" + i + ".txt"), "0 0.25 0.25 0.25 0.25\n");
        }
        Path yaml = dir.resolve("data.yaml");
        Files.writeString(yaml, "path: shapes\ntrain: images/train\nval: images/val\nnames:\n  0: circle\n  1: square\n");
        try (DatasetDetectionImages read = DatasetDetectionImages.open(yaml, "val", 4)) {
            DetectionImages.Batch b = read.next(16);
            assertEquals(2, b.images());
            assertEquals(List.of(new Truth(new org.odf2nna.metrics.DetectionMap.Box(0.5f, 0.5f, 1.5f, 1.5f), 0)),
                    b.truths().get(0));
        }
        Metrics.Detection d = (Metrics.Detection) FileWorkflows.evaluateDetector(model, yaml, ModelInputs.NONE,
                Device.CPU, Progress.NONE).metrics();
        assertEquals(0.75, d.map50(), 1e-12);
        assertEquals(2, d.truths());
        Files.writeString(labels.resolve("im1.txt"), "0 0.25 0.25 0.25\n");
        InputException e = assertThrows(InputException.class, () -> FileWorkflows.evaluateDetector(model, yaml,
                ModelInputs.NONE, Device.CPU, Progress.NONE));
        assertTrue(e.getMessage().contains("im1.txt") && e.getMessage().contains("line 1"), e.getMessage());
    }
}
