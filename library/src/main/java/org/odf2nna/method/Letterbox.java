package org.odf2nna.method;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * An image placed in a square input as Ultralytics' val places it: its long side resized to the input's size
 * (bilinear, pixel centres aligned, as OpenCV's INTER_LINEAR; where OpenCV rounds in fixed point a value may differ by
 * one level), then centred with gray 114 around; RGB, each value /255, channels first.
 *
 * @param size    the input's side
 * @param width   the picture's width in the input
 * @param height  its height
 * @param left    the border left of it
 * @param top     the border above it
 * @param padX    the horizontal shift Ultralytics gives the labels (half the border, not rounded)
 * @param padY    the vertical one
 * @param gain    the picture's scale (resized height over the original's: what Ultralytics divides by)
 * @param originalWidth  the image's width as read
 * @param originalHeight its height
 */
record Letterbox(int size, int width, int height, int left, int top, double padX, double padY, double gain,
        int originalWidth, int originalHeight) {

    /** The border's gray. */
    static final int GRAY = 114;

    /** How an image of {@code w} × {@code h} is placed in a square of {@code size}. */
    static Letterbox of(int w, int h, int size) {
        double r = size / (double) Math.max(w, h);
        int rw = w;
        int rh = h;
        if (r != 1) {
            rw = Math.min((int) Math.ceil(w * r), size);
            rh = Math.min((int) Math.ceil(h * r), size);
        }
        double dw = (size - rw) / 2.0;
        double dh = (size - rh) / 2.0;
        return new Letterbox(size, rw, rh, (int) Math.round(dw - 0.1), (int) Math.round(dh - 0.1), dw, dh,
                rh / (double) h, w, h);
    }

    /** The image as the model takes it: [3, size, size], RGB /255. */
    float[] pixels(BufferedImage image) {
        int[][] rgb = rgb(image);
        float[] out = new float[3 * size * size];
        java.util.Arrays.fill(out, GRAY / 255f);
        double sx = originalWidth / (double) width;
        double sy = originalHeight / (double) height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int at = (y + top) * size + x + left;
                for (int c = 0; c < 3; c++) {
                    int v = width == originalWidth && height == originalHeight ? rgb[c][y * originalWidth + x]
                            : bilinear(rgb[c], x, y, sx, sy);
                    out[c * size * size + at] = v / 255f;
                }
            }
        }
        return out;
    }

    /** The value at output pixel (x, y) of a plane resized by (sx, sy), centres aligned, edges repeated. */
    private int bilinear(int[] plane, int x, int y, double sx, double sy) {
        double fx = Math.max((x + 0.5) * sx - 0.5, 0);
        double fy = Math.max((y + 0.5) * sy - 0.5, 0);
        int x0 = Math.min((int) fx, originalWidth - 1);
        int y0 = Math.min((int) fy, originalHeight - 1);
        int x1 = Math.min(x0 + 1, originalWidth - 1);
        int y1 = Math.min(y0 + 1, originalHeight - 1);
        double ax = fx - x0;
        double ay = fy - y0;
        double top0 = plane[y0 * originalWidth + x0] * (1 - ax) + plane[y0 * originalWidth + x1] * ax;
        double bottom = plane[y1 * originalWidth + x0] * (1 - ax) + plane[y1 * originalWidth + x1] * ax;
        return (int) Math.min(255, Math.max(0, Math.round(top0 * (1 - ay) + bottom * ay)));
    }

    /**
     * The image's red, green and blue planes, 8 bits each, as OpenCV reads a file in colour: gray repeated in the
     * three, alpha dropped, 16 bits cut to their high 8, a palette looked up.
     */
    static int[][] rgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[][] planes = new int[3][w * h];
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        boolean palette = image.getColorModel() instanceof IndexColorModel;
        int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (palette) {
                    int argb = image.getRGB(x, y);
                    planes[0][i] = (argb >> 16) & 0xff;
                    planes[1][i] = (argb >> 8) & 0xff;
                    planes[2][i] = argb & 0xff;
                } else {
                    for (int c = 0; c < 3; c++) {
                        planes[c][i] = raster.getSample(x, y, bands >= 3 ? c : 0) >> shift;
                    }
                }
            }
        }
        return planes;
    }
}
