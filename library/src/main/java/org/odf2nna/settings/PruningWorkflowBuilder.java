package org.odf2nna.settings;

import org.odf2nna.Device;

/**
 * The setters that the builders of every workflow pruning a trained model share ({@link SweepSettings.Builder},
 * {@link ShrinkSettings.Builder}, {@link EvolveSettings.Builder}): the task, the device and the retraining, with
 * the same defaults everywhere. Each setter returns the builder it is called on.
 *
 * @param <B> the builder itself
 */
public abstract class PruningWorkflowBuilder<B extends PruningWorkflowBuilder<B>> {

    Task task;
    Device device = Device.CPU;
    RetrainSettings retraining = RetrainSettings.DEFAULT;

    PruningWorkflowBuilder() {
    }

    /** The task (default: null, inferred from the network). */
    public B task(Task value) {
        task = value;
        return self();
    }

    /** Where the runtimes compute (default {@link Device#CPU}; {@link Device#CUDA} needs the GPU build). */
    public B device(Device value) {
        device = value;
        return self();
    }

    /**
     * How the pruned networks are retrained on the training rows (default {@link RetrainSettings#DEFAULT}); shrink
     * alone takes null, and writes them as pruned.
     */
    public B retraining(RetrainSettings value) {
        retraining = value;
        return self();
    }

    @SuppressWarnings("unchecked") // B is the class of this builder, by the bound every subclass declares
    final B self() {
        return (B) this;
    }
}
