package org.odf2nna.method;

import java.io.IOException;
import java.nio.file.Path;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.tf.DenseTrainer;

/**
 * The checks around every ONNX file the tool writes: the original graph must have been read faithfully,
 * and a new file is moved into place only after ONNX Runtime, loading it back, reproduces the network the
 * tool computed (shared by {@code shrink} and {@code evolve}).
 */
final class WrittenModels {

    /** How far ONNX Runtime's outputs may stray from the internal network's before a file is refused. */
    static final double ABSOLUTE_TOLERANCE = 1e-4;
    static final double RELATIVE_TOLERANCE = 1e-3;

    private WrittenModels() {
    }

    /**
     * The internal network must reproduce what ONNX Runtime computed for the original graph; if not, the
     * reader misunderstood the graph and nothing should be written from it.
     */
    static void checkReadCorrectly(OnnxDenseModel model, ScanResult.Sample sample) {
        float[] expected = model.network().forward(sample.chainInput(), sample.rows());
        double worst = worstExcess(sample.outputs(), expected);
        if (worst > 0) {
            throw new IllegalStateException("the dense chain of " + model.source() + " was not read faithfully: "
                    + "its outputs differ from ONNX Runtime's by up to " + maxDifference(sample.outputs(), expected));
        }
    }

    /**
     * Writes the model atomically after loading it back and comparing its outputs on the sample rows with
     * the network's (and, for a retrained network, with TensorFlow's for the same weights). Returns the
     * largest difference seen.
     */
    static double save(ModelProto written, Path output, DenseNetwork network, ScanResult.Sample sample, Device device,
            boolean checkTensorFlow) {
        float[] expected = network.forward(sample.chainInput(), sample.rows());
        if (checkTensorFlow) {
            float[] tensorflow = DenseTrainer.predict(network, sample.chainInput(), sample.rows());
            if (worstExcess(tensorflow, expected) > 0) {
                throw new IllegalStateException("TensorFlow and the internal network disagree on the retrained "
                        + "weights by up to " + maxDifference(tensorflow, expected));
            }
        }
        double[] difference = new double[1];
        AtomicFiles.writeBytes(output, written.toByteArray(), temp -> verify(temp, output, expected, sample, device,
                difference));
        return difference[0];
    }

    private static void verify(Path temp, Path output, float[] expected, ScanResult.Sample sample, Device device,
            double[] difference) throws IOException {
        ModelProto reloaded = OnnxModelFile.read(temp);
        OnnxDenseModel reread;
        try {
            reread = DenseChainReader.read(reloaded, output);
        } catch (InputException e) {
            throw new IllegalStateException("the written model is no longer a dense chain: " + e.getMessage(), e);
        }
        float[] actual = ModelScan.outputsOn(reloaded, reread.input(), sample, device, output, reread.outputName());
        difference[0] = maxDifference(actual, expected);
        if (worstExcess(actual, expected) > 0) {
            throw new IllegalStateException("refusing to write " + output + ": in ONNX Runtime its outputs differ "
                    + "from the pruned network's by up to " + difference[0]);
        }
    }

    static double maxDifference(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs((double) actual[i] - expected[i]));
        }
        return worst;
    }

    /** Largest amount by which a value misses the tolerance (0 when all are within it). */
    static double worstExcess(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double allowed = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(expected[i]);
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(diff)) {
                return Double.POSITIVE_INFINITY;
            }
            worst = Math.max(worst, diff - allowed);
        }
        return worst;
    }
}
