package dev.chainrule.training;

/** A write of a job's state found that another replica holds the job now: this run stops and writes nothing more. */
class LeaseLostException extends RuntimeException {
    LeaseLostException(JobLease lease) {
        super("job " + lease.jobId() + ": attempt " + lease.attempt() + " of " + lease.owner()
                + " no longer holds the lease; another replica runs the job now");
    }
}
