package org.odf2nna.tf;

import java.nio.file.Path;
import org.odf2nna.InputException;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.MetaGraphDef;

/**
 * Runs a SavedModel's own {@code serving_default} signature in TensorFlow Java: the reference that a
 * network read from the SavedModel is checked against, and a way to score data with the original model.
 *
 * <p>Holds the loaded model (graph and session) until {@link #close()}; use try-with-resources. Rows are
 * fed in batches of {@value TfTensors#BATCH_ROWS}. Thread-safe: TensorFlow sessions may be run
 * concurrently.
 */
public final class SavedModelRunner implements AutoCloseable {

    private final Path source;
    private final ServingSignature signature;
    private final SavedModelBundle bundle;

    private SavedModelRunner(Path source, ServingSignature signature, SavedModelBundle bundle) {
        this.source = source;
        this.signature = signature;
        this.bundle = bundle;
    }

    /** Checks and loads the SavedModel in {@code dir}; the caller closes the runner. */
    public static SavedModelRunner open(Path dir) {
        MetaGraphDef serve = SavedModelFiles.serveGraph(dir);
        ServingSignature signature = SavedModelFiles.servingSignature(dir, serve);
        return new SavedModelRunner(dir, signature, SavedModelFiles.load(dir));
    }

    /** Loads the SavedModel, runs {@code rows} rows through its serving signature, and closes it. */
    public static float[] run(Path dir, float[] x, int rows, int features) {
        try (SavedModelRunner runner = open(dir)) {
            return runner.run(x, rows, features);
        }
    }

    /**
     * Outputs of the serving signature, row-major {@code [rows, outputs]}, for {@code rows} rows of
     * {@code features} values in {@code x} (row-major).
     */
    public float[] run(float[] x, int rows, int features) {
        if (signature.inputWidth() > 0 && features != signature.inputWidth()) {
            throw new InputException(source, null, "the model takes " + signature.inputWidth()
                    + " values per row, got " + features);
        }
        return TfTensors.run(source, bundle.session(), signature.inputName(), signature.outputName(), x, rows, features);
    }

    public Path source() {
        return source;
    }

    /** The graph tensor the serving signature feeds. */
    public String servingInput() {
        return signature.inputName();
    }

    /** The graph tensor the serving signature fetches. */
    public String servingOutput() {
        return signature.outputName();
    }

    /** Values per input row, or -1 when the signature does not say. */
    public int inputWidth() {
        return signature.inputWidth();
    }

    /** Values per output row, or -1 when the signature does not say. */
    public int outputWidth() {
        return signature.outputWidth();
    }

    @Override
    public void close() {
        bundle.close();
    }
}
