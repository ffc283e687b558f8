package dev.chainrule.storage;

import dev.chainrule.config.ChainruleProperties;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.HashSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The files under {@code chainrule.data-dir}: model versions, datasets, job data and checkpoints, each named by a
 * path relative to the directory (what the database stores). A file is written whole before anything names it:
 * into {@code tmp/}, fsynced, renamed into place atomically and its directory fsynced; only then does the caller
 * insert the row. A crash therefore leaves at worst an unnamed file, which {@link #sweep} removes at startup.
 */
@Component
public class DataDirectory {
    /** The subdirectories that hold stored files; everything else under the root is not ours to sweep. */
    static final List<String> STORED = List.of("models", "datasets", "jobs");
    static final String TMP = "tmp";
    /** Every column that names a stored file. */
    private static final String REFERENCED_FILES = """
            SELECT file FROM model_versions
            UNION ALL SELECT file FROM datasets
            UNION ALL SELECT checkpoint FROM jobs WHERE checkpoint IS NOT NULL
            UNION ALL SELECT training_file FROM jobs WHERE training_file IS NOT NULL
            UNION ALL SELECT validation_file FROM jobs WHERE validation_file IS NOT NULL""";
    private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);

    private final Path root;

    /** The service's data directory, swept of orphans before any bean can write to it. */
    @Autowired
    public DataDirectory(ChainruleProperties properties, JdbcClient database) throws IOException {
        this(properties.dataDir());
        List<String> removed = sweep(new HashSet<>(database.sql(REFERENCED_FILES).query(String.class).list()));
        if (!removed.isEmpty()) {
            log.info("removed {} unreferenced file(s) from {}: {}", removed.size(), root, removed);
        }
    }

    public DataDirectory(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            for (String dir : STORED) {
                Files.createDirectories(this.root.resolve(dir));
            }
            Files.createDirectories(this.root.resolve(TMP));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + this.root, e);
        }
    }

    public Path root() {
        return root;
    }

    /** The absolute path of a stored file; refuses names that would leave the data directory. */
    public Path resolve(String relative) {
        Path path = root.resolve(relative).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("not a path inside the data directory: " + relative);
        }
        return path;
    }

    /** What a caller writes into a file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code relative} atomically (see the class comment) and returns it. */
    public String write(String relative, Content content) throws IOException {
        Path temp = newTempFile();
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                content.writeTo(out);
            }
            commit(temp, relative);
            return relative;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A fresh empty file under tmp/, for writers that stream before they know their result; see {@link #commit}. */
    public Path newTempFile() throws IOException {
        return Files.createFile(root.resolve(TMP).resolve(UUID.randomUUID() + ".part"));
    }

    /** Makes a finished temp file durable and moves it to {@code relative} in one atomic rename. */
    public void commit(Path temp, String relative) throws IOException {
        Path target = resolve(relative);
        Files.createDirectories(target.getParent());
        fsync(temp, false);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the data directory must allow atomic renames within it: " + root, e);
        }
        fsync(target.getParent(), true);
    }

    /** Deletes a stored file (and its directory when that becomes empty); a missing file is not an error. */
    public void delete(String relative) {
        Path path = resolve(relative);
        try {
            Files.deleteIfExists(path);
            Path parent = path.getParent();
            String parentName = root.relativize(parent).toString();
            if (!STORED.contains(parentName) && !parentName.equals(TMP) && !parent.equals(root)) {
                try (Stream<Path> left = Files.list(parent)) {
                    if (left.findAny().isEmpty()) {
                        Files.deleteIfExists(parent);
                    }
                }
            }
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }

    /**
     * Removes every stored file that no row names (written, then the process died before the row) and every
     * leftover temp file. Run at startup, before anything writes.
     *
     * @param referenced the relative paths the database names
     * @return the relative paths removed
     */
    public List<String> sweep(Set<String> referenced) throws IOException {
        List<String> removed = new ArrayList<>();
        List<Path> candidates = new ArrayList<>();
        for (String dir : STORED) {
            try (Stream<Path> files = Files.walk(root.resolve(dir))) {
                files.filter(Files::isRegularFile).forEach(candidates::add);
            }
        }
        try (Stream<Path> files = Files.list(root.resolve(TMP))) {
            files.filter(Files::isRegularFile).forEach(candidates::add);
        }
        for (Path file : candidates) {
            String relative = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            if (!referenced.contains(relative)) {
                delete(relative);
                removed.add(relative);
            }
        }
        return removed;
    }

    private static void fsync(Path path, boolean directory) throws IOException {
        try (FileChannel channel = FileChannel.open(path, directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            channel.force(true);
        } catch (IOException e) {
            if (!directory) {
                throw e;
            }
            // some file systems cannot open a directory for fsync; the rename is still atomic there
        }
    }
}
