package org.odf2nna.tf;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.onnx.OnnxRunner;

/**
 * How the rows of a graph of several inputs (token ids with their attention mask and segment ids, say) travel as one
 * float row each: every input's values for one batch element side by side, in {@link #parts()} order. The translation
 * takes one placeholder of {@link #width()} values per row and slices each input out of it (integers are exact as
 * float32 below 2^24), so that training, batching and the held-out split treat a row as one thing, as they do for a
 * graph of one input.
 *
 * @param parts the graph inputs in the order their values lie in a row
 */
public record InputPacking(List<Part> parts) {

    /**
     * One graph input inside a packed row.
     *
     * @param name        the graph input
     * @param elementType its ONNX element type (float, or an integer type cast from the row's floats)
     * @param rowShape    its shape for one batch element (the batch axis left out), every size known; a size 0
     *                    (a decoder's empty key/value cache) takes no place in the row
     */
    public record Part(String name, int elementType, long[] rowShape) {

        public Part {
            rowShape = rowShape.clone();
            for (long d : rowShape) {
                if (d < 0) {
                    throw new IllegalArgumentException("input '" + name + "': every size but the batch must be known");
                }
            }
        }

        @Override
        public long[] rowShape() {
            return rowShape.clone();
        }

        /** Values per row. */
        public int width() {
            long n = 1;
            for (long d : rowShape) {
                n *= d;
            }
            return (int) n;
        }

        /** Its shape for {@code rows} batch elements. */
        long[] shape(int rows) {
            long[] s = new long[rowShape.length + 1];
            s[0] = rows;
            System.arraycopy(rowShape, 0, s, 1, rowShape.length);
            return s;
        }
    }

    public InputPacking {
        parts = List.copyOf(parts);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a packing needs one input at least");
        }
    }

    /** Values per packed row. */
    public int width() {
        return parts.stream().mapToInt(Part::width).sum();
    }

    /** Where {@code part}'s values start in a packed row. */
    int offset(int part) {
        int o = 0;
        for (int i = 0; i < part; i++) {
            o += parts.get(i).width();
        }
        return o;
    }

    /** The part of graph input {@code name}, or null. */
    Part part(String name) {
        return parts.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Rows {@code 0 .. n} of {@code packed} as ONNX Runtime's inputs, one array each: what the translation is checked
     * against.
     */
    List<OnnxRunner.Fed> feeds(float[] packed, int n) {
        int width = width();
        List<OnnxRunner.Fed> feeds = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            Part part = parts.get(p);
            int w = part.width();
            int from = offset(p);
            float[] values = new float[n * w];
            for (int r = 0; r < n; r++) {
                System.arraycopy(packed, r * width + from, values, r * w, w);
            }
            feeds.add(new OnnxRunner.Fed(part.name(), part.elementType(), part.shape(n), values, 0, n * w));
        }
        return feeds;
    }

    /**
     * Rows of every input packed side by side: {@code inputs.get(p)} holds {@code rows × parts[p].width()} values.
     */
    public static float[] pack(InputPacking packing, List<float[]> inputs, int rows) {
        int width = packing.width();
        float[] packed = new float[rows * width];
        for (int p = 0; p < packing.parts().size(); p++) {
            int w = packing.parts().get(p).width();
            int from = packing.offset(p);
            float[] v = inputs.get(p);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(v, r * w, packed, r * width + from, w);
            }
        }
        return packed;
    }
}
