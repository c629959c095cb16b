package org.odf2nna.method;

import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Truth;

/**
 * A detector's labelled images, a few at a time, as its input takes them: an {@code .npz} archive
 * ({@link NpzDetectionImages}) or an Ultralytics dataset ({@link DatasetDetectionImages}).
 */
interface DetectionImages extends AutoCloseable {

    /**
     * Images read together.
     *
     * @param pixels [images, 3, H, W] values as the model takes them (/255)
     * @param images how many
     * @param truths each image's ground truth, in input pixels
     * @param bounds each image's picture within the input (the whole input, or inside a letterbox's border): what
     *               boxes are clipped to, as Ultralytics clips them to the original image
     */
    record Batch(float[] pixels, int images, List<List<Truth>> truths, List<Box> bounds) {
    }

    /** The images in all. */
    int count();

    /** Up to {@code most} next images, or null after the last. */
    Batch next(int most);

    /** Box {@code box} of image {@code image} has a class the model does not have: said where it is written. */
    InputException badClass(int image, int box, int classId, int classes);

    @Override
    void close();
}
