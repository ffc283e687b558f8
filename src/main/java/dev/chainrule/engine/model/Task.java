package dev.chainrule.engine.model;

import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.layer.Activation;
import java.util.Locale;

/**
 * What a network's outputs mean, read from its output activation: a softmax gives a class distribution
 * (classification), logistic units give independent probabilities (binary), anything else is a value (regression).
 * A softmax's class is its largest output (the first of equals); one logistic unit's is 1 when P(y = 1) >= 0.5.
 */
public enum Task {
    CLASSIFICATION,
    BINARY,
    REGRESSION;

    /** The task of a definition's output activation. */
    public static Task of(NetworkDefinition definition) {
        Activation output = definition.layers().get(definition.layers().size() - 1).activation();
        return switch (output) {
            case SOFTMAX -> CLASSIFICATION;
            case LOGISTIC -> BINARY;
            default -> REGRESSION;
        };
    }

    /** As the API writes it: "classification", "binary" or "regression". */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether each row of {@code width} outputs has a class: a softmax, or a single logistic unit. */
    public boolean hasClassIndex(int width) {
        return this == CLASSIFICATION || this == BINARY && width == 1;
    }

    /** The class of the row of {@code width} outputs starting at {@code offset} (where {@link #hasClassIndex}). */
    public int classIndex(float[] outputs, int offset, int width) {
        if (!hasClassIndex(width)) {
            throw new IllegalStateException(jsonName() + " outputs of width " + width + " have no class");
        }
        if (this == BINARY) {
            return outputs[offset] >= 0.5f ? 1 : 0;
        }
        int best = 0;
        for (int k = 1; k < width; k++) {
            if (outputs[offset + k] > outputs[offset + best]) {
                best = k;
            }
        }
        return best;
    }
}
