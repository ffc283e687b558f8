package dev.chainrule.engine;

import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.layer.MaxoutLayer;
import java.util.Objects;

/**
 * One fully connected layer of a definition and the activation that follows it.
 *
 * @param units      output width K of the layer
 * @param activation applied to the layer's output
 * @param pieces     for maxout, the pieces each unit takes the largest of (at least 2): the fully connected layer then
 *                   computes units x pieces values; 1 for every other activation
 */
public record LayerSpec(int units, Activation activation, int pieces) {
    public LayerSpec {
        Objects.requireNonNull(activation, "activation");
        if (units <= 0) {
            throw new IllegalArgumentException("units must be positive, got " + units);
        }
        if (activation == Activation.MAXOUT ? pieces < 2 : pieces != 1) {
            throw new IllegalArgumentException(activation == Activation.MAXOUT
                    ? "maxout needs at least 2 pieces, got " + pieces
                    : "pieces is only for maxout; " + activation.jsonName() + " has none");
        }
        Math.multiplyExact(units, pieces); // the fully connected layer's width must be an int
    }

    /** A layer of any activation but maxout. */
    public LayerSpec(int units, Activation activation) {
        this(units, activation, 1);
    }

    /** A maxout layer of {@code units} units, each the largest of {@code pieces} pieces. */
    public static LayerSpec maxout(int units, int pieces) {
        return new LayerSpec(units, Activation.MAXOUT, pieces);
    }

    /** The width of the fully connected layer: units x pieces. */
    public int linearWidth() {
        return units * pieces;
    }

    /** A new layer applying this spec's activation to the fully connected layer's output. */
    public Layer activationLayer() {
        return activation == Activation.MAXOUT ? new MaxoutLayer(units, pieces) : activation.newLayer();
    }
}
