package dev.chainrule.storage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Objects as files under the data directory, the key being the path inside it (what the database has always
 * stored, e.g. {@code datasets/<id>.bin}). A file is written whole into {@code tmp/}, fsynced, hard-linked under its
 * key (a link, unlike a rename, fails rather than replaces when the key exists) and its directory fsynced; a reader
 * therefore sees the whole object or none. Several replicas may share the directory as one volume.
 */
public final class LocalBlobStore implements BlobStore {
    static final String TMP = "tmp";
    /** Tries of a write whose new folder a concurrent delete of the folder's last object removed meanwhile. */
    private static final int LINK_ATTEMPTS = 3;

    private final Path root;
    private final Path tmp;

    public LocalBlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.tmp = this.root.resolve(TMP);
        Files.createDirectories(tmp);
    }

    public Path root() {
        return root;
    }

    @Override
    public String put(String key, Content content) throws IOException {
        Path target = resolve(key);
        Path temp = newTempFile();
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                content.writeTo(out);
            }
            commit(temp, target, key);
            return key;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public String putFile(String key, Path file) throws IOException {
        Path temp = file;
        try {
            Path target = resolve(key);
            if (!file.toAbsolutePath().normalize().getParent().equals(tmp)) {
                // a link needs the same file system; a file from elsewhere is copied in first
                temp = newTempFile();
                Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            commit(temp, target, key);
            return key;
        } finally {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(file);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        Path path = resolve(key);
        if (Files.isDirectory(path)) {
            throw new NoSuchFileException(key);
        }
        return Files.newInputStream(path);
    }

    @Override
    public Path localCopy(String key) throws IOException {
        Path path = resolve(key);
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(key);
        }
        return path;
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(resolve(key));
    }

    @Override
    public void delete(String key) throws IOException {
        Path path = resolve(key);
        if (!Files.deleteIfExists(path)) {
            return;
        }
        // folders below the top level go with their last object (a model's versions, a job's files)
        for (Path dir = path.getParent(); !dir.getParent().equals(root); dir = dir.getParent()) {
            try {
                Files.delete(dir);
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                return;
            }
        }
    }

    @Override
    public List<Entry> list(String prefix) throws IOException {
        BlobKeys.checkPrefix(prefix);
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        List<Entry> entries = new ArrayList<>();
        if (!Files.isDirectory(start)) {
            return entries;
        }
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                boolean reserved = root.equals(dir.getParent()) && BlobKeys.RESERVED.contains(dir.getFileName().toString());
                return reserved ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String key = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (attrs.isRegularFile() && key.startsWith(prefix) && key.contains("/")) {
                    entries.add(new Entry(key, attrs.lastModifiedTime().toInstant()));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE; // deleted while we walked
                }
                throw e;
            }
        });
        entries.sort(Comparator.comparing(Entry::key));
        return entries;
    }

    @Override
    public Path newTempFile() throws IOException {
        return Files.createFile(tmp.resolve(UUID.randomUUID() + ".part"));
    }

    @Override
    public String location() {
        return "data directory " + root;
    }

    /** The object's file; refuses what is not a key (nothing can name a path outside the directory). */
    Path resolve(String key) {
        Path path = root.resolve(BlobKeys.check(key)).normalize();
        if (!path.startsWith(root) || path.getParent().equals(root)) {
            throw new IllegalArgumentException("not a key inside the data directory: " + key);
        }
        return path;
    }

    private void commit(Path temp, Path target, String key) throws IOException {
        fsync(temp, false);
        for (int attempt = 1; ; attempt++) {
            createDirectories(target.getParent());
            try {
                Files.createLink(target, temp);
                break;
            } catch (FileAlreadyExistsException e) {
                throw new BlobExistsException(key);
            } catch (NoSuchFileException e) {
                if (attempt == LINK_ATTEMPTS) {
                    throw e;
                }
            } catch (UnsupportedOperationException e) {
                moveUnlessPresent(temp, target, key);
                break;
            } catch (FileSystemException e) {
                if (e.getClass() != FileSystemException.class) {
                    throw e;
                }
                moveUnlessPresent(temp, target, key);
                break;
            }
        }
        fsync(target.getParent(), true);
    }

    /**
     * For file systems without hard links: a check, then an atomic rename. Two writers of one key could both pass
     * the check, but keys are never reused, so that is a bug elsewhere rather than a race this must settle.
     */
    private void moveUnlessPresent(Path temp, Path target, String key) throws IOException {
        if (Files.exists(target)) {
            throw new BlobExistsException(key);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the data directory must allow atomic renames within it: " + root, e);
        }
    }

    /** Creates the folders a key needs, each made durable in its parent. */
    private void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            return;
        }
        fsync(dir.getParent(), true);
    }

    static void fsync(Path path, boolean directory) throws IOException {
        try (FileChannel channel = FileChannel.open(path, directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            channel.force(true);
        } catch (IOException e) {
            if (!directory) {
                throw e;
            }
            // some file systems cannot open a directory for fsync; the link or rename is still atomic there
        }
    }
}
