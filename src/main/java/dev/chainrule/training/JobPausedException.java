package dev.chainrule.training;

import java.time.Duration;

/**
 * The database could not be reached for longer than the retry window: the run stops here without another write, the
 * record stays RUNNING, and the job continues from its last checkpoint once a replica claims it again.
 */
class JobPausedException extends RuntimeException {
    JobPausedException(JobLease lease, String what, Duration window, Throwable cause) {
        super("job " + lease.jobId() + ": could not write " + what + " within " + window
                + "; it stops here and continues from its last checkpoint when the database is back", cause);
    }
}
