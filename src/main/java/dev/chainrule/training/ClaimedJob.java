package dev.chainrule.training;

/**
 * A job this replica claimed and runs: the job as shown, the lease every write names, and whether the lease is
 * still held. Once lost (another replica claimed the job, or renewals failed for longer than the lease), the run
 * stops before its next minibatch and writes nothing more.
 */
final class ClaimedJob {
    private final TrainingJob job;
    private final JobLease lease;
    private final JobRepository.JobRow row;
    private volatile boolean leaseLost;
    /** When the lease was last known held (System.nanoTime), for a renewal that cannot reach the database. */
    private volatile long heldAtNanos = System.nanoTime();

    ClaimedJob(TrainingJob job, JobLease lease, JobRepository.JobRow row) {
        this.job = job;
        this.lease = lease;
        this.row = row;
    }

    TrainingJob job() {
        return job;
    }

    JobLease lease() {
        return lease;
    }

    /** The record as claimed: settings, data, checkpoint. */
    JobRepository.JobRow row() {
        return row;
    }

    void renewed() {
        heldAtNanos = System.nanoTime();
    }

    long heldAtNanos() {
        return heldAtNanos;
    }

    void loseLease() {
        leaseLost = true;
    }

    boolean leaseLost() {
        return leaseLost;
    }
}
