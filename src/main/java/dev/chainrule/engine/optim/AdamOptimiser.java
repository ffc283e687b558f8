package dev.chainrule.engine.optim;

import dev.chainrule.engine.Parameter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam (Kingma and Ba): running means of the gradient (m) and of its square (v), bias-corrected, give each
 * weight its own step size: theta <- theta - eta m-hat / (sqrt(v-hat) + eps).
 */
public final class AdamOptimiser implements Optimiser {
    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final Map<String, INDArray[]> moments = new HashMap<>();
    private long steps;

    public AdamOptimiser(double learningRate, double beta1, double beta2, double epsilon) {
        this.learningRate = OptimiserSettings.positive(learningRate, "learning rate");
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = OptimiserSettings.positive(epsilon, "Adam epsilon");
    }

    @Override
    public void step(List<Parameter> parameters) {
        steps++;
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2 = 1 - Math.pow(beta2, steps);
        for (Parameter p : parameters) {
            // [m, v, scratch]
            INDArray[] state = moments.computeIfAbsent(p.name(),
                    k -> new INDArray[] {p.value().like(), p.value().like(), p.value().like()});
            INDArray m = state[0];
            INDArray v = state[1];
            INDArray scratch = state[2];
            INDArray g = p.gradient();
            m.muli(beta1);
            Axpy.apply(1 - beta1, g, m);
            scratch.assign(g).muli(g);
            v.muli(beta2);
            Axpy.apply(1 - beta2, scratch, v);
            // scratch = m-hat / (sqrt(v-hat) + eps)
            Transforms.sqrt(scratch.assign(v).divi(correction2), false).addi(epsilon).rdivi(m).divi(correction1);
            Axpy.apply(-learningRate, scratch, p.value());
        }
    }

    @Override
    public double learningRate() {
        return learningRate;
    }

    /** Number of updates made so far (the t of the bias correction). */
    public long steps() {
        return steps;
    }

    @Override
    public OptimiserState state() {
        Map<String, INDArray> arrays = new HashMap<>();
        moments.forEach((name, state) -> {
            arrays.put(name + "/m", state[0].dup('c'));
            arrays.put(name + "/v", state[1].dup('c'));
        });
        return new OptimiserState(OptimiserSettings.Kind.ADAM, steps, arrays);
    }

    @Override
    public void restore(OptimiserState state) {
        state.requireKind(OptimiserSettings.Kind.ADAM);
        moments.clear();
        for (String key : state.arrays().keySet()) {
            String name = key.substring(0, key.lastIndexOf('/'));
            if (!moments.containsKey(name)) {
                INDArray m = state.array(name, "m").dup('c');
                // [m, v, scratch], as step() keeps them
                moments.put(name, new INDArray[] {m, state.array(name, "v").dup('c'), m.like()});
            }
        }
        steps = state.steps();
    }
}
