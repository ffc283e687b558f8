package dev.chainrule.engine.training;

/** Progress callbacks, called on the training thread; keep them quick. */
public interface TrainingListener {

    /** After each minibatch's update. {@code batch} counts from 1 within the epoch. */
    default void onBatch(int epoch, int batch, int batchesPerEpoch, double batchLoss) {
    }

    /** After each epoch, validation included. */
    default void onEpoch(EpochReport report) {
    }

    /**
     * Asked after each epoch, before any checkpoint is built: whether this epoch's is wanted. No by default, so
     * runs nobody checkpoints do not copy the parameters and optimiser state; a listener that checkpoints every
     * so often rather than every epoch saves the copies as well as its own writing.
     */
    default boolean wantsCheckpoint(int epoch) {
        return false;
    }

    /** After each epoch whose checkpoint {@link #wantsCheckpoint} asked for: what resuming after it needs. */
    default void onCheckpoint(TrainingCheckpoint checkpoint) {
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
