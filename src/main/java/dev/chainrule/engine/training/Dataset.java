package dev.chainrule.engine.training;

import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Observations as rows: features T x D and targets T x K (one-hot rows for classes, 0/1 columns for binary
 * targets, real values for regression).
 */
public record Dataset(INDArray features, INDArray targets) {

    public Dataset {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(targets, "targets");
        if (features.rank() != 2 || targets.rank() != 2) {
            throw new IllegalArgumentException("features and targets must be matrices");
        }
        if (features.rows() != targets.rows()) {
            throw new IllegalArgumentException("features have " + features.rows() + " rows but targets have " + targets.rows());
        }
    }

    public int size() {
        return (int) features.rows();
    }

    /** Rows [from, to) as a new dataset with its own copies. */
    public Dataset slice(int from, int to) {
        int[] rows = new int[to - from];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = from + i;
        }
        return rows(rows);
    }

    /** The given rows, in the given order, as a new dataset with its own copies. */
    public Dataset rows(int[] indices) {
        return new Dataset(features.getRows(indices).dup('c'), targets.getRows(indices).dup('c'));
    }

    /** The same data in another floating-point type. */
    public Dataset castTo(DataType type) {
        if (features.dataType() == type && targets.dataType() == type) {
            return this;
        }
        return new Dataset(features.castTo(type), targets.castTo(type));
    }

    /** One-hot rows for integer class labels in [0, classes). */
    public static INDArray oneHot(int[] labels, int classes, DataType type) {
        INDArray out = Nd4j.create(type, labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is outside [0, " + classes + ")");
            }
            out.putScalar(i, labels[i], 1.0);
        }
        return out;
    }
}
