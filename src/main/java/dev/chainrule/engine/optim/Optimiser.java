package dev.chainrule.engine.optim;

import dev.chainrule.engine.Parameter;
import java.util.List;

/**
 * Turns the gradients a backward pass left in the parameters into one update of their values
 * (seed 004: theta_(t+1) = theta_t - eta grad theta_t, and its refinements). Called once per minibatch.
 */
public interface Optimiser {

    /** Updates every parameter in place from its current gradient. */
    void step(List<Parameter> parameters);

    /** The learning rate eta. */
    double learningRate();

    /** A copy of everything the next steps depend on besides the parameters and gradients (for checkpoints). */
    OptimiserState state();

    /**
     * Replaces this optimiser's state with a copy of {@code state}, taken from an optimiser of the same kind
     * and settings, so that the following steps are those that optimiser would have made.
     */
    void restore(OptimiserState state);
}
