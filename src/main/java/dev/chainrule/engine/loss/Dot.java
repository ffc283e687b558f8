package dev.chainrule.engine.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The sum of element-wise products of two same-shaped arrays, as one BLAS call when both are laid out alike. */
final class Dot {
    private Dot() {
    }

    static double of(INDArray a, INDArray b) {
        boolean blas = a.ordering() == b.ordering() && a.elementWiseStride() == 1 && b.elementWiseStride() == 1
                && a.dataType() == b.dataType();
        if (!blas) {
            return a.mul(b).sumNumber().doubleValue();
        }
        return Nd4j.getBlasWrapper().level1().dot(a.length(), 1.0, a, b);
    }
}
