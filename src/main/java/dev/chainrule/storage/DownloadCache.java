package dev.chainrule.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Downloaded objects kept as local files, at most {@code maxBytes} of them, the least recently used removed first.
 * Objects never change under their key, so a cached copy never goes stale. A file is downloaded beside its place
 * and renamed into it, so a reader never sees part of one; one removed while a reader has it open stays readable to
 * that reader (POSIX). The files of an earlier run are kept, their age standing in for their last use.
 */
final class DownloadCache {
    /** Downloads of one key wait for each other (one download, the rest read it); keys share these locks. */
    private static final int LOCKS = 64;

    /** Fetches an object into a file that does not exist yet. */
    @FunctionalInterface
    interface Download {
        void to(Path file) throws IOException;
    }

    private final Path dir;
    private final long maxBytes;
    /** File name to size, least recently used first. */
    private final LinkedHashMap<String, Long> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Object[] locks = new Object[LOCKS];
    private long bytes;

    DownloadCache(Path dir, long maxBytes) throws IOException {
        this.dir = dir.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        for (int i = 0; i < LOCKS; i++) {
            locks[i] = new Object();
        }
        Files.createDirectories(this.dir);
        List<Path> kept = new ArrayList<>();
        try (Stream<Path> files = Files.list(this.dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().endsWith(".part")) {
                    Files.deleteIfExists(file); // a download a crash interrupted
                } else if (Files.isRegularFile(file)) {
                    kept.add(file);
                }
            }
        }
        kept.sort((a, b) -> lastModified(a).compareTo(lastModified(b)));
        for (Path file : kept) {
            long size = Files.size(file);
            entries.put(file.getFileName().toString(), size);
            bytes += size;
        }
        synchronized (this) {
            evict(null);
        }
    }

    /** The cached file of {@code key}, downloaded first when it is not cached. */
    Path get(String key, Download download) throws IOException {
        String name = name(key);
        Path file = dir.resolve(name);
        if (cached(name, file)) {
            return file;
        }
        synchronized (locks[Math.floorMod(name.hashCode(), LOCKS)]) {
            if (cached(name, file)) {
                return file;
            }
            Path part = dir.resolve(name + "." + UUID.randomUUID() + ".part");
            try {
                download.to(part);
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(part);
            }
            long size = Files.size(file);
            synchronized (this) {
                Long before = entries.put(name, size);
                bytes += size - (before == null ? 0 : before);
                evict(name);
            }
            return file;
        }
    }

    /** Forgets a deleted object's copy. */
    void remove(String key) throws IOException {
        String name = name(key);
        synchronized (this) {
            Long size = entries.remove(name);
            if (size != null) {
                bytes -= size;
            }
        }
        Files.deleteIfExists(dir.resolve(name));
    }

    synchronized long bytes() {
        return bytes;
    }

    private synchronized boolean cached(String name, Path file) {
        if (entries.get(name) == null) { // get: marks it used
            return false;
        }
        if (Files.isRegularFile(file)) {
            return true;
        }
        bytes -= entries.remove(name); // removed by hand: download it again
        return false;
    }

    /** Removes the least recently used files until the rest fit, never {@code keep} (the one just asked for). */
    private void evict(String keep) {
        Iterator<Map.Entry<String, Long>> oldest = entries.entrySet().iterator();
        while (bytes > maxBytes && oldest.hasNext()) {
            Map.Entry<String, Long> entry = oldest.next();
            if (entry.getKey().equals(keep)) {
                continue;
            }
            try {
                Files.deleteIfExists(dir.resolve(entry.getKey()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove a cached download from " + dir, e);
            }
            bytes -= entry.getValue();
            oldest.remove();
        }
    }

    /** A file name for a key: its SHA-256, so that keys need no folders here. */
    private static String name(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static java.nio.file.attribute.FileTime lastModified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }
}
