package dev.chainrule.model;

/** The alias is the model's default, so removing it would silently change what unnamed predictions use. */
public class AliasInUseException extends RuntimeException {
    public AliasInUseException(String modelId, String alias) {
        super("alias '" + alias + "' is the default of model '" + modelId + "' (unnamed predictions use it): "
                + "change or clear the default first (PUT or DELETE /models/" + modelId + "/default-alias)");
    }
}
