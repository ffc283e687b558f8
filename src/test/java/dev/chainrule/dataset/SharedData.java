package dev.chainrule.dataset;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real datasets of shared/data, found relative to the working directory (the project root when Maven runs
 * the tests). CI clones the project with shared/ beside it, so that is {@code ../shared/data}; a git worktree
 * nested one or two levels deeper (e.g. wt/name/) finds the same folder further up. Never an absolute path.
 */
public final class SharedData {
    private static final int LEVELS_UP = 3;

    private SharedData() {
    }

    /** A file under shared/data, e.g. {@code file("iris/iris.csv")}; fails loudly when it is not there. */
    public static Path file(String relative) {
        Path up = Path.of("..");
        for (int level = 1; level <= LEVELS_UP; level++) {
            Path candidate = up.resolve("shared").resolve("data").resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            up = up.resolve("..");
        }
        throw new IllegalStateException("shared/data/" + relative + " not found in ../shared/data (nor up to "
                + LEVELS_UP + " levels above " + Path.of("").toAbsolutePath() + "); tests expect shared/ beside the project");
    }
}
