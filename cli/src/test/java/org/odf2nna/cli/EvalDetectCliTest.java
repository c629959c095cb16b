package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.graph.Graphs;
import org.odf2nna.onnx.OnnxValues;

/**
 * eval of a YOLO-shaped export on an Ultralytics dataset (data.yaml, images/val, labels/val): mAP50 and mAP50-95
 * printed without a flag; another command given --task detect refuses it in one line.
 */
class EvalDetectCliTest {

    @TempDir
    Path dir;

    /**
     * images [1, 3, 4, 4] reshaped to output0 [1, 6, 8]; two images whose anchor 0 is a box at centre (1, 1) of size 1
     * (pixels 255), scored class 0 in the first and class 1 in the second, each labelled class 0 there: class 0 has one
     * of its two boxes found first, so AP 0.75 at every threshold.
     */
    @Test
    void aDatasetYamlGivesTheDetectorsMap() throws Exception {
        Graphs g = new Graphs(1);
        g.inputOf("images", OnnxValues.FLOAT, "1", "3", "4", "4").output("output0", 6, 8);
        g.node("Reshape", "output0", "images", g.int64("shape", 1, 6, 8));
        Path model = Files.write(dir.resolve("yolo.onnx"), g.model(13).toByteArray());
        Path images = Files.createDirectories(dir.resolve("shapes/images/val"));
        Path labels = Files.createDirectories(dir.resolve("shapes/labels/val"));
        for (int i = 0; i < 2; i++) {
            int[] rgb = new int[16];
            rgb[0] = 0xffff00;                 // channels 0 and 2 (red, green planes, row 0)
            rgb[8] = 0xffff00;                 // channels 1 and 3 (row 2)
            rgb[i == 0 ? 0 : 8] |= 0xff;       // channel 4 or 5 (blue plane): the class score
            BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
            image.setRGB(0, 0, 4, 4, rgb, 0, 4);
            ImageIO.write(image, "png", images.resolve("im" + i + ".png").toFile());
            Files.writeString(labels.resolve("im" + i + ".txt"), "0 0.25 0.25 0.25 0.25\n");
        }
        Path yaml = Files.writeString(dir.resolve("data.yaml"), "path: shapes\ntrain: images/val\nval: images/val\n"
                + "names:\n  0: circle\n  1: square\n");
        CliRun run = CliRun.of("eval", model.toString(), yaml.toString());
        assertEquals(Main.OK, run.exitCode(), run.toString());
        assertTrue(run.out().contains("(2 images, 2 boxes, detection)"), run.out());
        assertTrue(run.out().contains("mAP50 0.7500, mAP50-95 0.7500"), run.out());
        CliRun json = CliRun.of("eval", model.toString(), yaml.toString(), "--json");
        assertTrue(json.out().contains("\"map50\": 0.75,") && json.out().contains("\"map50to95\": 0.7"), json.out());
        CliRun refused = CliRun.of("sweep", model.toString(), "--train", yaml.toString(), "--task", "detect");
        assertEquals(Main.USAGE, refused.exitCode(), refused.toString());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("--task detect: a detector's mAP50 and mAP50-95 are measured by eval "
                + "alone"), refused.err());
    }
}
