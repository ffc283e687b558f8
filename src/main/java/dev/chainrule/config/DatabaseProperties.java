package dev.chainrule.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the service waits on its database, so that an outage costs a request seconds and a clear 503, not a hang
 * (docs/operations.md, "Faults").
 *
 * @param connectionTimeout  the longest a request waits for a pooled connection before it answers 503 (default 2s,
 *                           at least 250ms): while the database is down this is how long a request that needs it takes
 * @param validationTimeout  the longest the pool spends checking that a connection still works (default 1s, at least
 *                           250ms, shorter than connectionTimeout)
 * @param socketTimeout      PostgreSQL only: the longest one statement waits for the server's answer before its
 *                           connection is given up (default 30s; 0: no limit), so a server that vanished without closing
 *                           its connections (a network partition) is noticed; also its connect and login timeout is
 *                           connectionTimeout
 * @param healthCheckInterval how often readiness asks the database whether it answers (default 1s)
 * @param retryAfter         the Retry-After of a 503 while the database is unavailable (default 5s, whole seconds)
 */
@ConfigurationProperties("chainrule.database")
public record DatabaseProperties(Duration connectionTimeout, Duration validationTimeout, Duration socketTimeout,
                                 Duration healthCheckInterval, Duration retryAfter) {
    private static final Duration HIKARI_MINIMUM = Duration.ofMillis(250);

    public DatabaseProperties {
        connectionTimeout = connectionTimeout == null ? Duration.ofSeconds(2) : connectionTimeout;
        validationTimeout = validationTimeout == null ? Duration.ofSeconds(1) : validationTimeout;
        socketTimeout = socketTimeout == null ? Duration.ofSeconds(30) : socketTimeout;
        healthCheckInterval = healthCheckInterval == null ? Duration.ofSeconds(1) : healthCheckInterval;
        retryAfter = retryAfter == null ? Duration.ofSeconds(5) : retryAfter;
        if (connectionTimeout.compareTo(HIKARI_MINIMUM) < 0) {
            throw new IllegalArgumentException("chainrule.database.connection-timeout must be at least 250ms, got " + connectionTimeout);
        }
        if (validationTimeout.compareTo(HIKARI_MINIMUM) < 0 || validationTimeout.compareTo(connectionTimeout) >= 0) {
            throw new IllegalArgumentException("chainrule.database.validation-timeout must be at least 250ms and shorter than "
                    + "chainrule.database.connection-timeout (" + connectionTimeout + "), got " + validationTimeout);
        }
        if (socketTimeout.isNegative()) {
            throw new IllegalArgumentException("chainrule.database.socket-timeout must not be negative, got " + socketTimeout);
        }
        if (healthCheckInterval.isNegative() || healthCheckInterval.isZero()) {
            throw new IllegalArgumentException("chainrule.database.health-check-interval must be positive, got " + healthCheckInterval);
        }
        if (retryAfter.toSeconds() < 1) {
            throw new IllegalArgumentException("chainrule.database.retry-after must be at least 1s, got " + retryAfter);
        }
    }

    /** Whole seconds, rounded up, at least 1: what the PostgreSQL driver's timeouts take. */
    public static int seconds(Duration duration) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (duration.toMillis() + 999) / 1000));
    }
}
