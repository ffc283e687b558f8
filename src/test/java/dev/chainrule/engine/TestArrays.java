package dev.chainrule.engine;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Plain-Java matrices for the tests: seeded random data, conversions, and the reference arithmetic. */
public final class TestArrays {
    private TestArrays() {
    }

    /** Uniform values in [lo, hi). */
    public static double[][] uniform(SplittableRandom random, int rows, int columns, double lo, double hi) {
        double[][] m = new double[rows][columns];
        for (double[] row : m) {
            for (int j = 0; j < columns; j++) {
                row[j] = random.nextDouble(lo, hi);
            }
        }
        return m;
    }

    /** Uniform magnitudes in [minAbs, maxAbs) with random signs: stays away from 0 (ReLU's kink). */
    public static double[][] awayFromZero(SplittableRandom random, int rows, int columns, double minAbs, double maxAbs) {
        double[][] m = uniform(random, rows, columns, minAbs, maxAbs);
        for (double[] row : m) {
            for (int j = 0; j < columns; j++) {
                if (random.nextBoolean()) {
                    row[j] = -row[j];
                }
            }
        }
        return m;
    }

    /** One-hot rows for random labels. */
    public static double[][] oneHot(SplittableRandom random, int rows, int classes) {
        double[][] m = new double[rows][classes];
        for (double[] row : m) {
            row[random.nextInt(classes)] = 1.0;
        }
        return m;
    }

    /** Random probability distributions (soft targets), each row summing to 1. */
    public static double[][] distributions(SplittableRandom random, int rows, int classes) {
        double[][] m = uniform(random, rows, classes, 0.1, 1.0);
        for (double[] row : m) {
            double sum = 0;
            for (double v : row) {
                sum += v;
            }
            for (int j = 0; j < classes; j++) {
                row[j] /= sum;
            }
        }
        return m;
    }

    /** A new float64, row-major INDArray holding a copy of m. */
    public static INDArray nd(double[][] m) {
        return Nd4j.createFromArray(m).castTo(DataType.DOUBLE).dup('c');
    }

    public static INDArray nd(double[][] m, DataType type) {
        return Nd4j.createFromArray(m).castTo(type).dup('c');
    }

    public static double[][] java(INDArray a) {
        return a.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    public static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int k = b.length;
        int m = b[0].length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i][p] * b[p][j];
                }
                c[i][j] = s;
            }
        }
        return c;
    }

    public static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    /** sum over all elements of a * b (the scalar objective sum(output * R) of the layer checks). */
    public static double dot(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                s += a[i][j] * b[i][j];
            }
        }
        return s;
    }

    /** sum(a * R) with a read from an engine array (in float64). */
    public static double dot(INDArray a, double[][] r) {
        return dot(java(a), r);
    }

    /** Rows [i] of m as a 1 x D matrix. */
    public static double[][] row(double[][] m, int i) {
        return new double[][] {m[i].clone()};
    }

    public static double maxAbsDifference(double[][] a, double[][] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return worst;
    }
}
