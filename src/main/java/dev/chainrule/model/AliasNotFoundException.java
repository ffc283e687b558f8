package dev.chainrule.model;

/** The model has no alias of this name. */
public class AliasNotFoundException extends RuntimeException {
    public AliasNotFoundException(String modelId, String alias) {
        super("model '" + modelId + "' has no alias '" + alias + "' (GET /models/" + modelId + "/aliases lists them)");
    }
}
