package dev.chainrule.engine.layer;

import dev.chainrule.engine.Layer;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The activation functions of seed 001, by the names a model definition uses, and maxout (seed 002's max function),
 * which takes a number of pieces per unit and so is made by {@code LayerSpec.activationLayer()}, not {@link #newLayer}.
 */
public enum Activation {
    LINEAR(LinearActivation::new),
    RELU(ReluActivation::new),
    LOGISTIC(LogisticActivation::new),
    TANH(TanhActivation::new),
    SOFTMAX(SoftmaxActivation::new),
    MAXOUT(() -> {
        throw new IllegalStateException("a maxout layer needs its units and pieces: use LayerSpec.activationLayer()");
    });

    private final Supplier<Layer> factory;

    Activation(Supplier<Layer> factory) {
        this.factory = factory;
    }

    /** A new, stateless-until-used layer applying this activation. */
    public Layer newLayer() {
        return factory.get();
    }

    /** Parses "relu", "ReLU", "sigmoid" (an alias of logistic) and so on. */
    public static Activation parse(String name) {
        String key = name.trim().toUpperCase(Locale.ROOT);
        if (key.equals("SIGMOID")) {
            return LOGISTIC;
        }
        if (key.equals("IDENTITY")) {
            return LINEAR;
        }
        return Activation.valueOf(key);
    }

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
