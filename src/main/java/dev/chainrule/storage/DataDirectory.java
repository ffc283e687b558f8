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
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The files under {@code chainrule.data-dir} that training jobs still write directly (inline data, checkpoints),
 * each named by a path relative to the directory: written into {@code tmp/}, fsynced, renamed into place atomically
 * and the directory fsynced before a row names it. Everything else goes through {@link BlobStore}; the orphan sweep
 * ({@link OrphanSweep}) covers these files too when the blob store is the data directory. To be replaced by the
 * blob store in training/ as well.
 */
@Component
public class DataDirectory {
    /** The subdirectories that hold stored files. */
    static final List<String> STORED = List.of("models", "datasets", "jobs");
    static final String TMP = "tmp";

    private final Path root;

    @Autowired
    public DataDirectory(ChainruleProperties properties) {
        this(properties.dataDir());
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
