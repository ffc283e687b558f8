package dev.chainrule.client;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The function after a layer; {@link #SOFTMAX} only on the output layer; {@link #MAXOUT} takes pieces
 * ({@link ModelDefinition.Builder#maxout}).
 */
public enum Activation {
    LINEAR("linear"), RELU("relu"), LOGISTIC("logistic"), TANH("tanh"), SOFTMAX("softmax"), MAXOUT("maxout");

    private final String jsonName;

    Activation(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name the API uses. */
    @JsonValue
    public String jsonName() {
        return jsonName;
    }
}
