package dev.chainrule.engine;

import dev.chainrule.engine.layer.Activation;
import java.util.Objects;

/**
 * One fully connected layer of a definition and the activation that follows it.
 *
 * @param units      output width K of the layer
 * @param activation applied to the layer's output
 */
public record LayerSpec(int units, Activation activation) {
    public LayerSpec {
        Objects.requireNonNull(activation, "activation");
        if (units <= 0) {
            throw new IllegalArgumentException("units must be positive, got " + units);
        }
    }
}
