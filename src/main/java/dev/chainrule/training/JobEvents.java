package dev.chainrule.training;

import dev.chainrule.engine.training.EpochReport;

/**
 * What a job tells its followers (the SSE stream): each finished epoch, then its end. Called on a delivery thread,
 * one call at a time per follower, never under the job's lock (see {@link TrainingJob#follow}).
 */
public interface JobEvents {

    void epochFinished(TrainingJob job, EpochReport report);

    /** Called once, after the last epoch, when the job has reached SUCCEEDED, FAILED or CANCELLED. */
    void jobFinished(TrainingJob job);

    /**
     * Called instead of any further event when this follower fell more than {@code chainrule.jobs.max-pending-events}
     * events behind: it is no longer followed, and gets no end.
     */
    void dropped(TrainingJob job);
}
