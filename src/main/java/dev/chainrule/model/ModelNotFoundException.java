package dev.chainrule.model;

/** No model has this id (or it was deleted). */
public class ModelNotFoundException extends RuntimeException {
    private final String modelId;

    public ModelNotFoundException(String modelId) {
        super("no model with id '" + modelId + "'");
        this.modelId = modelId;
    }

    public String modelId() {
        return modelId;
    }
}
