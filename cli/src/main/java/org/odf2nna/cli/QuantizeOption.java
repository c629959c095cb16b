package org.odf2nna.cli;

import org.odf2nna.settings.Int8Operators;
import org.odf2nna.settings.Quantize;
import picocli.CommandLine.Option;

/** --quantize of the commands that prune progressively (shrink, sweep): int8 weights the search itself judges. */
final class QuantizeOption {

    @Option(names = "--quantize", paramLabel = "FORM",
            description = "Store the written model's dense weights as int8 with a scale per output unit "
                    + "(scales and biases float16 in layers of 32 units or more, else float; ONNX only). int8: on ONNX Runtime's integer kernels (each layer's inputs "
                    + "quantized to uint8 per run, as the network judged computes them, one row per run); "
                    + "int8-weights: weight-only (DequantizeLinear into float Gemm). Progressive pruning only (the "
                    + "default of sweep, and of shrink --train without --epsilon): each round's int8 network is what "
                    + "the search goes by and the validation rows judge; a layer whose int8 form costs too much on the "
                    + "training rows stays float, and the report says which.")
    String text;

    @Option(names = "--int8-ops", paramLabel = "OPS",
            description = "With --quantize on a graph: standard (default), the static form in standard ONNX operators "
                    + "only (QuantizeLinear/DequantizeLinear pairs as ONNX Runtime's quantize_static writes them, "
                    + "fused by ONNX Runtime into its integer kernels at load); contrib: ONNX Runtime's com.microsoft "
                    + "QGemm for two-dimensional products.")
    String int8Ops;

    /** The operators a static int8 form may hold. */
    Int8Operators operators() {
        if (int8Ops != null && !precision().integerKernels()) {
            throw org.odf2nna.InputException.usage("--int8-ops applies to --quantize int8, int8-static or "
                    + "int8-dynamic");
        }
        return Int8Operators.parse(int8Ops);
    }

    /** How the written model stores its weights: float unless int8 was asked for. */
    Quantize precision() {
        return Quantize.parse(text);
    }
}
