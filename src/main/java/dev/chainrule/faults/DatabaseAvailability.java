package dev.chainrule.faults;

import dev.chainrule.config.DatabaseProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * Whether the database answers, as readiness reports it: a check on a timer of its own (every
 * {@code chainrule.database.health-check-interval}, each bounded by the pool's timeouts) and every request refused
 * for an outage keep one state, so the probe answers at once from it instead of waiting on a dead database itself.
 * An outage is logged once at WARN when it begins and once when it ends, however many requests it refused, and
 * counted ({@code chainrule.database.outages}, {@code chainrule.requests.unavailable{cause="database"}}).
 */
public class DatabaseAvailability implements HealthIndicator, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);

    private final DataSource dataSource;
    private final DatabaseProperties settings;
    private final Clock clock;
    private final Counter outages;
    private final Counter refused;
    private final Object lock = new Object();
    private volatile Outage outage;
    private ScheduledExecutorService checker;

    /** An outage in progress: since when (the wall clock for the health details, nanoTime for its length), and why. */
    private record Outage(Instant since, long startNanos, String cause) {
    }

    public DatabaseAvailability(DataSource dataSource, DatabaseProperties settings, Clock clock, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.settings = settings;
        this.clock = clock;
        this.outages = Counter.builder("chainrule.database.outages")
                .description("Times the database became unreachable").register(meters);
        this.refused = Counter.builder("chainrule.requests.unavailable").tag("cause", "database")
                .description("Requests answered 503 because something the service depends on was unavailable").register(meters);
        Gauge.builder("chainrule.database.available", this, a -> a.available() ? 1 : 0)
                .description("1 while the database answers, 0 during an outage").register(meters);
    }

    public boolean available() {
        return outage == null;
    }

    /** The Retry-After of a 503 for an outage, in seconds. */
    public long retryAfterSeconds() {
        return settings.retryAfter().toSeconds();
    }

    /** A request answered 503 because of {@code cause}: counted, and the outage begins now if it had not. */
    public void requestRefused(Throwable cause) {
        refused.increment();
        unreachable(cause);
    }

    /** One check: a connection from the pool that says it is valid. */
    void check() {
        try (Connection connection = dataSource.getConnection()) {
            if (!connection.isValid(DatabaseProperties.seconds(settings.validationTimeout()))) {
                throw new SQLException("the database did not confirm a connection within " + settings.validationTimeout());
            }
            reachable();
        } catch (SQLException | RuntimeException e) {
            unreachable(e);
        }
    }

    private void unreachable(Throwable cause) {
        synchronized (lock) {
            if (outage != null) {
                return;
            }
            outage = new Outage(clock.instant(), System.nanoTime(), rootMessage(cause));
            outages.increment();
        }
        log.warn("the database is unreachable ({}); requests that need it answer 503 until it returns, readiness is DOWN",
                rootMessage(cause));
    }

    private void reachable() {
        Outage ended;
        synchronized (lock) {
            ended = outage;
            outage = null;
        }
        if (ended != null) {
            log.warn("the database is reachable again, after {} s; readiness is UP",
                    String.format("%.1f", Duration.ofNanos(System.nanoTime() - ended.startNanos()).toMillis() / 1000.0));
        }
    }

    @Override
    public Health health() {
        Outage now = outage;
        if (now == null) {
            return Health.up().build();
        }
        return Health.down().withDetail("since", now.since().toString()).withDetail("error", now.cause()).build();
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == error ? message : message + ", in " + error.getClass().getSimpleName();
    }

    @Override
    public void start() {
        checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "database-check");
            thread.setDaemon(true);
            return thread;
        });
        long interval = settings.healthCheckInterval().toMillis();
        checker.scheduleWithFixedDelay(this::check, 0, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        if (checker != null) {
            checker.shutdownNow();
            checker = null;
        }
    }

    @Override
    public boolean isRunning() {
        return checker != null;
    }
}
