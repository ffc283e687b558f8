package dev.chainrule.dataset;

import dev.chainrule.engine.training.Dataset;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The numbers of a CSV file, split into feature columns and target column(s), one row per data line, as
 * {@link CsvDatasetReader} read them (float32). Turns them into the engine's matrices: features T x D,
 * the target values as they are (T x K, for regression or a 0/1 logistic target), or one-hot class rows.
 */
public final class CsvTable {
    private final String source;
    private final List<String> featureNames;
    private final List<String> targetNames;
    private final GrowableFloatMatrix features;
    private final GrowableFloatMatrix targets;
    private final int[] lineNumbers;

    CsvTable(String source, List<String> featureNames, List<String> targetNames, GrowableFloatMatrix features,
             GrowableFloatMatrix targets, int[] lineNumbers) {
        if (features.rows() != targets.rows() || lineNumbers.length != features.rows()) {
            throw new IllegalArgumentException("features, targets and line numbers must have one entry per row");
        }
        this.source = source;
        this.featureNames = List.copyOf(featureNames);
        this.targetNames = List.copyOf(targetNames);
        this.features = features;
        this.targets = targets;
        this.lineNumbers = lineNumbers;
    }

    /** Where the data came from (a file name), as the error messages name it. */
    public String source() {
        return source;
    }

    /** Names of the feature columns, in file order. */
    public List<String> featureNames() {
        return featureNames;
    }

    /** Names of the target columns, in the order the reader was asked for them. */
    public List<String> targetNames() {
        return targetNames;
    }

    /** Number of data rows (blank lines are not rows). */
    public int rows() {
        return features.rows();
    }

    public float feature(int row, int column) {
        return features.get(row, column);
    }

    public float target(int row, int column) {
        return targets.get(row, column);
    }

    /** The 1-based line of the file that row {@code row} (0-based) starts on; the header is line 1. */
    public int lineNumber(int row) {
        return lineNumbers[row];
    }

    /** The feature columns as a new T x D matrix. */
    public INDArray features(DataType type) {
        return features.toMatrix(type);
    }

    /** The target column(s) as read, a new T x K matrix: a regression target, or 0/1 for a logistic output. */
    public INDArray targetValues(DataType type) {
        return targets.toMatrix(type);
    }

    /**
     * The single target column as class ids.
     *
     * @throws InvalidCsvException naming the line and column of the first value that is not an integer >= 0
     * @throws IllegalStateException when there is more than one target column
     */
    public int[] classIds() throws InvalidCsvException {
        if (targets.columns() != 1) {
            throw new IllegalStateException("class ids need exactly one target column, this table has " + targetNames);
        }
        int[] ids = new int[rows()];
        for (int row = 0; row < ids.length; row++) {
            float value = targets.get(row, 0);
            // below 2^31 - 1, so that classes = max id + 1 is still an int
            if (!(value >= 0) || value != Math.rint(value) || value >= Integer.MAX_VALUE) {
                throw new InvalidCsvException(source, lineNumbers[row], targetNames.get(0),
                        "'" + value + "' is not a class id (class ids are integers >= 0)");
            }
            ids[row] = (int) value;
        }
        return ids;
    }

    /** The number of classes the target column implies: its largest class id + 1. */
    public int classCount() throws InvalidCsvException {
        return classCount(classIds());
    }

    /** One-hot rows T x classes, classes = largest class id + 1. */
    public INDArray oneHotTargets(DataType type) throws InvalidCsvException {
        int[] ids = classIds();
        return Dataset.oneHot(ids, classCount(ids), type);
    }

    /** Features and one-hot class targets, for a softmax output with cross-entropy. */
    public Dataset classificationDataset(DataType type) throws InvalidCsvException {
        return new Dataset(features(type), oneHotTargets(type));
    }

    /** Features and the target values as read (T x K), for squared error, or log loss on 0/1 targets. */
    public Dataset valueDataset(DataType type) {
        return new Dataset(features(type), targetValues(type));
    }

    private static int classCount(int[] ids) {
        int max = 0;
        for (int id : ids) {
            max = Math.max(max, id);
        }
        return max + 1;
    }
}
