package org.odf2nna.method;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.odf2nna.InputException;
import org.odf2nna.data.ColumnRequest;
import org.odf2nna.data.NumpyRows;
import org.odf2nna.data.RowReader;
import org.odf2nna.metrics.DetectionMap.Box;
import org.odf2nna.metrics.DetectionMap.Truth;

/**
 * An {@code .npz} archive of a detector's labelled images: array {@code x} (or the one named after the input) of
 * [N, 3, H, W] at the model's input size, uint8 (read as /255) or float as it is, and array {@code boxes} of [N, M, 5]
 * rows (class, cx, cy, w, h, normalised to 0..1; rows of -1 pad an image's boxes).
 */
final class NpzDetectionImages implements DetectionImages {

    /** The array of ground-truth boxes. */
    static final String BOXES = "boxes";

    private final Path file;
    private final int count;
    private final int boxesPerImage;
    private final boolean bytes;
    private final int height;
    private final int width;
    private final RowReader pixels;
    private final RowReader boxes;
    private int read;

    private NpzDetectionImages(Path file, String array, long[] shape, int boxesPerImage, boolean bytes) {
        this.file = file;
        this.count = (int) shape[0];
        this.height = (int) shape[2];
        this.width = (int) shape[3];
        this.boxesPerImage = boxesPerImage;
        this.bytes = bytes;
        this.pixels = RowReader.open(file, array, ColumnRequest.of(3 * height * width, null,
                ColumnRequest.Target.ABSENT));
        try {
            this.boxes = RowReader.open(file, BOXES, ColumnRequest.of(boxesPerImage * 5, null,
                    ColumnRequest.Target.ABSENT));
        } catch (RuntimeException e) {
            pixels.close();
            throw e;
        }
    }

    /** Whether {@code data} is an {@code .npz} archive with an array of boxes. */
    static boolean holdsBoxes(Path data) {
        return NumpyRows.arrayInfo(data, BOXES) != null;
    }

    /**
     * The archive's images (array {@code array}) and boxes, checked against the model's input of {@code height} ×
     * {@code width}.
     */
    static NpzDetectionImages open(Path data, String array, int height, int width) {
        NumpyRows.ArrayInfo x = NumpyRows.arrayInfo(data, array);
        NumpyRows.ArrayInfo b = NumpyRows.arrayInfo(data, BOXES);
        if (x == null || b == null) {
            throw new InputException(data, null, "is no .npz archive of images and boxes: a detector's labelled "
                    + "images are array " + array + " [N, 3, H, W] and array " + BOXES + " [N, M, 5] (class, cx, cy, "
                    + "w, h, normalised; rows of -1 pad), or an Ultralytics data.yaml");
        }
        long[] s = x.shape();
        if (s.length != 4 || s[1] != 3 || s[2] != height || s[3] != width) {
            throw new InputException(data, "array '" + array + "'", "has shape " + x.shapeText() + "; the model "
                    + "takes images of (N, 3, " + height + ", " + width + "): give them at that size (letterboxed as "
                    + "Ultralytics does, gray 114 around), or give the dataset's data.yaml");
        }
        long[] bs = b.shape();
        if (bs.length != 3 || bs[0] != s[0] || bs[2] != 5) {
            throw new InputException(data, "array '" + BOXES + "'", "has shape " + b.shapeText() + "; the boxes are ("
                    + s[0] + ", M, 5): per image M rows of class, cx, cy, w, h, normalised to 0..1, rows of -1 "
                    + "where an image has fewer");
        }
        return new NpzDetectionImages(data, array, s, (int) bs[1], x.type().equals("uint8"));
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public DetectionImages.Batch next(int most) {
        org.odf2nna.data.Batch values = pixels.next(most);
        if (values == null) {
            return null;
        }
        org.odf2nna.data.Batch rows = boxes.next(values.rows());
        float[] v = values.features();
        if (bytes) {
            for (int i = 0; i < v.length; i++) {
                v[i] = v[i] / 255f;
            }
        }
        List<List<Truth>> truths = new ArrayList<>();
        List<Box> bounds = new ArrayList<>();
        for (int r = 0; r < values.rows(); r++) {
            truths.add(truths(rows.features(), r, read + r));
            bounds.add(new Box(0, 0, width, height));
        }
        read += values.rows();
        return new DetectionImages.Batch(v, values.rows(), truths, bounds);
    }

    /** Image {@code r} of a batch of boxes: its ground truth in input pixels; padding rows (a negative class) left out. */
    private List<Truth> truths(float[] rows, int r, int image) {
        List<Truth> truths = new ArrayList<>();
        for (int m = 0; m < boxesPerImage; m++) {
            int at = (r * boxesPerImage + m) * 5;
            float c = rows[at];
            if (c < 0) {
                continue;
            }
            if (c != Math.rint(c)) {
                throw new InputException(file, place(image, m), "class " + c + " is no class id (0, 1, 2, ...)");
            }
            truths.add(Truth.ofNormalised((int) c, rows[at + 1], rows[at + 2], rows[at + 3], rows[at + 4], width,
                    height));
        }
        return truths;
    }

    private static String place(int image, int box) {
        return "array '" + BOXES + "', image " + image + ", box " + box;
    }

    @Override
    public InputException badClass(int image, int box, int classId, int classes) {
        return new InputException(file, place(image, box), "class " + classId + " is no class id of the model's "
                + classes + " (0.." + (classes - 1) + ")");
    }

    @Override
    public void close() {
        pixels.close();
        boxes.close();
    }
}
