package dev.chainrule.engine.training;

/** How a training run ended. */
public enum TrainingOutcome {
    /** Ran every epoch. */
    COMPLETED,
    /** Early stopping ended it: validation loss stopped improving. */
    EARLY_STOPPED,
    /** The caller's cancellation was seen between two minibatches. */
    CANCELLED,
    /** The loss became NaN or infinite; the parameters are left as the failing step made them. */
    DIVERGED
}
