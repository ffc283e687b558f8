package dev.chainrule.bench.micro;

import dev.chainrule.dataset.MnistIdxReader;
import dev.chainrule.engine.training.Dataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;

/** MNIST from the repository's datasets/mnist (bench/run.sh runs from the repo root), float32. */
final class Mnist {
    private Mnist() {
    }

    /** The first {@code rows} training rows, pixels / 255, one-hot labels. */
    static Dataset training(int rows) {
        return read("train", rows);
    }

    /** The first {@code rows} test rows, pixels / 255, one-hot labels. */
    static Dataset test(int rows) {
        return read("t10k", rows);
    }

    /** The folder of MNIST's IDX files: -Dchainrule.mnist (run.sh's --data), CHAINRULE_MNIST_DIR, datasets/mnist. */
    static Path dir() {
        return Path.of(System.getProperty("chainrule.mnist", System.getenv().getOrDefault("CHAINRULE_MNIST_DIR",
                "datasets/mnist")));
    }

    private static Dataset read(String part, int rows) {
        Path dir = dir();
        try {
            Dataset all = MnistIdxReader.read(dir.resolve(part + "-images-idx3-ubyte.gz"),
                    dir.resolve(part + "-labels-idx1-ubyte.gz"), DataType.FLOAT);
            return rows >= all.size() ? all : all.slice(0, rows);
        } catch (IOException e) {
            throw new UncheckedIOException("MNIST's IDX files at " + dir.toAbsolutePath()
                    + " (set CHAINRULE_MNIST_DIR or -Dchainrule.mnist)", e);
        }
    }
}
