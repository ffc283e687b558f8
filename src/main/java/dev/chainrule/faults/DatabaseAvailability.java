package dev.chainrule.faults;

import dev.chainrule.config.DatabaseProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;

/**
 * Whether the database answers, as readiness reports it ("db"): a {@link PeriodicDependencyCheck} whose check asks
 * the pool for a valid connection (each bounded by the pool's timeouts). An outage is logged once at WARN when it
 * begins and once when it ends, and counted ({@code chainrule.database.outages},
 * {@code chainrule.requests.unavailable{cause="database"}}, {@code chainrule.database.available}).
 */
public class DatabaseAvailability extends PeriodicDependencyCheck {
    private static final Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);

    private final DataSource dataSource;
    private final DatabaseProperties settings;
    private final Counter outages;

    public DatabaseAvailability(DataSource dataSource, DatabaseProperties settings, Clock clock, MeterRegistry meters) {
        super("database", settings, clock, meters);
        this.dataSource = dataSource;
        this.settings = settings;
        this.outages = Counter.builder("chainrule.database.outages")
                .description("Times the database became unreachable").register(meters);
        Gauge.builder("chainrule.database.available", this, a -> a.available() ? 1 : 0)
                .description("1 while the database answers, 0 during an outage").register(meters);
    }

    /** One check: a connection from the pool that says it is valid. */
    @Override
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

    @Override
    void began(Outage outage) {
        outages.increment();
        log.warn("the database is unreachable ({}); requests that need it answer 503 until it returns, readiness is DOWN",
                rootMessage(outage.error()));
    }

    @Override
    void ended(Outage outage) {
        log.warn("the database is reachable again, after {} s; readiness is UP",
                String.format("%.1f", outage.length().toMillis() / 1000.0));
    }

    @Override
    Health down(Outage outage) {
        return Health.down().withDetail("since", outage.since().toString()).withDetail("error", rootMessage(outage.error())).build();
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == error ? message : message + ", in " + error.getClass().getSimpleName();
    }
}
