package dev.chainrule.bench.micro;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.engine.training.Dataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;

/** MNIST's training set from the repository's datasets/mnist (bench/run.sh runs from the repo root), float32. */
final class Mnist {
    private Mnist() {
    }

    /** The first {@code rows} training rows, pixels / 255, one-hot labels. */
    static Dataset training(int rows) {
        Path dir = Path.of(System.getProperty("chainrule.mnist", System.getenv().getOrDefault("CHAINRULE_MNIST_DIR",
                "datasets/mnist")));
        try {
            return MnistIdxReader.read(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"),
                    DataType.FLOAT).slice(0, rows);
        } catch (IOException e) {
            throw new UncheckedIOException("MNIST's IDX files at " + dir.toAbsolutePath()
                    + " (set CHAINRULE_MNIST_DIR or -Dchainrule.mnist)", e);
        }
    }
}
