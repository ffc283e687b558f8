package dev.chainrule.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trainable array and the gradient that the last backward pass left for it. The optimiser reads the
 * gradient and updates the value in place; the layer owns both arrays.
 *
 * @param name        stable name, e.g. "1.W", used in saved models and optimiser state
 * @param value       the parameter itself
 * @param gradient    dJ/d(value), same shape, overwritten by each backward pass
 * @param regularised whether L1/L2 penalties apply: weights yes, biases no (seed 003's Omega(theta) over W)
 */
public record Parameter(String name, INDArray value, INDArray gradient, boolean regularised) {
}
