package dev.chainrule.client;

/**
 * One fully connected layer: its units and the activation after it.
 *
 * @param units      units in the layer
 * @param activation the function after it
 */
public record Layer(int units, Activation activation) {
}
