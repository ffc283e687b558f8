package dev.chainrule.client;

import java.time.Duration;
import java.util.Optional;

/** 429: every training worker is busy and the queue is full; nothing was created. Retry after {@link #retryAfter()}. */
public class RateLimitedException extends ChainruleApiException {
    private final Duration retryAfter;

    public RateLimitedException(String request, Problem problem, Duration retryAfter) {
        super(request, problem);
        this.retryAfter = retryAfter;
    }

    /** How long the service asks to wait (its {@code Retry-After} header), if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
