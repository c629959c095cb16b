package org.odf2nna.graph;

/**
 * Where an output position of a Conv of several taps reads the hidden tensor [rows, units, height, width]: each
 * sample's (unit, tap) value, 0 where the tap lies on the zero padding, as the Conv reads it.
 */
record ConvPatches(ConvKernel kernel, int units, int height, int width, int outHeight, int outWidth) {

    /** Null unless the hidden tensor and the output are both [rows, channels, height, width]. */
    static ConvPatches of(ConvKernel kernel, long[] hidden, long[] output) {
        if (hidden.length != 4 || output.length != 4) {
            return null;
        }
        return new ConvPatches(kernel, (int) hidden[1], (int) hidden[2], (int) hidden[3], (int) output[2],
                (int) output[3]);
    }

    int outputs() {
        return outHeight * outWidth;
    }

    /**
     * Every column of the samples {@code taken} into {@code xT} (k × m, a sample a column), as {@link #value} reads
     * each, a column at a time: the ResNet-18 refit's patch matrices cost 28 s read value by value.
     */
    void fill(float[] hidden, int[] taken, double[] xT) {
        int m = taken.length;
        int[] base = new int[m];
        int[] top = new int[m];
        int[] left = new int[m];
        for (int i = 0; i < m; i++) {
            int position = taken[i] % outputs();
            base[i] = taken[i] / outputs() * units;
            top[i] = position / outWidth * kernel.sh() - kernel.padTop();
            left[i] = position % outWidth * kernel.sw() - kernel.padLeft();
        }
        int k = units * kernel.taps();
        for (int c = 0; c < k; c++) {
            int unit = c / kernel.taps();
            int tap = c % kernel.taps();
            int dy = tap / kernel.kw() * kernel.dh();
            int dx = tap % kernel.kw() * kernel.dw();
            for (int i = 0; i < m; i++) {
                int y = top[i] + dy;
                int x = left[i] + dx;
                if (y >= 0 && x >= 0 && y < height && x < width) {
                    xT[c * m + i] = hidden[((base[i] + unit) * height + y) * width + x];
                }
            }
        }
    }

    /** Sample {@code s} (row-major over rows and output positions), column {@code c} = unit · taps + tap. */
    double value(float[] hidden, int s, int c) {
        int row = s / outputs();
        int position = s % outputs();
        int unit = c / kernel.taps();
        int tap = c % kernel.taps();
        int y = position / outWidth * kernel.sh() - kernel.padTop() + tap / kernel.kw() * kernel.dh();
        int x = position % outWidth * kernel.sw() - kernel.padLeft() + tap % kernel.kw() * kernel.dw();
        if (y < 0 || x < 0 || y >= height || x >= width) {
            return 0;
        }
        return hidden[((row * units + unit) * height + y) * width + x];
    }
}
