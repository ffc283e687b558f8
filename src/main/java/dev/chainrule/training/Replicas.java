package dev.chainrule.training;

import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The replicas alive now, each with its workers, renewed with the job leases: together they bound the queue. A
 * replica that stops renewing (it died) drops out of the count once its entry expires.
 */
@Repository
class Replicas {
    private static final String MILLIS = "CAST(? AS BIGINT) * INTERVAL '0.001' SECOND";

    private final JdbcClient db;

    Replicas(JdbcClient db) {
        this.db = db;
    }

    /** Enters or renews this replica for {@code duration} from now. */
    void heartbeat(String id, int workers, Duration duration) {
        int updated = db.sql("UPDATE replicas SET workers = ?, expires_at = CURRENT_TIMESTAMP + " + MILLIS + " WHERE id = ?")
                .params(workers, duration.toMillis(), id).update();
        if (updated == 0) {
            db.sql("INSERT INTO replicas (id, workers, started_at, expires_at) "
                            + "VALUES (?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP + " + MILLIS + ")")
                    .params(id, workers, duration.toMillis()).update();
        }
    }

    /** Leaves the cluster (a shutdown): its workers no longer count. */
    void leave(String id) {
        db.sql("DELETE FROM replicas WHERE id = ?").param(id).update();
    }

    /** The workers of the replicas alive now. */
    long liveWorkers() {
        return db.sql("SELECT coalesce(sum(workers), 0) FROM replicas WHERE expires_at > CURRENT_TIMESTAMP")
                .query(Long.class).single();
    }

    /** Takes the queue's lock until the caller's transaction ends: submissions count and insert one at a time. */
    void lockQueue() {
        db.sql("SELECT id FROM job_queue_lock WHERE id = 1 FOR UPDATE").query(Integer.class).single();
    }
}
