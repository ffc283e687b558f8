package dev.chainrule.training;

import dev.chainrule.config.ChainruleProperties;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * This replica's training workers. Whenever one is idle it claims the oldest queued job (or one whose owner's lease
 * expired) from the database, so jobs spread over every replica with a free worker; a timer renews the leases of
 * the jobs running here and the replica's heartbeat, and learns of cancels sent to other replicas. A shutdown
 * stops the running jobs before their next minibatch and releases their leases, so another replica continues each
 * one from its last checkpoint at once, not after the lease expires.
 */
@Component
class TrainingWorkers {
    /** How long shutdown waits for running jobs to stop. */
    static final long SHUTDOWN_WAIT_SECONDS = 30;
    private static final Logger log = LoggerFactory.getLogger(TrainingWorkers.class);

    private final JobLeases leases;
    private final Replicas replicas;
    private final LiveJobs live;
    private final JobRunner runner;
    private final ScoringRun scoring;
    private final ChainruleProperties.Jobs settings;
    private final ChainruleProperties.Cluster cluster;
    private final ThreadPoolExecutor workers;
    /** One thread for claims, renewals and refreshes: claims never race each other within a replica. */
    private final ScheduledExecutorService timer;
    private final Map<String, ClaimedJob> running = new ConcurrentHashMap<>();
    private volatile boolean started;
    /** A failure to reach the database was logged and none has succeeded since: one WARN per outage, not per tick. */
    private volatile boolean outageLogged;
    private volatile boolean shuttingDown;
    /** Told of each job that ended here (a sweep advances when its trial ends). */
    private ApplicationEventPublisher endListeners;

