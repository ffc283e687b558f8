package dev.chainrule.engine.optim;

import dev.chainrule.engine.kernel.Elements;
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
    private static final int GRADIENT = 0;
    private static final int FIRST = 1;
    private static final int SECOND = 2;
    private static final int VALUE = 3;
    private final ParameterArrays arrays = new ParameterArrays(4);
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
            // [m, v]
            INDArray[] state = moments.computeIfAbsent(p.name(), k -> new INDArray[] {p.value().like(), p.value().like()});
            String name = p.name();
            int n = (int) p.value().length();
            // m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
            // theta -= eta (m / (sqrt(v / c2) + eps)) / c1, element by element in one pass
            if (Elements.isFloat(p.value())) {
                float[] g = arrays.loadFloats(name, GRADIENT, p.gradient());
                float[] m = arrays.loadFloats(name, FIRST, state[0]);
                float[] v = arrays.loadFloats(name, SECOND, state[1]);
                float[] theta = arrays.loadFloats(name, VALUE, p.value());
                float b1 = (float) beta1;
                float b2 = (float) beta2;
                float a1 = (float) (1 - beta1);
                float a2 = (float) (1 - beta2);
                float c1 = (float) correction1;
                float c2 = (float) correction2;
                float eps = (float) epsilon;
                float step = (float) -learningRate;
                for (int i = 0; i < n; i++) {
                    float gi = g[i];
                    float mi = Math.fma(a1, gi, m[i] * b1);
                    float vi = Math.fma(a2, gi * gi, v[i] * b2);
                    m[i] = mi;
                    v[i] = vi;
                    theta[i] = Math.fma(step, mi / ((float) Math.sqrt(vi / c2) + eps) / c1, theta[i]);
                }
                arrays.storeFloats(name, FIRST, state[0]);
                arrays.storeFloats(name, SECOND, state[1]);
                arrays.storeFloats(name, VALUE, p.value());
            } else {
                reference(p.value(), p.gradient(), state[0], state[1], correction1, correction2);
            }
        }
    }

    /** The same update in whole-array operations, as the rule is written: what float64 runs. */
    void reference(INDArray theta, INDArray g, INDArray m, INDArray v, double correction1, double correction2) {
        m.muli(beta1).addi(g.mul(1 - beta1));
        v.muli(beta2).addi(g.mul(g).muli(1 - beta2));
        INDArray denominator = Transforms.sqrt(v.div(correction2), false).addi(epsilon);
        theta.subi(m.div(denominator).divi(correction1).muli(learningRate));
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
                // [m, v], as step() keeps them
                moments.put(name, new INDArray[] {m, state.array(name, "v").dup('c')});
            }
        }
        steps = state.steps();
    }
}
