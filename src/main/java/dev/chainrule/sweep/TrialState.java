package dev.chainrule.sweep;

/**
 * A trial's state in its sweep: WAITING (no model or job yet), ADMITTED (its job is queued or running), then the
 * job's end, or SKIPPED (the sweep stopped early before admitting it) or CANCELLED.
 */
public enum TrialState {
    WAITING, ADMITTED, SUCCEEDED, FAILED, CANCELLED, SKIPPED;

    public boolean isFinished() {
        return this != WAITING && this != ADMITTED;
    }
}
