package dev.chainrule.training;

import dev.chainrule.engine.training.EpochReport;

/** What a job tells its followers (the SSE stream): each finished epoch, then its end. */
public interface JobEvents {

    void epochFinished(TrainingJob job, EpochReport report);

    /** Called once, after the job reached SUCCEEDED, FAILED or CANCELLED. */
    void jobFinished(TrainingJob job);
}
