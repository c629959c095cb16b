package org.odf2nna.graph;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.odf2nna.InputException;
import org.odf2nna.Setting;
import org.odf2nna.onnx.OnnxRunner;
import org.odf2nna.settings.OutputDecoding;
import org.odf2nna.settings.OutputDecoding.Kind;

/**
 * Reads what a graph's output says for each row, as {@link OutputDecoding} tells: the class of a class vector, or for an
 * output that is not one class vector (per-position classes, a CTC head, a probability map) the decoded output, which
 * is given a number of its own (the same decoded output, the same number, for every model of a sweep). A row changes
 * when its number changes. Decoded outputs are told apart by a SHA-256 digest of their values, so memory holds 32
 * bytes per distinct output whatever its size.
 */
public final class Decoder {

    private final OutputDecoding decoding;
    private final Map<ByteBuffer, Integer> ids = new HashMap<>();
    private Kind kind;

    public Decoder(OutputDecoding decoding) {
        this.decoding = decoding;
        this.kind = decoding.kind() == Kind.AUTO ? null : decoding.kind();
    }

    /** What the output was read as, once a batch has been decoded (the setting itself before). */
    public Kind kind() {
        return kind == null ? decoding.kind() : kind;
    }

    /** Whether rows are judged by class, so that labels judge accuracy; otherwise by agreement alone. */
    public boolean classes() {
        return kind() == Kind.CLASS;
    }

    /** What is compared for each row, in words: "predictions", or the decoded outputs and how they are decoded. */
    public String judged() {
        return switch (kind()) {
            case POSITIONS -> "decoded outputs (the argmax over the class axis at every position)";
            case CTC -> "decoded outputs (the per-position argmax with repeats and the blank class "
                    + decoding.blank() + " removed, as CTC decodes)";
            case MAP -> "decoded outputs (the map thresholded at "
                    + org.odf2nna.report.ReportFormat.number(decoding.threshold()) + ")";
            default -> "predictions";
        };
    }

    /** The number of each of {@code count} rows' decoded output in {@code out}; {@code output} names it in messages. */
    public int[] decode(OnnxRunner.Out out, int count, String output, Path file) {
        long[] shape = out.shape();
        float[] v = out.values();
        int per = count == 0 ? 0 : v.length / count;
        if (kind == null) {
            kind = told(shape, per);
        }
        int[] result = new int[count];
        for (int r = 0; r < count; r++) {
            result[r] = switch (kind) {
                case CLASS -> argmaxClass(v, r * per, per, output, file);
                case POSITIONS -> id(positions(v, r * per, per, shape));
                case CTC -> id(ctc(v, r * per, per, shape, output, file));
                default -> id(thresholded(v, r * per, per));
            };
        }
        return result;
    }

    /** The kind an output's shape says: a class vector, a single-channel map, or classes at every position. */
    static Kind told(long[] shape, int per) {
        if (shape.length <= 2) {
            return per >= 2 ? Kind.CLASS : Kind.MAP;
        }
        if (shape.length == 4 && shape[1] == 1) {
            return Kind.MAP;
        }
        return Kind.POSITIONS;
    }

    private static int argmaxClass(float[] v, int at, int per, String output, Path file) {
        if (per < 2) {
            throw InputException.usage(file, "output '" + output + "' has " + per + " value per row; as a class vector "
                    + "it needs two or more (" + Setting.DECODE.ref() + " map thresholds a single value)");
        }
        int best = 0;
        for (int c = 1; c < per; c++) {
            if (v[at + c] > v[at + best]) {
                best = c;
            }
        }
        return best;
    }

    /** The class at every position: over the last axis of a rank-3 output, over axis 1 of a higher rank. */
    private static int[] positions(float[] v, int at, int per, long[] shape) {
        int classes = (int) (shape.length == 3 ? shape[2] : shape[1]);
        int positions = per / classes;
        int[] out = new int[positions];
        for (int p = 0; p < positions; p++) {
            int best = 0;
            float top = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                // [T, C]: classes contiguous; [C, H, W]: a class's positions contiguous.
                float x = shape.length == 3 ? v[at + p * classes + c] : v[at + c * positions + p];
                if (x > top) {
                    top = x;
                    best = c;
                }
            }
            out[p] = best;
        }
        return out;
    }

    private int[] ctc(float[] v, int at, int per, long[] shape, String output, Path file) {
        if (shape.length != 3) {
            throw InputException.usage(file, Setting.DECODE.ref() + " ctc reads a [batch, time, classes] output, and "
                    + "output '" + output + "' has shape " + Arrays.toString(shape));
        }
        int[] best = positions(v, at, per, shape);
        int[] out = new int[best.length];
        int n = 0;
        int previous = -1;
        for (int c : best) {
            if (c != previous && c != decoding.blank()) {
                out[n++] = c;
            }
            previous = c;
        }
        return Arrays.copyOf(out, n);
    }

    private int[] thresholded(float[] v, int at, int per) {
        int[] bits = new int[(per + 31) / 32];
        for (int k = 0; k < per; k++) {
            if (v[at + k] > decoding.threshold()) {
                bits[k >> 5] |= 1 << (k & 31);
            }
        }
        return bits;
    }

    private int id(int[] decoded) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * decoded.length + 4);
        bytes.putInt(decoded.length);
        for (int x : decoded) {
            bytes.putInt(x);
        }
        try {
            ByteBuffer key = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
            return ids.computeIfAbsent(key, k -> ids.size());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
