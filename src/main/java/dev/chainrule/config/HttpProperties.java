package dev.chainrule.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * How the HTTP server treats slow clients (docs/operations.md, "Faults"), beside Spring Boot's own
 * {@code server.jetty.connection-idle-timeout}.
 *
 * @param minRequestDataRate the least a request body must arrive at, per second, counted from its first byte; a slower
 *                           upload is cut off (408) so that it cannot hold a request thread for long (default 128B:
 *                           low, because the rate of a small body is its size over its whole time, and a body of a
 *                           few hundred bytes from a busy client can take a second; 0: no limit). Request headers are
 *                           read without holding a thread, so no rate applies there
 */
@ConfigurationProperties("chainrule.http")
public record HttpProperties(DataSize minRequestDataRate) {
    public HttpProperties {
        minRequestDataRate = minRequestDataRate == null ? DataSize.ofBytes(128) : minRequestDataRate;
        if (minRequestDataRate.isNegative()) {
            throw new IllegalArgumentException("chainrule.http.min-request-data-rate must not be negative, got " + minRequestDataRate);
        }
    }
}
