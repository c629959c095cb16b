package org.odf2nna.method;

import java.nio.file.Path;
import org.odf2nna.Device;
import org.odf2nna.InputException;
import org.odf2nna.Memory;
import org.odf2nna.io.AtomicFiles;
import org.odf2nna.keras.KerasModel;
import org.odf2nna.keras.KerasReader;
import org.odf2nna.keras.KerasWriter;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.onnx.DenseChainReader;
import org.odf2nna.onnx.OnnxDenseModel;
import org.odf2nna.onnx.OnnxModelFile;
import org.odf2nna.onnx.Producer;
import org.odf2nna.onnx.proto.OnnxProto.ModelProto;
import org.odf2nna.tf.DenseTrainer;
import org.odf2nna.tf.SavedModelRunner;
import org.odf2nna.tf.SavedModelWriter;

/**
 * Writes models so that nothing unchecked reaches the user: the file is written beside the target,
 * loaded back, read again as a dense chain, run on sample rows and compared with the network computed in
 * plain Java, and only then moved into place. The runtimes compute in float32 and the reference sums in double, so
 * the tolerance is 1e-4 + 1e-3·|value| plus a bound on float32 rounding for these weights and rows
 * ({@link DenseNetwork#roundingBound}).
 */
final class ModelWriter {

    /** How far a runtime's outputs may stray from the internal network's before a file is refused. */
    static final double ABSOLUTE_TOLERANCE = 1e-4;
    static final double RELATIVE_TOLERANCE = 1e-3;

    private ModelWriter() {
    }

    /**
     * Writes an ONNX model of {@code network} atomically, with this tool as its producer ({@link Producer}), after
     * checking it in ONNX Runtime (and, when asked, that TensorFlow computes the same for these weights). Returns
     * the largest output difference.
     */
    static double writeOnnx(ModelProto unstamped, Path output, DenseNetwork network, ScanResult.Sample sample,
            Device device, boolean checkTensorFlow) {
        ModelProto model = Producer.stamp(unstamped);
        float[] expected = expected(network, sample, checkTensorFlow);
        double[] rounding = network.roundingBound(sample.chainInput(), sample.rows());
        double[] difference = new double[1];
        long size = model.getSerializedSize();
        Memory.require(2 * size, output, null, "its " + size + " bytes (serialised, then loaded back to check them)");
        AtomicFiles.writeBytes(output, model.toByteArray(), temp -> {
            ModelProto reloaded = OnnxModelFile.read(temp);
            OnnxDenseModel reread;
            try {
                reread = DenseChainReader.read(reloaded, output);
            } catch (InputException e) {
                throw new IllegalStateException("the written model is no longer a dense chain: " + e.getMessage(), e);
            }
            // On integer kernels a batch shares one activation range: the network computes each row as run alone.
            float[] actual = Int8Quantization.integerKernels(network)
                    ? ModelScan.outputsRowByRow(reloaded, reread.input(), sample, device, output, reread.outputName())
                    : ModelScan.outputsOn(reloaded, reread.input(), sample, device, output, reread.outputName());
            difference[0] = maxDifference(actual, expected);
            if (worstExcess(actual, expected, rounding) > 0) {
                throw new IllegalStateException("refusing to write " + output + ": in ONNX Runtime its outputs "
                        + "differ from the network's by up to " + difference[0]);
            }
        });
        return difference[0];
    }

    /** Writes a SavedModel directory (the writer itself loads it back before moving it into place). */
    static double writeSavedModel(Path output, DenseNetwork network, String inputName, ScanResult.Sample sample,
            boolean checkTensorFlow) {
        float[] expected = expected(network, sample, checkTensorFlow);
        SavedModelWriter.write(network, output, inputName);
        float[] actual = SavedModelRunner.run(output, sample.features(), sample.rows(), sample.featureWidth());
        return maxDifference(actual, expected);
    }

    /**
     * Writes a .keras file atomically: in {@code original}'s layout when it is a .keras model, else as a new
     * Sequential config (see {@link KerasWriter}); the temporary file must pass
     * {@link org.odf2nna.keras.KerasWrittenCheck}, and read back as Keras, its network must compute what
     * {@code network} computes, before it is moved into place.
     */
    static double writeKeras(Path output, DenseNetwork network, KerasModel original, ScanResult.Sample sample,
            boolean checkTensorFlow) {
        float[] expected = expected(network, sample, checkTensorFlow);
        double[] rounding = network.roundingBound(sample.chainInput(), sample.rows());
        byte[] bytes = KerasWriter.write(original, network);
        double[] difference = new double[1];
        AtomicFiles.writeBytes(output, bytes, temp -> {
            org.odf2nna.keras.KerasWrittenCheck.verify(temp);
            KerasModel back;
            try {
                back = KerasReader.read(temp);
            } catch (InputException e) {
                throw new IllegalStateException("the written Keras file does not read back: " + e.getMessage(), e);
            }
            if (!back.network().architecture().equals(network.architecture()) || back.network().head() != network.head()) {
                throw new IllegalStateException("refusing to write " + output + ": it reads back as "
                        + back.network().architecture() + " instead of " + network.architecture());
            }
            float[] actual = back.network().forward(sample.chainInput(), sample.rows());
            difference[0] = maxDifference(actual, expected);
            if (worstExcess(actual, expected, rounding) > 0) {
                throw new IllegalStateException("refusing to write " + output + ": read back, its outputs differ from "
                        + "the network's by up to " + difference[0]);
            }
        });
        return difference[0];
    }

    private static float[] expected(DenseNetwork network, ScanResult.Sample sample, boolean checkTensorFlow) {
        float[] expected = network.forward(sample.chainInput(), sample.rows());
        // TensorFlow has no form of the integer kernels' arithmetic to compare with.
        if (checkTensorFlow && !Int8Quantization.integerKernels(network)) {
            float[] tensorflow = DenseTrainer.predict(network, sample.chainInput(), sample.rows());
            if (worstExcess(tensorflow, expected, network.roundingBound(sample.chainInput(), sample.rows())) > 0) {
                throw new IllegalStateException("TensorFlow and the internal network disagree on these weights by "
                        + "up to " + maxDifference(tensorflow, expected));
            }
        }
        return expected;
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
        return worstExcess(actual, expected, null);
    }

    /**
     * The same, with a float32 rounding bound per value ({@link DenseNetwork#roundingBound}) added to the tolerance,
     * or none when null.
     */
    static double worstExcess(float[] actual, float[] expected, double[] rounding) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double allowed = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(expected[i])
                    + (rounding == null ? 0 : rounding[i]);
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(diff)) {
                return Double.POSITIVE_INFINITY;
            }
            worst = Math.max(worst, diff - allowed);
        }
        return worst;
    }
}
