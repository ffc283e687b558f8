package dev.chainrule.faults;

import dev.chainrule.config.DatabaseProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * Whether something the service depends on answers, as readiness reports it: a check on a timer of its own (every
 * {@code chainrule.database.health-check-interval}, on a thread named {@code <kind>-check}) and every request refused
 * for an outage keep one state, so the probe answers at once from it instead of waiting on a dead dependency. An
 * outage begins and ends once however many requests it refused, and the refusals are counted
 * ({@code chainrule.requests.unavailable{cause="<kind>"}}). A subclass says how to probe its dependency and what to
 * log and report of an outage.
 */
abstract class PeriodicDependencyCheck implements HealthIndicator, SmartLifecycle {
    private final String kind;
    private final DatabaseProperties settings;
    private final Clock clock;
    private final Counter refused;
    private final Object lock = new Object();
    private volatile Outage outage;
    private ScheduledExecutorService checker;

    /** An outage in progress: since when (the wall clock for the health details, nanoTime for its length), and why. */
    record Outage(Instant since, long startNanos, Throwable error) {
        Duration length() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }
    }

    /** @param kind the dependency, as the refusals' meter tag and the checking thread name it ("database") */
    PeriodicDependencyCheck(String kind, DatabaseProperties settings, Clock clock, MeterRegistry meters) {
        this.kind = kind;
        this.settings = settings;
        this.clock = clock;
        this.refused = Counter.builder("chainrule.requests.unavailable").tag("cause", kind)
                .description("Requests answered 503 because something the service depends on was unavailable").register(meters);
    }

    /** One look at the dependency, which ends in {@link #reachable} or {@link #unreachable} (or neither, if it cannot tell). */
    abstract void check();

    /** Called once as an outage begins (outside the lock). */
    abstract void began(Outage outage);

    /** Called once as an outage ends (outside the lock). */
    abstract void ended(Outage outage);

    /** The DOWN readiness reports during {@code outage}. */
    abstract Health down(Outage outage);

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

    final void unreachable(Throwable cause) {
        Outage began;
        synchronized (lock) {
            if (outage != null) {
                return;
            }
            began = new Outage(clock.instant(), System.nanoTime(), cause);
            outage = began;
        }
        began(began);
    }

    final void reachable() {
        Outage ended;
        synchronized (lock) {
            ended = outage;
            outage = null;
        }
        if (ended != null) {
            ended(ended);
        }
    }

    @Override
    public Health health() {
        Outage now = outage;
        return now == null ? Health.up().build() : down(now);
    }

    @Override
    public void start() {
        checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, kind + "-check");
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
