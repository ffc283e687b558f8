package dev.chainrule.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The 150 rows of the repository's datasets/iris/iris.csv (4 measurements, then the class id 0, 1 or 2), read
 * here with plain string splitting, independently of the service's CSV reader. The pom passes datasets/'s path
 * as {@code -Dchainrule.datasets}.
 */
record Iris(Path csv, List<String> header, double[][] features, int[] classes) {

    static Iris load() throws IOException {
        Path csv = datasetFile("iris/iris.csv");
        List<String> lines = Files.readAllLines(csv).stream().filter(line -> !line.isBlank()).toList();
        int rows = lines.size() - 1;
        double[][] features = new double[rows][4];
        int[] classes = new int[rows];
        for (int i = 0; i < rows; i++) {
            String[] cells = lines.get(i + 1).split(",");
            for (int j = 0; j < 4; j++) {
                features[i][j] = Double.parseDouble(cells[j]);
            }
            classes[i] = Integer.parseInt(cells[4].trim());
        }
        return new Iris(csv, List.of(lines.get(0).split(",")), features, classes);
    }

    /** A file under the repository's datasets/; fails naming the path when it is not there. */
    static Path datasetFile(String relative) {
        String datasets = System.getProperty("chainrule.datasets");
        if (datasets == null) {
            throw new IllegalStateException("-Dchainrule.datasets is not set: run the tests with sdk/java/pom.xml, "
                    + "which points it at the repository's datasets/");
        }
        Path file = Path.of(datasets, relative).toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("dataset file " + file + " not found (-Dchainrule.datasets=" + datasets + ")");
        }
        return file;
    }

    /** 4 inputs, 16 ReLU units, a 3-way softmax, cross-entropy, seed 42: the README's iris model. */
    static ModelDefinition model(String name) {
        return ModelDefinition.builder(4).name(name)
                .layer(16, Activation.RELU).layer(3, Activation.SOFTMAX)
                .loss(Loss.CROSS_ENTROPY).seed(42).build();
    }

    /** All 150 rows inline, 20% held out for validation, batches of 16, Adam at 0.01. */
    TrainRequest training(String modelId, int epochs) {
        return TrainRequest.builder(modelId).data(InlineData.ofClasses(features, classes))
                .validationSplit(0.2).epochs(epochs).batchSize(16).optimizer(Optimizer.adam(0.01)).build();
    }

    /** The share of rows whose predicted class is the true one. */
    double accuracy(int[] predicted) {
        int right = 0;
        for (int i = 0; i < classes.length; i++) {
            right += predicted[i] == classes[i] ? 1 : 0;
        }
        return (double) right / classes.length;
    }
}
