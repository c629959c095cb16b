package org.odf2nna.method;

import java.util.ArrayList;
import java.util.List;
import org.odf2nna.network.DenseNetwork;
import org.odf2nna.network.Int8Quantization;
import org.odf2nna.report.Int8Summary;
import org.odf2nna.report.ReportFormat;

/**
 * Which layers of a round take int8 weights, decided on the watched training rows only (the validation rows judge the
 * result and nothing else): a layer stays float when its int8 weights alone change more than
 * {@link #LAYER_SHARE} of the tolerance's share of the float network's predictions there (regression: raise its MSE
 * there by more than that share of the tolerance). Quantization should spend a small part of the budget pruning
 * spends; a layer that costs more is one int8 is too coarse for (a narrow layer, or one with outlying weights), and
 * keeping it float costs only its own bytes.
 */
final class Int8Fallback {

    /** The part of the tolerance one layer's int8 weights may spend on the watched training rows. */
    static final double LAYER_SHARE = 0.1;

    private Int8Fallback() {
    }

    /**
     * @param network        the network the round would write as float
     * @param int8           per layer, whether it is stored as int8
     * @param judged         {@code network} with those layers' weights as int8 values: what is judged and written
     * @param changes        per layer, what its int8 form alone changed on the watched training rows (the share of
     *                       rows whose class changed, or the MSE's relative increase)
     * @param limit          the most a layer's change may be for it to take int8
     * @param integerKernels whether int8 layers run on integer kernels (else weight-only)
     */
    record Choice(DenseNetwork network, boolean[] int8, DenseNetwork judged, double[] changes, double limit,
            boolean integerKernels) {
    }

    /** @param integerKernels whether int8 layers quantize their inputs too (ONNX Runtime's dynamic integer form) */
    static Choice choose(DenseNetwork network, Retrainer retrainer, double tolerance, boolean integerKernels) {
        RetrainingJudge.Reference asFloat = retrainer.watchedReference(network);
        int layers = network.layers().size();
        boolean[] int8 = new boolean[layers];
        double[] changes = new double[layers];
        double limit = LAYER_SHARE * tolerance;
        for (int l = 0; l < layers; l++) {
            boolean[] one = new boolean[layers];
            one[l] = true;
            changes[l] = retrainer.watchedChange(asFloat, Int8Quantization.quantize(network, one, integerKernels));
            int8[l] = changes[l] <= limit;
        }
        return new Choice(network, int8, Int8Quantization.quantize(network, int8, integerKernels), changes, limit,
                integerKernels);
    }

    /**
     * Per layer, for the report: int8 or float and why, its weights' bytes, and the largest output difference from
     * the float network that its int8 form alone makes on {@code rows} rows of chain input.
     */
    static List<Int8Summary.Layer> layers(Choice choice, float[] chainInput, int rows) {
        DenseNetwork network = choice.network();
        float[] asFloat = network.forward(chainInput, rows);
        List<Int8Summary.Layer> out = new ArrayList<>();
        int count = network.layers().size();
        for (int l = 0; l < count; l++) {
            boolean[] one = new boolean[count];
            one[l] = true;
            float[] alone = Int8Quantization.quantize(network, one, choice.integerKernels()).forward(chainInput, rows);
            long bytes = Int8Quantization.weightBytes(network.layer(l), choice.int8()[l]);
            String why = String.format(java.util.Locale.ROOT, "its int8 form alone changed %s on the watched "
                    + "training rows, %s the limit %s", ReportFormat.number(choice.changes()[l]),
                    choice.int8()[l] ? "within" : "over", ReportFormat.number(choice.limit()));
            out.add(new Int8Summary.Layer(l + 1, choice.int8()[l] ? "int8" : "float", why, choice.changes()[l], bytes,
                    ModelWriter.maxDifference(alone, asFloat)));
        }
        return out;
    }
}
