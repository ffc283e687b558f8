package dev.chainrule.training;

import dev.chainrule.config.ChainruleProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * A running job's writes through a database outage (a restart, a failover): each one is retried with backoff, and
 * the job waits, until the database answers again or {@code chainrule.jobs.database-retry-window} has passed. Past
 * it, or once the lease is known lost, the run stops without writing ({@link JobPausedException}); the record stays
 * RUNNING, so whichever replica claims the job when the database is back continues it from its last checkpoint.
 * Every write is idempotent or fenced, so a retry of one that did reach the database writes nothing twice.
 */
@Component
class DatabaseRetry {
    private static final Logger log = LoggerFactory.getLogger(DatabaseRetry.class);
    private static final long FIRST_WAIT_MILLIS = 100;
    private static final long LONGEST_WAIT_MILLIS = 2000;

    private final Duration window;
    private final Counter retries;

    DatabaseRetry(ChainruleProperties properties, MeterRegistry meters) {
        this.window = properties.jobs().databaseRetryWindow();
        this.retries = Counter.builder("chainrule.jobs.database.retries")
                .description("Writes of running jobs tried again after a database error").register(meters);
    }

    Duration window() {
        return window;
    }

    /**
     * Whether an exception says the database could not be reached or could not answer now (the faults package's
     * rule), or that the write may simply be tried again (a deadlock, a serialisation failure), rather than that it
     * was wrong.
     */
    static boolean isOutage(Throwable e) {
        return dev.chainrule.faults.DatabaseFaults.isOutage(e) || e instanceof TransientDataAccessException
                || e instanceof CannotCreateTransactionException;
    }

    /** Runs one write of the claimed job, again and again through a database outage; see the class comment. */
    <T> T write(ClaimedJob claimed, String what, Supplier<T> write) {
        return retrying(claimed, "write " + what, write, DatabaseRetry::isOutage,
                e -> new JobPausedException(claimed.lease(), what, window, e));
    }

    /**
     * Runs a write that also stores an object (the version's file) again and again while the blob store fails (an
     * S3-compatible store restarting, a disk filling up), for up to the same window; past it the store's error is
     * thrown, and the job ends FAILED with it as the reason.
     */
    <T> T storing(ClaimedJob claimed, String what, Supplier<T> write) {
        return retrying(claimed, "store " + what, write, e -> e instanceof java.io.UncheckedIOException, e -> e);
    }

    /**
     * The loop of both: {@code write} until it succeeds, sleeping with a doubling backoff after each failure that
     * {@code retryable} accepts, until the window has passed or the lease is lost; then {@code giveUp}'s exception.
     */
    private <T> T retrying(ClaimedJob claimed, String what, Supplier<T> write,
                           java.util.function.Predicate<RuntimeException> retryable,
                           java.util.function.Function<RuntimeException, RuntimeException> giveUp) {
        long start = System.nanoTime();
        long wait = FIRST_WAIT_MILLIS;
        boolean logged = false;
        while (true) {
            try {
                T result = write.get();
                if (logged) {
                    log.info("job {}: could {} again after {} ms", claimed.job().id(), what,
                            (System.nanoTime() - start) / 1_000_000);
                }
                return result;
            } catch (RuntimeException e) {
                if (!retryable.test(e)) {
                    throw e;
                }
                if (claimed.leaseLost() || System.nanoTime() - start >= window.toNanos()) {
                    throw giveUp.apply(e);
                }
                if (!logged) {
                    log.warn("job {}: cannot {} ({}); retrying for up to {}", claimed.job().id(), what, e.getMessage(),
                            window);
                    logged = true;
                }
                retries.increment();
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw giveUp.apply(e);
                }
                wait = Math.min(LONGEST_WAIT_MILLIS, wait * 2);
            }
        }
    }
}
