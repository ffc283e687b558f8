package dev.chainrule.engine.optim;

import dev.chainrule.engine.kernel.Elements;
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
    private static final int GRADIENT = 0;
    private static final int VELOCITY = 1;
    private static final int VALUE = 2;
    private final ParameterArrays arrays = new ParameterArrays(3);

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
            INDArray velocityOfP = velocity.computeIfAbsent(p.name(), k -> p.value().like());
            String name = p.name();
            int n = (int) p.value().length();
            // v = mu v - eta g; theta += v, element by element in one pass
            if (Elements.isFloat(p.value())) {
                float[] g = arrays.loadFloats(name, GRADIENT, p.gradient());
                float[] v = arrays.loadFloats(name, VELOCITY, velocityOfP);
                float[] theta = arrays.loadFloats(name, VALUE, p.value());
                float mu = (float) momentum;
                float step = (float) -learningRate;
                for (int i = 0; i < n; i++) {
                    float vi = Math.fma(step, g[i], v[i] * mu);
                    v[i] = vi;
                    theta[i] += vi;
                }
                arrays.storeFloats(name, VELOCITY, velocityOfP);
                arrays.storeFloats(name, VALUE, p.value());
            } else {
                reference(p.value(), p.gradient(), velocityOfP);
            }
        }
    }

    /** The same update in whole-array operations, as the rule is written: what float64 runs. */
    void reference(INDArray theta, INDArray g, INDArray velocity) {
        velocity.muli(momentum).subi(g.mul(learningRate));
        theta.addi(velocity);
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
