package dev.chainrule.client;

/**
 * One fully connected layer: its units and the activation after it.
 *
 * @param units      units in the layer
 * @param activation the function after it
 * @param pieces     for {@link Activation#MAXOUT} only: the pieces each unit takes the largest of; null otherwise
 */
public record Layer(int units, Activation activation, Integer pieces) {

    /** A layer of any activation but maxout. */
    public Layer(int units, Activation activation) {
        this(units, activation, null);
    }

    /** A maxout layer: units x pieces values, each unit's largest piece kept. */
    public static Layer maxout(int units, int pieces) {
        return new Layer(units, Activation.MAXOUT, pieces);
    }
}
