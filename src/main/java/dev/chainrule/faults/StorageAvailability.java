package dev.chainrule.faults;

import dev.chainrule.config.DatabaseProperties;
import dev.chainrule.storage.BlobStore;
import dev.chainrule.storage.StorageUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;

/**
 * Whether the blob store answers, as readiness reports it ("storage"): a look-up of one key on a timer of its own,
 * so the probe answers at once; for the data directory it is always up, for a bucket it goes DOWN while the store
 * cannot be reached. Requests refused for it are counted ({@code chainrule.requests.unavailable{cause="storage"}}),
 * and an outage is logged once when it begins and once when it ends.
 */
public class StorageAvailability implements HealthIndicator, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(StorageAvailability.class);
    private static final String PROBE_KEY = "health/readiness-probe";

    private final BlobStore store;
    private final DatabaseProperties settings;
    private final Counter refused;
    private volatile String outage;
    private ScheduledExecutorService checker;

    public StorageAvailability(BlobStore store, DatabaseProperties settings, MeterRegistry meters) {
        this.store = store;
        this.settings = settings;
        this.refused = Counter.builder("chainrule.requests.unavailable").tag("cause", "storage")
                .description("Requests answered 503 because something the service depends on was unavailable").register(meters);
    }

    public boolean available() {
        return outage == null;
    }

    public long retryAfterSeconds() {
        return settings.retryAfter().toSeconds();
    }

    public String location() {
        return store.location();
    }

    /** A request answered 503 because of {@code cause}: counted, and the outage begins now if it had not. */
    public void requestRefused(Throwable cause) {
        refused.increment();
        unreachable(cause);
    }

    void check() {
        try {
            store.exists(PROBE_KEY);
            if (outage != null) {
                log.warn("the object store {} is reachable again; readiness is UP", store.location());
                outage = null;
            }
        } catch (IOException | RuntimeException e) {
            if (StorageUnavailableException.isCause(e) || e instanceof IOException) {
                unreachable(e);
            }
        }
    }

    private synchronized void unreachable(Throwable cause) {
        if (outage == null) {
            outage = String.valueOf(cause.getMessage());
            log.warn("the object store {} is unreachable ({}); requests that need it answer 503 until it returns, "
                    + "readiness is DOWN", store.location(), outage);
        }
    }

    @Override
    public Health health() {
        String now = outage;
        return now == null ? Health.up().build() : Health.down().withDetail("store", store.location())
                .withDetail("error", now).build();
    }

    @Override
    public void start() {
        checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "storage-check");
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
        }
    }

    @Override
    public boolean isRunning() {
        return checker != null && !checker.isShutdown();
    }
}
