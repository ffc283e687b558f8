package dev.chainrule.engine.optim;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.Parameter;
import java.util.List;

/**
 * Plain (minibatch) stochastic gradient descent, theta <- theta - eta dJ/dtheta (seeds 003, 004). With a
 * batch of 1 it is per-example SGD; with the whole training set as the batch, full-batch gradient descent.
 */
public final class SgdOptimiser implements Optimiser {
    private final double learningRate;

    public SgdOptimiser(double learningRate) {
        this.learningRate = OptimiserSettings.positive(learningRate, "learning rate");
    }

    @Override
    public void step(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            Blas.axpy(-learningRate, p.gradient(), p.value());
        }
    }

    @Override
    public double learningRate() {
        return learningRate;
    }

    /** Plain SGD remembers nothing between steps. */
    @Override
    public OptimiserState state() {
        return OptimiserState.fresh(OptimiserSettings.Kind.SGD);
    }

    @Override
    public void restore(OptimiserState state) {
        state.requireKind(OptimiserSettings.Kind.SGD);
    }
}
