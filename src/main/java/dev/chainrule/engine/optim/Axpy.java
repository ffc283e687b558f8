package dev.chainrule.engine.optim;

import dev.chainrule.engine.Blas;
import org.nd4j.linalg.api.ndarray.INDArray;


/** y += a x through BLAS level 1 ({@link Blas}): the in-place update every optimiser needs, without a temporary. */
final class Axpy {
    private Axpy() {
    }

    static void apply(double a, INDArray x, INDArray y) {
        Blas.axpy(a, x, y);
    }
}
