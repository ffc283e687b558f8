package dev.chainrule.model;

/** A new alias would take the model past {@code chainrule.models.max-aliases}. */
public class TooManyAliasesException extends RuntimeException {
    public TooManyAliasesException(String modelId, int count, int max) {
        super("model '" + modelId + "' has " + count + " aliases; at most " + max
                + " are allowed (chainrule.models.max-aliases): remove one or move an existing one");
    }
}
