package dev.chainrule.api;

/**
 * What a caller needs to use a route when API keys are on (chainrule.security.api-keys), from least to most: a route
 * declares it with {@link RequiredAccess}.
 */
public enum Access {
    /** No key: the health probes and the static pages, which hold no data. */
    OPEN,
    /** A READ or an ADMIN key: reads, and POSTs that compute and change nothing (predict, infer). */
    READ,
    /** An ADMIN key: everything that changes state. */
    ADMIN,
    /** What a route that declares nothing gets: refused to every key, so a forgotten declaration fails closed. */
    UNDECLARED;

    /** The stricter of the two. */
    public Access atLeast(Access other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
