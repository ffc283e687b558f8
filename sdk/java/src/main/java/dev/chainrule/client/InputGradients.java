package dev.chainrule.client;

/**
 * dJ/dx for each instance: the derivative of its loss with respect to each raw input.
 *
 * @param modelId   the model
 * @param version   the version that computed them
 * @param alias     the alias that led to the version (named, or the model's default); else null
 * @param gradients one array of {@code inputWidth} numbers per instance, in order
 */
public record InputGradients(String modelId, int version, String alias, double[][] gradients) {
}
