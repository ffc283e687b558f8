package dev.chainrule.client;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The objective. {@link #CROSS_ENTROPY} needs a softmax output of at least 2 units, {@link #LOG_LOSS} a logistic
 * output, {@link #SQUARED_ERROR} any output but softmax.
 */
public enum Loss {
    SQUARED_ERROR("squared_error"), LOG_LOSS("log_loss"), CROSS_ENTROPY("cross_entropy");

    private final String jsonName;

    Loss(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name the API uses. */
    @JsonValue
    public String jsonName() {
        return jsonName;
    }
}
