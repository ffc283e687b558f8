package dev.chainrule.dataset;

import dev.chainrule.engine.training.Dataset;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A seeded partition of a dataset's rows into a training part and a held-out test part. The same seed gives
 * the same split on every machine (a {@link SplittableRandom} shuffle); both parts keep the rows in their
 * original order.
 */
public final class DatasetSplit {
    private final int[] trainRows;
    private final int[] testRows;

    private DatasetSplit(int[] trainRows, int[] testRows) {
        if (trainRows.length == 0 || testRows.length == 0) {
            throw new IllegalArgumentException("the split leaves " + trainRows.length + " training and " + testRows.length
                    + " test rows; both need at least one: use more data or another test fraction");
        }
        this.trainRows = trainRows;
        this.testRows = testRows;
    }

    /** round(rows x testFraction) rows picked uniformly at random for the test part. */
    public static DatasetSplit random(int rows, double testFraction, long seed) {
        checkFraction(testFraction);
        int[] order = permutation(rows, new SplittableRandom(seed));
        int testCount = (int) Math.round(rows * testFraction);
        return fromOrder(order, testCount);
    }

    /**
     * Stratified by class: from each class's rows, round(count x testFraction) go to the test part, so both
     * parts keep the class proportions (up to rounding).
     *
     * @param classIds one class id (>= 0) per row
     */
    public static DatasetSplit stratified(int[] classIds, double testFraction, long seed) {
        checkFraction(testFraction);
        int classes = 0;
        for (int row = 0; row < classIds.length; row++) {
            if (classIds[row] < 0) {
                throw new IllegalArgumentException("class id " + classIds[row] + " of row " + row + " is negative");
            }
            classes = Math.max(classes, classIds[row] + 1);
        }
        // rows grouped by class (a counting sort): class c's rows are grouped[start[c] .. start[c + 1])
        int[] start = new int[classes + 1];
        for (int id : classIds) {
            start[id + 1]++;
        }
        for (int c = 0; c < classes; c++) {
            start[c + 1] += start[c];
        }
        int[] grouped = new int[classIds.length];
        int[] next = Arrays.copyOf(start, classes);
        for (int row = 0; row < classIds.length; row++) {
            grouped[next[classIds[row]]++] = row;
        }
        SplittableRandom random = new SplittableRandom(seed);
        boolean[] test = new boolean[classIds.length];
        int testCount = 0;
        for (int c = 0; c < classes; c++) {
            int count = start[c + 1] - start[c];
            int[] order = permutation(count, random);
            int take = (int) Math.round(count * testFraction);
            for (int i = 0; i < take; i++) {
                test[grouped[start[c] + order[i]]] = true;
            }
            testCount += take;
        }
        return fromMembership(test, testCount);
    }

    /** The training part of {@code data}, which must be the data this split was made for. */
    public Dataset train(Dataset data) {
        checkSize(data);
        return data.rows(trainRows);
    }

    /** The test part of {@code data}, which must be the data this split was made for. */
    public Dataset test(Dataset data) {
        checkSize(data);
        return data.rows(testRows);
    }

    /** Indices of the training rows, ascending. */
    public int[] trainRows() {
        return trainRows.clone();
    }

    /** Indices of the test rows, ascending. */
    public int[] testRows() {
        return testRows.clone();
    }

    public int size() {
        return trainRows.length + testRows.length;
    }

    private static DatasetSplit fromOrder(int[] order, int testCount) {
        boolean[] test = new boolean[order.length];
        for (int i = 0; i < testCount; i++) {
            test[order[i]] = true;
        }
        return fromMembership(test, testCount);
    }

    private static DatasetSplit fromMembership(boolean[] test, int testCount) {
        int[] trainRows = new int[test.length - testCount];
        int[] testRows = new int[testCount];
        int nextTrain = 0;
        int nextTest = 0;
        for (int row = 0; row < test.length; row++) {
            if (test[row]) {
                testRows[nextTest++] = row;
            } else {
                trainRows[nextTrain++] = row;
            }
        }
        return new DatasetSplit(trainRows, testRows);
    }

    /** A Fisher-Yates shuffle of 0..n-1. */
    private static int[] permutation(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static void checkFraction(double testFraction) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("testFraction must be in (0, 1), got " + testFraction);
        }
    }

    private void checkSize(Dataset data) {
        if (data.size() != size()) {
            throw new IllegalArgumentException("this split is for " + size() + " rows, the data has " + data.size());
        }
    }
}
