package dev.chainrule.sweep;

/**
 * The life of a sweep: RUNNING until every trial has ended (SUCCEEDED when one trial succeeded, else FAILED), or
 * until it is stopped early or cancelled. A stopped sweep admits no more trials; those already running finish and
 * are recorded.
 */
public enum SweepState {
    RUNNING, SUCCEEDED, FAILED, EARLY_STOPPED, CANCELLED
}
