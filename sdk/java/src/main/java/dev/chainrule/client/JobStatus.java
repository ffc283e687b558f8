package dev.chainrule.client;

/** QUEUED, then RUNNING, then SUCCEEDED, FAILED or CANCELLED (or QUEUED, then CANCELLED). */
public enum JobStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    /** Whether the job has ended and will not change any more. */
    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
