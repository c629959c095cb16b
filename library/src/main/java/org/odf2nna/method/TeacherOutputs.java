package org.odf2nna.method;

import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.tf.Loss;
import org.odf2nna.tf.TrainingData;

/**
 * The teacher's outputs: its predictions as targets for rows without any, its outputs before its head kept from the
 * soft targets' pass, and the blocked plain-Java forward pass they are computed with. Its own room: what the original
 * network says about the rows, apart from how a pruned network is retrained on them or judged.
 */
final class TeacherOutputs {

    private TeacherOutputs() {
    }

    /**
     * The teacher's outputs before its head on the training rows ({@link Retrainer#train}, in their order and in
     * training coordinates), kept from the soft targets' pass so that {@link RetrainingJudge#reference} of the same
     * network does not run it over those rows again (a plain-Java pass: 78 CPU s on 8,000 rows at width 4,096).
     *
     * @param teacher the network as {@link RetrainingJudge#reference} is given it (the model's coordinates)
     */
    record TeacherLogits(DenseNetwork teacher, float[] logits) {
    }

    /** Rows without targets get the teacher's prediction as their target; labelled rows are returned as they are. */
    static TrainingData labelByTeacher(TrainingData rows, DenseNetwork teacher, Loss loss) {
        return TrainingRows.labelled(rows) ? rows : withTeacherTargets(rows, teacher, loss);
    }

    /** {@code rows} with the teacher's prediction (its output, or its predicted class) as every row's target. */
    private static TrainingData withTeacherTargets(TrainingData rows, DenseNetwork teacher, Loss loss) {
        float[] out = forward(teacher, rows.inputs(), rows.rows());
        float[] targets = new float[rows.rows()];
        for (int r = 0; r < rows.rows(); r++) {
            targets[r] = loss == Loss.MEAN_SQUARED_ERROR ? out[r]
                    : RetrainingJudge.predictedClass(out, r, teacher.outputs(), teacher.head());
        }
        return new TrainingData(rows.inputs(), targets, rows.rows(), rows.width());
    }

    /** Rows a plain-Java forward pass takes at once: its layers' activations are this many rows wide, not all rows. */
    static final int FORWARD_BLOCK = 8192;

    /**
     * {@code network}'s outputs on {@code rows} rows, computed {@link #FORWARD_BLOCK} rows at a time: the same values
     * as one pass over all rows (a float network computes each row on its own), without holding every row's
     * activations (200,000 rows of 300 units are 240 MB a layer). A network on integer kernels, which quantizes each
     * batch by its own range, runs on all rows at once as before.
     */
    static float[] forward(DenseNetwork network, float[] inputs, int rows) {
        if (rows <= FORWARD_BLOCK || Int8Quantization.integerKernels(network)) {
            return network.forward(inputs, rows);
        }
        int width = network.inputs();
        int outputs = network.outputs();
        float[] out = new float[rows * outputs];
        for (int from = 0; from < rows; from += FORWARD_BLOCK) {
            int n = Math.min(FORWARD_BLOCK, rows - from);
            float[] block = network.forward(java.util.Arrays.copyOfRange(inputs, from * width, (from + n) * width), n);
            System.arraycopy(block, 0, out, from * outputs, n * outputs);
        }
        return out;
    }
}
