package dev.chainrule.faults;

import dev.chainrule.config.DatabaseProperties;
import dev.chainrule.storage.BlobStore;
import dev.chainrule.storage.StorageUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;

/**
 * Whether the blob store answers, as readiness reports it ("storage"): a {@link PeriodicDependencyCheck} whose check
 * looks up one key; for the data directory it is always up, for a bucket it goes DOWN while the store cannot be
 * reached. Requests refused for it are counted ({@code chainrule.requests.unavailable{cause="storage"}}), and an
 * outage is logged once when it begins and once when it ends.
 */
public class StorageAvailability extends PeriodicDependencyCheck {
    private static final Logger log = LoggerFactory.getLogger(StorageAvailability.class);
    private static final String PROBE_KEY = "health/readiness-probe";

    private final BlobStore store;

    public StorageAvailability(BlobStore store, DatabaseProperties settings, Clock clock, MeterRegistry meters) {
        super("storage", settings, clock, meters);
        this.store = store;
    }

    public String location() {
        return store.location();
    }

    /** One check: a look-up of one key; an error that does not say the store is unavailable changes nothing. */
    @Override
    void check() {
        try {
            store.exists(PROBE_KEY);
            reachable();
        } catch (IOException | RuntimeException e) {
            if (StorageUnavailableException.isCause(e) || e instanceof IOException) {
                unreachable(e);
            }
        }
    }

    @Override
    void began(Outage outage) {
        log.warn("the object store {} is unreachable ({}); requests that need it answer 503 until it returns, "
                + "readiness is DOWN", store.location(), message(outage));
    }

    @Override
    void ended(Outage outage) {
        log.warn("the object store {} is reachable again; readiness is UP", store.location());
    }

    @Override
    Health down(Outage outage) {
        return Health.down().withDetail("store", store.location()).withDetail("error", message(outage)).build();
    }

    private static String message(Outage outage) {
        return String.valueOf(outage.error().getMessage());
    }
}