    TrainingWorkers(JobLeases leases, Replicas replicas, LiveJobs live, JobRunner runner, ScoringRun scoring,
                    ChainruleProperties properties) {
        this.scoring = scoring;
        this.leases = leases;
        this.replicas = replicas;
        this.live = live;
        this.runner = runner;
        this.settings = properties.jobs();
        this.cluster = properties.cluster();
        AtomicInteger threadNumber = new AtomicInteger();
        // never more tasks than threads: a job is claimed only for an idle worker
        this.workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "training-worker-" + threadNumber.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "job-leases");
            thread.setDaemon(true);
            return thread;
        });
        // this replica's workers count towards the queue's bound from the start: submissions may come before ready
        replicas.heartbeat(cluster.replicaId(), settings.workers(), cluster.leaseDuration());
        int released = leases.releaseAllOf(cluster.replicaId());
        if (released > 0) {
            log.info("{} job(s) this replica ran before it stopped are claimable again", released);
        }
    }

    @Autowired
    void publishEndsTo(ApplicationEventPublisher publisher) {
        this.endListeners = publisher;
    }

    String replicaId() {
        return cluster.replicaId();
    }

    int workerCount() {
        return settings.workers();
    }

    /** Starts claiming once the service is ready to compute (ND4J warmed up). */
    @EventListener(ApplicationReadyEvent.class)
    void start() {
        started = true;
        timer.scheduleWithFixedDelay(this::claimSafely, 0, cluster.claimInterval().toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::renew, cluster.leaseRenewalInterval().toMillis(),
                cluster.leaseRenewalInterval().toMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(live::refresh, cluster.eventPollInterval().toMillis(),
                cluster.eventPollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A job was submitted here or a worker became idle: look for work now rather than at the next tick. */
    void wake() {
        if (started && !shuttingDown) {
            try {
                timer.execute(this::claimSafely);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }
    }

    /** Whether this replica runs the job now; asked to stop it at once when a cancel reaches this replica. */
    Optional<ClaimedJob> runningHere(String jobId) {
        return Optional.ofNullable(running.get(jobId));
    }

    private void claimSafely() {
        try {
            while (!shuttingDown && running.size() < settings.workers()) {
                Optional<JobRepository.JobRow> row = leases.claim(cluster.replicaId(), cluster.leaseDuration(),
                        running.keySet());
                reached();
                if (row.isEmpty()) {
                    break;
                }
                startRun(row.get());
            }
        } catch (RuntimeException e) {
            unreachable("could not claim jobs from the database; trying again every " + cluster.claimInterval(), e);
        }
    }

    private void startRun(JobRepository.JobRow row) {
        JobLease lease = new JobLease(row.id(), row.owner(), row.attempt());
        ClaimedJob claimed = new ClaimedJob(live.claimed(row), lease, row);
        running.put(row.id(), claimed);
        if (row.attempt() > 1) {
            log.info("job {} of model {} claimed by {} (attempt {}), {} epochs done before", row.id(), row.modelId(),
                    lease.owner(), lease.attempt(), row.history().size());
        }
        workers.execute(() -> {
            try {
                if (row.kind() == JobKind.SCORING) {
                    scoring.run(claimed, () -> shuttingDown);
                } else {
                    runner.run(claimed, () -> shuttingDown);
                }
            } finally {
                running.remove(row.id(), claimed);
                live.runEnded(claimed.job());
                wake();
                if (claimed.job().status().isFinished() && endListeners != null) {
                    endListeners.publishEvent(new JobEnded(row.id()));
                }
            }
        });
    }

    /**
     * Renews this replica's heartbeat and every running job's lease. A lease found taken stops its job at once. One
     * that cannot be renewed (the database is unreachable) keeps its job going through the outage for up to
     * {@code chainrule.jobs.database-retry-window}, then stops it; if another replica claimed the job meanwhile (its
     * lease expired in the database), the next renewal or write finds out and stops it then.
     */
    private void renew() {
        Duration duration = cluster.leaseDuration();
        Duration outage = settings.databaseRetryWindow();
        try {
            replicas.heartbeat(cluster.replicaId(), settings.workers(), duration);
            reached();
        } catch (RuntimeException e) {
            unreachable("could not renew this replica's heartbeat or its jobs' leases; retrying every "
                    + cluster.leaseRenewalInterval(), e);
        }
        for (ClaimedJob claimed : running.values()) {
            if (claimed.leaseLost()) {
                continue;
            }
            try {
                JobLeases.Renewal renewal = leases.renew(claimed.lease(), duration, claimed.job().batchesDone());
                if (!renewal.held()) {
                    claimed.loseLease();
                    log.warn("job {}: another replica holds its lease now; attempt {} stops",
                            claimed.job().id(), claimed.lease().attempt());
                    continue;
                }
                claimed.renewed();
                if (renewal.cancelRequested()) {
                    claimed.job().requestCancel();
                }
            } catch (RuntimeException e) {
                if (System.nanoTime() - claimed.heldAtNanos() >= Math.max(duration.toNanos(), outage.toNanos())) {
                    claimed.loseLease();
                    log.warn("job {}: its lease could not be renewed for {}; it stops, to be continued from its last "
                            + "checkpoint", claimed.job().id(), outage, e);
                } else {
                    log.debug("job {}: could not renew its lease; trying again", claimed.job().id(), e);
                }
            }
        }
    }

    private void unreachable(String what, RuntimeException e) {
        if (!outageLogged) {
            outageLogged = true;
            log.warn(what, e);
        } else {
            log.debug(what, e);
        }
    }

    private void reached() {
        if (outageLogged) {
            outageLogged = false;
            log.info("the database answers again");
        }
    }

    /**
     * The start of a shutdown (before the web server drains its requests): no more claims, and running jobs stop
     * before their next minibatch and hand over.
     */
    @EventListener(ContextClosedEvent.class)
    void handOver() {
        shuttingDown = true;
    }

    /** Waits for the running jobs to hand over, then leaves the cluster. */
    @PreDestroy
    void shutdown() throws InterruptedException {
        shuttingDown = true;
        timer.shutdownNow();
        workers.shutdown();
        if (!workers.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
            log.warn("training workers did not stop within {} s", SHUTDOWN_WAIT_SECONDS);
        }
        try {
            replicas.leave(cluster.replicaId());
        } catch (RuntimeException e) {
            log.warn("could not leave the replicas table; this replica's entry expires by itself", e);
        }
    }
}
