package dev.chainrule.engine.optim;

import dev.chainrule.engine.Parameter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SGD with (heavy-ball) momentum: v <- mu v - eta g; theta <- theta + v. The velocity averages recent
 * gradients, so steps grow along consistent directions and oscillations across a valley cancel out.
 */
public final class MomentumOptimiser implements Optimiser {
    private final double learningRate;
    private final double momentum;
    private final Map<String, INDArray> velocity = new HashMap<>();

    public MomentumOptimiser(double learningRate, double momentum) {
        this.learningRate = OptimiserSettings.positive(learningRate, "learning rate");
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.momentum = momentum;
    }

    @Override
    public void step(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            INDArray v = velocity.computeIfAbsent(p.name(), k -> p.value().like());
            v.muli(momentum);
            Axpy.apply(-learningRate, p.gradient(), v);
            p.value().addi(v);
        }
    }

    @Override
    public double learningRate() {
        return learningRate;
    }

    /** The velocity kept for each parameter, by parameter name (for checkpoints). */
    public Map<String, INDArray> velocity() {
        return velocity;
    }

    @Override
    public OptimiserState state() {
        Map<String, INDArray> arrays = new HashMap<>();
        velocity.forEach((name, v) -> arrays.put(name + "/velocity", v.dup('c')));
        return new OptimiserState(OptimiserSettings.Kind.MOMENTUM, 0, arrays);
    }

    @Override
    public void restore(OptimiserState state) {
        state.requireKind(OptimiserSettings.Kind.MOMENTUM);
        velocity.clear();
        state.arrays().forEach((name, v) -> velocity.put(name.substring(0, name.lastIndexOf('/')), v.dup('c')));
    }
}
