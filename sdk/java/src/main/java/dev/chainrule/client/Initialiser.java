package dev.chainrule.client;

import com.fasterxml.jackson.annotation.JsonValue;

/** How the first weights are drawn: Xavier/Glorot uniform, He normal, or U(-0.05, 0.05). */
public enum Initialiser {
    XAVIER("xavier"), HE("he"), SMALL_UNIFORM("small_uniform");

    private final String jsonName;

    Initialiser(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name the API uses. */
    @JsonValue
    public String jsonName() {
        return jsonName;
    }
}
