package dev.chainrule.client;

import com.fasterxml.jackson.annotation.JsonValue;

/** The function after a layer; {@link #SOFTMAX} only on the output layer. */
public enum Activation {
    LINEAR("linear"), RELU("relu"), LOGISTIC("logistic"), TANH("tanh"), SOFTMAX("softmax");

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
