package org.odf2nna.tf;

/**
 * How to train.
 *
 * @param epochs       passes over the training rows at most
 * @param batchSize    rows per Adam step
 * @param learningRate Adam's learning rate
 * @param seed         seeds the shuffling (and the validation split made by the caller)
 * @param patience     stop after this many epochs without a better validation figure (0: never stop early)
 * @param keepLast     keep the weights of the last epoch rather than those with the best validation figure (and
 *                     never stop early): the validation rows then only watch, so that a choice made on them later
 *                     is not flattered by having picked the epoch that suited them
 */
public record TrainingOptions(int epochs, int batchSize, float learningRate, long seed, int patience,
        boolean keepLast) {

    /** Options that keep the best epoch on the validation rows. */
    public TrainingOptions(int epochs, int batchSize, float learningRate, long seed, int patience) {
        this(epochs, batchSize, learningRate, seed, patience, false);
    }

    /** The same options, keeping the last epoch. */
    public TrainingOptions keepingLast() {
        return new TrainingOptions(epochs, batchSize, learningRate, seed, 0, true);
    }

    public static final int DEFAULT_BATCH_SIZE = 32;
    public static final float DEFAULT_LEARNING_RATE = 1e-3f;
    public static final int DEFAULT_PATIENCE = 10;

    public TrainingOptions {
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
