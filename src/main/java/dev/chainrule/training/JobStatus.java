package dev.chainrule.training;

/** The life of a training job: QUEUED -> RUNNING -> one of the three ends (or QUEUED -> CANCELLED). */
public enum JobStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
