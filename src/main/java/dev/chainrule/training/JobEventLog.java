package dev.chainrule.training;

import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.storage.DatabaseTime;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Jobs' finished epochs, one row each, written by the job's owner as each epoch ends: what followers on every
 * replica read, in order. An epoch run again after a takeover (it came after the last checkpoint) keeps the row it
 * already has, so a follower sees each epoch once.
 */
@Repository
class JobEventLog {
    private final JdbcClient db;

    JobEventLog(JdbcClient db) {
        this.db = db;
    }

    /**
     * Appends the epoch unless it is already there.
     *
     * @return false when the lease is no longer held (nothing was written)
     */
    boolean append(JobLease lease, EpochReport report, Instant at) {
        // the fence and the insert in one statement: after a takeover the old owner writes no row
        int inserted = db.sql("""
                INSERT INTO job_events (job_id, epoch, report, created_at)
                SELECT ?, ?, ?, ? FROM jobs j
                WHERE j.id = ? AND j.owner = ? AND j.attempt = ? AND j.status = 'RUNNING'
                AND NOT EXISTS (SELECT 1 FROM job_events e WHERE e.job_id = ? AND e.epoch = ?)""")
                .params(lease.jobId(), report.epoch(), JobRepository.JSON.writeValueAsString(report),
                        DatabaseTime.parameter(at), lease.jobId(), lease.owner(), lease.attempt(), lease.jobId(),
                        report.epoch())
                .update();
        // none inserted: the epoch was there already (run again after a takeover), or the lease is gone
        return inserted == 1 || db.sql("SELECT count(*) FROM jobs WHERE id = ? AND owner = ? AND attempt = ? AND status = 'RUNNING'")
                .params(lease.jobId(), lease.owner(), lease.attempt()).query(Long.class).single() == 1;
    }

    /** The job's epochs after {@code afterEpoch}, in order. */
    List<EpochReport> after(String jobId, int afterEpoch) {
        return db.sql("SELECT report FROM job_events WHERE job_id = ? AND epoch > ? ORDER BY epoch")
                .params(jobId, afterEpoch).query(String.class).list().stream()
                .map(json -> JobRepository.JSON.readValue(json, EpochReport.class)).toList();
    }
}
