package dev.chainrule.dataset;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real datasets the tests read, in the repository's own {@code datasets/} folder (its README lists them).
 * Found from the project's root: Maven's {@code basedir} when Maven runs the tests, else the working directory
 * (an IDE's default for a test run). Never anything outside the repository.
 */
public final class TestDatasets {
    private TestDatasets() {
    }

    /** A file under datasets/, e.g. {@code file("iris/iris.csv")}; fails naming the path when it is not there. */
    public static Path file(String relative) {
        Path root = Path.of(System.getProperty("basedir", "")).toAbsolutePath().normalize();
        Path file = root.resolve("datasets").resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("dataset file " + file + " not found: the tests read datasets/ at the "
                    + "project's root (run them from there, e.g. ./mvnw verify)");
        }
        return file;
    }
}
