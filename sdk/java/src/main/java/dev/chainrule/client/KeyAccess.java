package dev.chainrule.client;

/**
 * What the client's API key may do ({@code GET /access}), so that a program can offer or skip what the service would
 * refuse; the service checks every call anyway.
 *
 * @param access  {@link Level#READ} or {@link Level#ADMIN}; ADMIN for every caller of a service without API keys
 * @param keyName the key's name (its configured name, else its role and the first 8 hex digits of its SHA-256);
 *                null on a service without keys
 */
public record KeyAccess(Level access, String keyName) {

    /** From least to most. */
    public enum Level {
        /** Every GET, predict, input gradients, infer. */
        READ,
        /** Everything, also what changes state: define, train, score, cancel, delete, aliases, sweeps, import. */
        ADMIN
    }

    /** Whether the key may change state (train, score, cancel, delete, ...). */
    public boolean isAdmin() {
        return access == Level.ADMIN;
    }
}
