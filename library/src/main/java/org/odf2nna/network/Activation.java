package org.odf2nna.network;

import java.util.Locale;

/**
 * An element-wise activation of a dense layer, with the parameters its ONNX operator carries.
 *
 * <p>{@code alpha} and {@code beta} mean what the ONNX operator of the same name means (LeakyRelu's
 * slope, Elu's alpha, Selu's alpha and gamma, HardSigmoid's alpha and beta, Clip's min and max); unused
 * ones are 0.
 */
public record Activation(Kind kind, float alpha, float beta) {

    public enum Kind {
        IDENTITY, RELU, LEAKY_RELU, ELU, SELU, SIGMOID, TANH, SOFTPLUS, HARD_SIGMOID, CLIP
    }

    public static final Activation IDENTITY = new Activation(Kind.IDENTITY, 0, 0);
    public static final Activation RELU = new Activation(Kind.RELU, 0, 0);
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0, 0);
    public static final Activation TANH = new Activation(Kind.TANH, 0, 0);
    public static final Activation SOFTPLUS = new Activation(Kind.SOFTPLUS, 0, 0);

    /** ONNX defaults. */
    public static final float SELU_ALPHA = 1.67326319217681884765625f;
    public static final float SELU_GAMMA = 1.05070102214813232421875f;

    public static Activation leakyRelu(float alpha) {
        return new Activation(Kind.LEAKY_RELU, alpha, 0);
    }

    public static Activation elu(float alpha) {
        return new Activation(Kind.ELU, alpha, 0);
    }

    public static Activation selu(float alpha, float gamma) {
        return new Activation(Kind.SELU, alpha, gamma);
    }

    public static Activation hardSigmoid(float alpha, float beta) {
        return new Activation(Kind.HARD_SIGMOID, alpha, beta);
    }

    public static Activation clip(float min, float max) {
        return new Activation(Kind.CLIP, min, max);
    }

    public float apply(float x) {
        return (float) apply((double) x);
    }

    public double apply(double x) {
        switch (kind) {
            case IDENTITY:
                return x;
            case RELU:
                return x > 0 ? x : 0;
            case LEAKY_RELU:
                return x >= 0 ? x : alpha * x;
            case ELU:
                return x >= 0 ? x : alpha * (Math.exp(x) - 1);
            case SELU:
                return beta * (x > 0 ? x : alpha * (Math.exp(x) - 1));
            case SIGMOID:
                return 1.0 / (1.0 + Math.exp(-x));
            case TANH:
                return Math.tanh(x);
            case SOFTPLUS:
                return x > 30 ? x : Math.log1p(Math.exp(x));
            case HARD_SIGMOID:
                return Math.max(0, Math.min(1, alpha * x + beta));
            case CLIP:
                return Math.max(alpha, Math.min(beta, x));
            default:
                throw new IllegalStateException("unknown activation " + kind);
        }
    }

    /** A bound on |f(x) − f(y)| / |x − y|: how much the activation can magnify an error in its input. */
    public double lipschitz() {
        switch (kind) {
            case LEAKY_RELU:
            case ELU:
                return Math.max(1, Math.abs(alpha));
            case SELU:
                return Math.abs(beta) * Math.max(1, Math.abs(alpha));
            case SIGMOID:
                return 0.25;
            case HARD_SIGMOID:
                return Math.abs(alpha);
            default:
                return 1;
        }
    }

    /** The ONNX operator name, for tables and messages. */
    public String onnxName() {
        switch (kind) {
            case IDENTITY: return "Identity";
            case RELU: return "Relu";
            case LEAKY_RELU: return "LeakyRelu";
            case ELU: return "Elu";
            case SELU: return "Selu";
            case SIGMOID: return "Sigmoid";
            case TANH: return "Tanh";
            case SOFTPLUS: return "Softplus";
            case HARD_SIGMOID: return "HardSigmoid";
            case CLIP: return "Clip";
            default: throw new IllegalStateException("unknown activation " + kind);
        }
    }

    @Override
    public String toString() {
        switch (kind) {
            case LEAKY_RELU:
            case ELU:
                return String.format(Locale.ROOT, "%s(alpha=%s)", onnxName(), alpha);
            case SELU:
                return String.format(Locale.ROOT, "Selu(alpha=%s, gamma=%s)", alpha, beta);
            case HARD_SIGMOID:
                return String.format(Locale.ROOT, "HardSigmoid(alpha=%s, beta=%s)", alpha, beta);
            case CLIP:
                return String.format(Locale.ROOT, "Clip(%s, %s)", alpha, beta);
            default:
                return onnxName();
        }
    }
}
