package dev.chainrule.engine.model;

import dev.chainrule.engine.kernel.Blas;
import dev.chainrule.engine.kernel.NioView;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Z-score standardisation x' = (x - mean) / std per input column, fitted on the training data and kept with
 * the model so predictions see inputs on the scale the weights learned. A constant column (std 0) gets
 * std 1, so it maps to 0 instead of dividing by zero.
 *
 * @param mean 1 x D column means (float64)
 * @param std  1 x D column standard deviations (population), float64
 */
public record Standardiser(INDArray mean, INDArray std) {

    public Standardiser {
        if (mean.columns() != std.columns() || mean.rows() != 1 || std.rows() != 1) {
            throw new IllegalArgumentException("mean and std must both be 1 x D");
        }
    }

    /** Column means and standard deviations of a T x D matrix, computed in float64. */
    public static Standardiser fit(INDArray features) {
        if (features.rank() == 2 && features.dataType() == DataType.FLOAT && Blas.isDirectlyUsable(features)
                && features.length() <= Integer.MAX_VALUE) {
            return fitRows(features);
        }
        INDArray x = features.castTo(DataType.DOUBLE);
        INDArray mean = x.mean(0).reshape(1, x.columns());
        INDArray std = x.std(false, 0).reshape(1, x.columns());
        // A column is constant when all its values are equal, tested exactly as max == min. This replaces
        // std.replaceWhere(ones, Conditions.equals(0.0)): ND4J's equals condition matches within
        // Nd4j.EPS_THRESHOLD (1e-5), so it also replaced the real spread of every column with std <= 1e-5
        // (features in small units, e.g. 1e-6) by 1, and such columns were then not standardised at all.
        // max == min does not depend on the std's round-off either (a constant 0.1 column's mean is an ulp off).
        double[] max = x.max(0).toDoubleVector();
        double[] min = x.min(0).toDoubleVector();
        for (int j = 0; j < max.length; j++) {
            if (max[j] == min[j]) {
                std.putScalar(0, j, 1.0);
                mean.putScalar(0, j, max[j]); // so the column maps to exactly 0
            }
        }
        return new Standardiser(mean, std);
    }

    /**
     * The same statistics in two passes over the float32 rows (sums in float64): ND4J's column reductions of a
     * large matrix were many times slower on one thread, and its float64 copy takes as much memory again as the
     * data (bench/results/2026-12-06-whole-job.md).
     */
    private static Standardiser fitRows(INDArray features) {
        int rows = (int) features.rows();
        int columns = (int) features.columns();
        FloatBuffer all = new NioView().floats(features);
        float[] row = new float[columns];
        double[] sum = new double[columns];
        float[] min = new float[columns];
        float[] max = new float[columns];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (int r = 0; r < rows; r++) {
            all.get(r * columns, row);
            // two loops over the row: the JIT vectorises min and max alone, not beside the float64 sums
            for (int j = 0; j < columns; j++) {
                sum[j] += row[j];
            }
            for (int j = 0; j < columns; j++) {
                min[j] = Math.min(min[j], row[j]);
                max[j] = Math.max(max[j], row[j]);
            }
        }
        double[] mean = new double[columns];
        for (int j = 0; j < columns; j++) {
            mean[j] = sum[j] / rows;
        }
        double[] squares = new double[columns];
        for (int r = 0; r < rows; r++) {
            all.get(r * columns, row);
            for (int j = 0; j < columns; j++) {
                double d = row[j] - mean[j];
                squares[j] += d * d;
            }
        }
        double[] std = new double[columns];
        for (int j = 0; j < columns; j++) {
            // a constant column (max == min, exactly) maps to 0: see the float64 path below
            std[j] = max[j] == min[j] ? 1.0 : Math.sqrt(squares[j] / rows);
            mean[j] = max[j] == min[j] ? max[j] : mean[j];
        }
        return new Standardiser(Nd4j.createFromArray(mean).reshape(1, columns), Nd4j.createFromArray(std).reshape(1, columns));
    }

    public int width() {
        return (int) mean.columns();
    }

    /** (x - mean) / std as a new array of x's type. */
    public INDArray apply(INDArray features) {
        checkWidth(features);
        INDArray m = mean.castTo(features.dataType());
        INDArray s = std.castTo(features.dataType());
        return features.subRowVector(m).diviRowVector(s);
    }

    /**
     * (x - mean) / std written over x itself, the same float32 values as {@link #apply} (each a float32 subtraction
     * then a float32 division), without a second matrix; an array that is not contiguous float32 gets a new one, as
     * from {@link #apply}.
     *
     * @return x, standardised, or the new array
     */
    public INDArray applyInPlace(INDArray features) {
        checkWidth(features);
        if (features.dataType() != DataType.FLOAT || !Blas.isDirectlyUsable(features) || features.length() > Integer.MAX_VALUE) {
            return apply(features);
        }
        int rows = (int) features.rows();
        int columns = (int) features.columns();
        float[] m = meanFloat32();
        float[] s = stdFloat32();
        FloatBuffer all = new NioView().floats(features);
        float[] row = new float[columns];
        for (int r = 0; r < rows; r++) {
            all.get(r * columns, row);
            for (int j = 0; j < columns; j++) {
                row[j] = (row[j] - m[j]) / s[j];
            }
            all.put(r * columns, row);
        }
        return features;
    }

    /** The column means as float32: what {@link #apply} computes with on a float32 network. */
    public float[] meanFloat32() {
        return mean.castTo(DataType.FLOAT).data().asFloat();
    }

    /** The column standard deviations as float32, as {@link #meanFloat32}. */
    public float[] stdFloat32() {
        return std.castTo(DataType.FLOAT).data().asFloat();
    }

    /**
     * Carries a gradient w.r.t. the standardised input back to the raw input: dx'/dx = 1 / std per column
     * (the chain rule once more), so explanations are in the units the caller sent.
     */
    public INDArray backward(INDArray gradientOfStandardised) {
        checkWidth(gradientOfStandardised);
        return gradientOfStandardised.divRowVector(std.castTo(gradientOfStandardised.dataType()));
    }

    private void checkWidth(INDArray features) {
        if (features.rank() != 2 || features.columns() != mean.columns()) {
            throw new IllegalArgumentException("expected " + mean.columns() + " columns, got shape "
                    + java.util.Arrays.toString(features.shape()));
        }
    }
}
