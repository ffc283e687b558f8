package dev.chainrule.api.rows;

import dev.chainrule.api.problem.FieldErrors;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Rows of raw feature values from a JSON body, checked and packed into one float32 T x D matrix. */
public final class FeatureRows {
    private FeatureRows() {
    }

    /**
     * @param field     the JSON path of the rows, for error messages
     * @param maxRows   the configured limit and, in {@code limitName}, its property name
     * @return the matrix, or null when something was wrong (then {@code errors} says what)
     */
    public static INDArray toMatrix(double[][] rows, int width, String field, int maxRows, String limitName, FieldErrors errors) {
        if (rows == null || rows.length == 0) {
            errors.add(field, "needs at least one row of " + width + " numbers");
            return null;
        }
        if (rows.length > maxRows) {
            errors.add(field, "has " + rows.length + " rows; at most " + maxRows + " are allowed (" + limitName + ")");
            return null;
        }
        float[] x = new float[Math.multiplyExact(rows.length, width)];
        boolean valid = true;
        for (int r = 0; r < rows.length && !errors.isFull(); r++) {
            double[] row = rows[r];
            if (row == null || row.length != width) {
                errors.add(field + "[" + r + "]", "must have " + width + " values (the model's inputWidth), got "
                        + (row == null ? "null" : row.length));
                valid = false;
                continue;
            }
            for (int c = 0; c < width; c++) {
                if (!Double.isFinite(row[c]) || Math.abs(row[c]) > Float.MAX_VALUE) {
                    errors.add(field + "[" + r + "][" + c + "]", "must be a finite number, got " + row[c]);
                    valid = false;
                }
                x[r * width + c] = (float) row[c];
            }
        }
        return valid && !errors.isFull() ? Nd4j.create(x, new long[] {rows.length, width}, 'c') : null;
    }

    /**
     * Checks rows read by {@link InstanceRows} against the model's input width and the row limit, adding a field
     * error for each problem (the same errors {@link #toMatrix} gives).
     *
     * @return whether the rows can go into the network as they are
     */
    public static boolean check(InstanceRows rows, int width, String field, int maxRows, String limitName, FieldErrors errors) {
        if (rows == null || rows.rows() == 0) {
            errors.add(field, "needs at least one row of " + width + " numbers");
            return false;
        }
        if (rows.rows() > maxRows) {
            errors.add(field, "has " + rows.rows() + " rows; at most " + maxRows + " are allowed (" + limitName + ")");
            return false;
        }
        boolean valid = true;
        for (int r = 0; r < rows.rows() && !errors.isFull(); r++) {
            if (rows.isNull(r) || rows.width(r) != width) {
                errors.add(field + "[" + r + "]", "must have " + width + " values (the model's inputWidth), got "
                        + (rows.isNull(r) ? "null" : rows.width(r)));
                valid = false;
            }
        }
        for (InstanceRows.OutOfRange bad : rows.outOfRange()) {
            if (errors.isFull()) {
                break;
            }
            errors.add(field + "[" + bad.row() + "][" + bad.column() + "]", "must be a finite number, got " + bad.value());
            valid = false;
        }
        return valid && !errors.isFull();
    }
}
