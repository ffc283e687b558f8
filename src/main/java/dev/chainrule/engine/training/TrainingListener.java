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
     * After each epoch, once onEpoch has run: what resuming after this epoch needs. The trainer copies the
     * parameters and optimiser state for it only when the listener overrides this method, so runs nobody
     * checkpoints pay nothing.
     */
    default void onCheckpoint(TrainingCheckpoint checkpoint) {
    }

    /**
     * Asked after each epoch, before any checkpoint is built: whether this epoch's is wanted. A listener that
     * checkpoints every so often rather than every epoch saves the copies as well as its own writing.
     */
    default boolean wantsCheckpoint(int epoch) {
        return true;
    }

    TrainingListener NONE = new TrainingListener() {
    };
}
