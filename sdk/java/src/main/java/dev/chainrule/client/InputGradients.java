package dev.chainrule.client;

/**
 * dJ/dx for each instance: the derivative of its loss with respect to each raw input.
 *
 * @param modelId   the model
 * @param version   the version that computed them
 * @param gradients one array of {@code inputWidth} numbers per instance, in order
 */
public record InputGradients(String modelId, int version, double[][] gradients) {
}
