package dev.chainrule.model;

/** The model exists but has no such trained version (or none at all). */
public class VersionNotFoundException extends RuntimeException {
    private final boolean untrained;

    private VersionNotFoundException(String message, boolean untrained) {
        super(message);
        this.untrained = untrained;
    }

    public static VersionNotFoundException untrained(String modelId) {
        return new VersionNotFoundException("model '" + modelId + "' has no trained version yet: train it first (POST /train)", true);
    }

    public static VersionNotFoundException missing(String modelId, int version, int latest) {
        return new VersionNotFoundException("model '" + modelId + "' has no version " + version
                + (latest == 0 ? " (it has none yet)" : " (versions are 1.." + latest + ")"), false);
    }

    /** True when the model has no version at all: a state conflict rather than a missing resource. */
    public boolean untrained() {
        return untrained;
    }
}
