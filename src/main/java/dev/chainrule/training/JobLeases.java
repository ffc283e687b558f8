package dev.chainrule.training;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The job queue in the jobs table: any replica with a free worker claims the oldest job that is queued, or running
 * under a lease that expired (its owner died or froze), and holds it by renewing its lease. Expiries are computed
 * and compared on the database's clock, never a replica's. PostgreSQL and H2 2.x both take
 * {@code FOR UPDATE SKIP LOCKED}, so a single process runs this same code as a cluster of one.
 */
@Repository
class JobLeases {
    /** Milliseconds as an interval both databases accept: {@code CAST(? AS BIGINT) * INTERVAL '0.001' SECOND}. */
    private static final String MILLIS = "CAST(? AS BIGINT) * INTERVAL '0.001' SECOND";

    private final JdbcClient db;
    private final TransactionTemplate transaction;

    JobLeases(JdbcClient db, TransactionTemplate transaction) {
        this.db = db;
        this.transaction = transaction;
    }

    /** What a renewal learned: whether the lease is still ours, and whether someone asked to cancel the job. */
    record Renewal(boolean held, boolean cancelRequested) {
    }

    /**
     * Claims the oldest claimable job for {@code owner}: it becomes RUNNING under a new attempt and a lease of
     * {@code duration}. Rows other replicas are claiming right now are skipped, not waited for.
     */
    Optional<JobRepository.JobRow> claim(String owner, Duration duration, java.util.Set<String> runningHere) {
        // a job still running here whose lease expired in the database (an outage) is not claimed a second time
        String notHere = runningHere.isEmpty() ? ""
                : " AND id NOT IN (" + String.join(", ", java.util.Collections.nCopies(runningHere.size(), "?")) + ")";
        return transaction.execute(status -> {
            Optional<String> id = db.sql("SELECT id FROM jobs WHERE (status = 'QUEUED' OR (status = 'RUNNING' "
                            + "AND lease_expires_at <= CURRENT_TIMESTAMP))" + notHere
                            + " ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED")
                    .params(List.copyOf(runningHere)).query(String.class).optional();
            if (id.isEmpty()) {
                return Optional.<JobRepository.JobRow>empty();
            }
            db.sql("UPDATE jobs SET status = 'RUNNING', owner = ?, attempt = attempt + 1, "
                            + "lease_expires_at = CURRENT_TIMESTAMP + " + MILLIS + ", "
                            + "started_at = coalesce(started_at, CURRENT_TIMESTAMP) WHERE id = ?")
                    .params(owner, duration.toMillis(), id.get()).update();
            return db.sql("SELECT * FROM jobs WHERE id = ?").param(id.get()).query(JobRepository::row).optional();
        });
    }

    /**
     * Extends the lease from now and records the batches run so far; changes nothing when the lease was lost (another
     * replica claimed the job, or it ended).
     */
    Renewal renew(JobLease lease, Duration duration, long batchesDone) {
        int updated = db.sql("UPDATE jobs SET lease_expires_at = CURRENT_TIMESTAMP + " + MILLIS + ", batches_done = ? "
                        + "WHERE id = ? AND owner = ? AND attempt = ? AND status = 'RUNNING'")
                .params(duration.toMillis(), batchesDone, lease.jobId(), lease.owner(), lease.attempt()).update();
        if (updated == 0) {
            return new Renewal(false, false);
        }
        boolean cancel = db.sql("SELECT cancel_requested FROM jobs WHERE id = ?").param(lease.jobId())
                .query(Boolean.class).single();
        return new Renewal(true, cancel);
    }

    /** Gives the job up (a shutdown): its lease expires now, so any replica claims it at once. */
    boolean release(JobLease lease) {
        return db.sql("UPDATE jobs SET lease_expires_at = CURRENT_TIMESTAMP "
                        + "WHERE id = ? AND owner = ? AND attempt = ? AND status = 'RUNNING'")
                .params(lease.jobId(), lease.owner(), lease.attempt()).update() == 1;
    }

    /**
     * At a start: the jobs this replica owned when it stopped are not running here any more, so their leases expire
     * now instead of after their remaining time, and they are claimed again at once.
     */
    int releaseAllOf(String owner) {
        return db.sql("UPDATE jobs SET lease_expires_at = CURRENT_TIMESTAMP WHERE owner = ? AND status = 'RUNNING'")
                .param(owner).update();
    }
}
