package dev.chainrule.engine.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y += a x through BLAS level 1: the in-place update every optimiser needs, without a temporary. */
final class Axpy {
    private Axpy() {
    }

    static void apply(double a, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(x.length(), a, x, y);
    }
}
