package dev.chainrule.engine;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.ReusedArray;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.same.Sign;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The regulariser lambda Omega(theta) of seed 003, over weights only (biases are not penalised: they do not
 * grow the function's slope, and penalising them only biases the fit):
 * Omega = l2 * sum W^2 + l1 * sum |W|, gradient 2 l2 W + l1 sign(W) (sign(0) = 0, a subgradient of |w| at 0).
 * The penalty is added to the reported loss and its gradient to each minibatch's gradient.
 */
public final class Regularisation {
    private final double l1;
    private final double l2;
    private final Map<String, ReusedArray> signs = new HashMap<>();

    public Regularisation(double l1, double l2) {
        if (!(l1 >= 0) || !(l2 >= 0) || Double.isInfinite(l1) || Double.isInfinite(l2)) {
            throw new IllegalArgumentException("l1 and l2 must be finite and >= 0, got " + l1 + ", " + l2);
        }
        this.l1 = l1;
        this.l2 = l2;
    }

    public boolean isActive() {
        return l1 > 0 || l2 > 0;
    }

    /** lambda Omega(theta) for the current parameter values. */
    public double penalty(List<Parameter> parameters) {
        double total = 0;
        for (Parameter p : parameters) {
            if (!p.regularised()) {
                continue;
            }
            if (l2 > 0) {
                double norm = p.value().norm2Number().doubleValue();
                total += l2 * norm * norm;
            }
            if (l1 > 0) {
                total += l1 * p.value().norm1Number().doubleValue();
            }
        }
        return total;
    }

    /** Adds lambda grad Omega to each penalised parameter's gradient, in place. */
    public void addGradients(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            if (!p.regularised()) {
                continue;
            }
            INDArray w = p.value();
            if (l2 > 0) {
                Blas.axpy(2 * l2, w, p.gradient());
            }
            if (l1 > 0) {
                INDArray sign = signs.computeIfAbsent(p.name(), k -> new ReusedArray()).get(w.dataType(), w.rows(), w.columns());
                Nd4j.exec(new Sign(w, sign));
                Blas.axpy(l1, sign, p.gradient());
            }
        }
    }

    public double l1() {
        return l1;
    }

    public double l2() {
        return l2;
    }
}
