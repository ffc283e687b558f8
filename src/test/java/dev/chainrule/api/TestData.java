package dev.chainrule.api;

import dev.chainrule.dataset.TestDatasets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The real datasets of the repository's datasets/ folder (one header row, numbers only, target in the last
 * column), and a seeded held-out split made on the test side, so the service never sees the rows it is judged on.
 */
final class TestData {
    private TestData() {
    }

    /** Features and targets of one dataset, row by row. */
    record Table(double[][] features, double[] targets) {
        int rows() {
            return targets.length;
        }

        /** Targets as integers (class ids, 0/1 labels). */
        int[] labels() {
            return Arrays.stream(targets).mapToInt(t -> (int) t).toArray();
        }

        /** Rows kept back for testing and rows to train on, after a seeded shuffle: {train, test}. */
        Table[] split(double testFraction, long seed) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < rows(); i++) {
                order.add(i);
            }
            java.util.Collections.shuffle(order, new Random(seed));
            int test = (int) Math.round(rows() * testFraction);
            return new Table[] {subset(order.subList(test, rows())), subset(order.subList(0, test))};
        }

        private Table subset(List<Integer> rows) {
            double[][] x = new double[rows.size()][];
            double[] y = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                x[i] = features[rows.get(i)];
                y[i] = targets[rows.get(i)];
            }
            return new Table(x, y);
        }
    }

    /** e.g. {@code load("iris/iris.csv")}. */
    static Table load(String relative) {
        List<String> lines;
        try {
            lines = Files.readAllLines(TestDatasets.file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<double[]> features = new ArrayList<>();
        List<Double> targets = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            double[] values = Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray();
            features.add(Arrays.copyOf(values, values.length - 1));
            targets.add(values[values.length - 1]);
        }
        return new Table(features.toArray(double[][]::new), targets.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
