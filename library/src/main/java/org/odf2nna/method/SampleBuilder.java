package org.odf2nna.method;

import static org.odf2nna.method.ModelScan.SAMPLE_VALUES;

import java.util.Arrays;
import org.odf2nna.data.Batch;

/**
 * Keeps the first {@code maxRows} rows of a scoring pass ({@link ModelScan}): their features, chain inputs and outputs,
 * fewer rows where they are very wide ({@link ModelScan#SAMPLE_VALUES}). Its own room because it only copies what the
 * pass hands it, where {@link ModelScan} runs the passes.
 */
final class SampleBuilder {

    final int chainWidth;
    final int outputWidth;
    final int maxRows;
    float[] features = new float[0];
    float[] chain = new float[0];
    float[] outputs = new float[0];
    int featureWidth = -1;
    int rows;

    SampleBuilder(int chainWidth, int outputWidth, int maxRows) {
        this.chainWidth = chainWidth;
        this.outputWidth = outputWidth;
        this.maxRows = maxRows;
    }

    void add(Batch batch, float[] chainInput, float[] modelOutputs) {
        featureWidth = batch.width();
        int widest = Math.max(1, Math.max(featureWidth, Math.max(chainWidth, outputWidth)));
        int limit = Math.max(1, Math.min(maxRows, SAMPLE_VALUES / widest));
        if (rows >= limit) {
            return;
        }
        int take = Math.min(limit - rows, batch.rows());
        features = Arrays.copyOf(features, (rows + take) * featureWidth);
        System.arraycopy(batch.features(), 0, features, rows * featureWidth, take * featureWidth);
        chain = Arrays.copyOf(chain, (rows + take) * chainWidth);
        System.arraycopy(chainInput, 0, chain, rows * chainWidth, take * chainWidth);
        outputs = Arrays.copyOf(outputs, (rows + take) * outputWidth);
        System.arraycopy(modelOutputs, 0, outputs, rows * outputWidth, take * outputWidth);
        rows += take;
    }

    ScanResult.Sample build() {
        return new ScanResult.Sample(features, Math.max(featureWidth, 0), chain, chainWidth, outputs, rows);
    }
}
