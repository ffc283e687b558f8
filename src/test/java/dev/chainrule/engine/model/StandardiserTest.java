package dev.chainrule.engine.model;

import static dev.chainrule.engine.TestArrays.java;
import static dev.chainrule.engine.TestArrays.nd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.chainrule.engine.TestArrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Z-score standardisation: fitted means and (population) standard deviations against hand computations,
 * whatever the columns' scale; constant columns map to 0 instead of dividing by zero; apply and backward
 * against (x - mean) / std and g / std.
 */
class StandardiserTest {
    private static final int T = 25;

    /** Columns of very different scales and offsets: ~1, ~1000 around 5000, and ~1e-6 (e.g. metres of a micro-scale). */
    private static double[][] features() {
        SplittableRandom random = new SplittableRandom(191);
        double[][] x = new double[T][3];
        for (double[] row : x) {
            row[0] = random.nextDouble(-1, 1);
            row[1] = 5000 + 1000 * random.nextGaussian();
            row[2] = 1e-6 * random.nextDouble(0, 1);
        }
        return x;
    }

    private static double[] handMean(double[][] x) {
        double[] mean = new double[x[0].length];
        for (double[] row : x) {
            for (int j = 0; j < row.length; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < mean.length; j++) {
            mean[j] /= x.length;
        }
        return mean;
    }

    private static double[] handStd(double[][] x) {
        double[] mean = handMean(x);
        double[] std = new double[mean.length];
        for (double[] row : x) {
            for (int j = 0; j < row.length; j++) {
                std[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
            }
        }
        for (int j = 0; j < std.length; j++) {
            std[j] = Math.sqrt(std[j] / x.length); // population: divide by T, not T - 1
        }
        return std;
    }

    @Test
    void fittedMeanAndStdEqualHandComputationsAtEveryScale() {
        double[][] x = features();
        Standardiser standardiser = Standardiser.fit(nd(x));
        double[] mean = handMean(x);
        double[] std = handStd(x);
        assertThat(standardiser.width()).isEqualTo(3);
        assertThat(standardiser.mean().shape()).containsExactly(1, 3);
        assertThat(standardiser.std().shape()).containsExactly(1, 3);
        for (int j = 0; j < 3; j++) {
            assertThat(standardiser.mean().getDouble(0, j)).as("mean of column %d", j)
                    .isCloseTo(mean[j], within(1e-12 * Math.abs(mean[j])));
            assertThat(standardiser.std().getDouble(0, j)).as("std of column %d", j)
                    .isCloseTo(std[j], within(1e-12 * std[j]));
        }
    }

    @Test
    void standardisedColumnsHaveMeanZeroAndStdOneAtEveryScale() {
        double[][] x = features();
        double[][] z = java(Standardiser.fit(nd(x)).apply(nd(x)));
        double[] mean = handMean(z);
        double[] std = handStd(z);
        for (int j = 0; j < 3; j++) {
            assertThat(mean[j]).as("column %d", j).isCloseTo(0, within(1e-12));
            assertThat(std[j]).as("column %d", j).isCloseTo(1, within(1e-12));
        }
    }

    @Test
    void fitsFloatInputsInFloat64() {
        double[][] x = features();
        INDArray floats = nd(x, DataType.FLOAT);
        Standardiser standardiser = Standardiser.fit(floats);
        assertThat(standardiser.mean().dataType()).isEqualTo(DataType.DOUBLE);
        double[][] rounded = java(floats); // the float32 values, exactly, as doubles
        double[] std = handStd(rounded);
        for (int j = 0; j < 3; j++) {
            assertThat(standardiser.std().getDouble(0, j)).isCloseTo(std[j], within(1e-12 * std[j]));
        }
        assertThat(standardiser.apply(floats).dataType()).isEqualTo(DataType.FLOAT);
    }

    @Test
    void constantColumnsMapToZeroWithoutDividingByZero() {
        // 0.1 and 7 repeated (0.1's computed mean is an ulp or so off 0.1, so this also checks that round-off
        // in the mean does not turn into a visible value): each maps to 0, its std counts as 1
        double[][] x = features();
        for (double[] row : x) {
            row[0] = 0.1;
            row[2] = 7;
        }
        Standardiser standardiser = Standardiser.fit(nd(x));
        assertThat(standardiser.std().getDouble(0, 0)).isEqualTo(1.0);
        assertThat(standardiser.std().getDouble(0, 2)).isEqualTo(1.0);
        double[][] z = java(standardiser.apply(nd(x)));
        for (double[] row : z) {
            assertThat(Math.abs(row[0])).isLessThanOrEqualTo(1e-15);
            assertThat(Math.abs(row[2])).isLessThanOrEqualTo(1e-15);
            assertThat(row[1]).isFinite();
        }
        double[][] g = java(standardiser.backward(nd(new double[][] {{2, 3, 4}})));
        assertThat(g[0][0]).isEqualTo(2.0);
        assertThat(g[0][2]).isEqualTo(4.0);
        assertThat(g[0][1]).isCloseTo(3 / standardiser.std().getDouble(0, 1), within(1e-15));
    }

    @Test
    void applyAndBackwardAreTheFormulas() {
        double[][] x = features();
        Standardiser standardiser = Standardiser.fit(nd(x));
        double[] mean = handMean(x);
        double[] std = handStd(x);
        double[][] fresh = TestArrays.uniform(new SplittableRandom(192), 4, 3, -2, 2);
        double[][] z = java(standardiser.apply(nd(fresh)));
        double[][] g = java(standardiser.backward(nd(fresh)));
        for (int t = 0; t < 4; t++) {
            for (int j = 0; j < 3; j++) {
                double expected = (fresh[t][j] - mean[j]) / std[j];
                assertThat(z[t][j]).isCloseTo(expected, within(1e-12 * Math.max(1, Math.abs(expected))));
                assertThat(g[t][j]).isCloseTo(fresh[t][j] / std[j], within(1e-12 * Math.abs(fresh[t][j] / std[j])));
            }
        }
        // apply does not modify its argument
        INDArray argument = nd(fresh);
        standardiser.apply(argument);
        assertThat(java(argument)).isEqualTo(fresh);
    }

    /**
     * float32 rows take a two-pass Java path (sums in float64) instead of ND4J's column reductions; it must give
     * the same standardisation the float32 network sees, to the bit, including constant columns.
     */
    @Test
    void theFloat32PathStandardisesExactlyAsTheFloat64Path() throws java.io.IOException {
        INDArray x = dev.chainrule.dataset.CsvDatasetReader.lastColumnAsTarget()
                .read(dev.chainrule.dataset.TestDatasets.file("breast_cancer/breast_cancer.csv")).features(DataType.FLOAT);
        x.getColumn(3).assign(0.1f); // a constant column
        Standardiser rows = Standardiser.fit(x);
        Standardiser reductions = Standardiser.fit(x.dup('f')); // column-major: not the row path
        float[] rowsMean = rows.mean().castTo(DataType.FLOAT).toFloatVector();
        float[] rowsStd = rows.std().castTo(DataType.FLOAT).toFloatVector();
        assertThat(rowsMean).isEqualTo(reductions.mean().castTo(DataType.FLOAT).toFloatVector());
        assertThat(rowsStd).isEqualTo(reductions.std().castTo(DataType.FLOAT).toFloatVector());
        assertThat(rowsStd[3]).isEqualTo(1f);
        assertThat(rows.apply(x)).isEqualTo(reductions.apply(x));
        assertThat(rows.apply(x).getColumn(3).maxNumber().floatValue()).isZero();
    }
    /**
     * Jobs standardise their own rows in place: every value must be the one {@link Standardiser#apply} gives, to the
     * bit (the trained weights depend on it), at every scale and on a constant column.
     */
    @Test
    void applyInPlaceWritesApplysValuesToTheBitOverItsArgument() throws java.io.IOException {
        INDArray x = dev.chainrule.dataset.CsvDatasetReader.lastColumnAsTarget()
                .read(dev.chainrule.dataset.TestDatasets.file("breast_cancer/breast_cancer.csv")).features(DataType.FLOAT);
        x.getColumn(3).assign(0.1f);
        INDArray scales = nd(features(), DataType.FLOAT);
        for (INDArray data : new INDArray[] {x, scales}) {
            Standardiser standardiser = Standardiser.fit(data);
            float[] expected = standardiser.apply(data).data().asFloat();
            INDArray own = data.dup('c');
            INDArray result = standardiser.applyInPlace(own);
            assertThat(result).isSameAs(own);
            float[] actual = own.data().asFloat();
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.length; i++) {
                assertThat(Float.floatToRawIntBits(actual[i])).as("value %d", i).isEqualTo(Float.floatToRawIntBits(expected[i]));
            }
        }
        // float64 (or any array the float32 path cannot write) gets a new array, its argument left as it was
        double[][] fresh = features();
        INDArray doubles = nd(fresh);
        Standardiser standardiser = Standardiser.fit(doubles);
        INDArray result = standardiser.applyInPlace(doubles);
        assertThat(result).isNotSameAs(doubles).isEqualTo(standardiser.apply(doubles));
        assertThat(java(doubles)).isEqualTo(fresh);
    }
}
