package org.odf2nna.settings;

import org.odf2nna.Device;

/**
 * How to train.
 *
 * @param epochs       passes over the training rows at most
 * @param batchSize    rows per Adam step
 * @param learningRate Adam's learning rate
 * @param seed         seeds the shuffling (and the validation split made by the caller)
 * @param patience     stop after this many epochs without a better validation figure (0: never stop early)
 * @param device       where TensorFlow trains (the GPU only with the GPU build)
 */
public record TrainingOptions(int epochs, int batchSize, float learningRate, long seed, int patience, Device device) {

    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final float DEFAULT_LEARNING_RATE = 1e-3f;
    public static final int DEFAULT_PATIENCE = 10;

    /** Training on the CPU. */
    public TrainingOptions(int epochs, int batchSize, float learningRate, long seed, int patience) {
        this(epochs, batchSize, learningRate, seed, patience, Device.CPU);
    }

    public TrainingOptions {
        if (device == null) {
            throw new IllegalArgumentException("device is null");
        }
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
        }
    }
}
