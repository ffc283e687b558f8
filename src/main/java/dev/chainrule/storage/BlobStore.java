package dev.chainrule.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Where the service's arrays live (model versions, datasets, job data and checkpoints), each object named by a key
 * such as {@code models/<id>/<uuid>.model}: the local data directory by default, or an S3-compatible bucket shared
 * by every replica. Keys are never reused: an object is written whole under a fresh key, then a database row names
 * it; a crash leaves at worst an object no row names, which the orphan sweep removes after a grace period.
 */
public interface BlobStore {

    /** What a caller writes into a new object. */
    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** An object's key and when it was last written. */
    record Entry(String key, Instant lastModified) {
    }

    /**
     * Writes a new object whole, or nothing: a reader never sees part of it.
     *
     * @return {@code key}
     * @throws BlobExistsException when an object already has this key (keys are never reused)
     */
    String put(String key, Content content) throws IOException;

    /**
     * Stores a finished local file (one from {@link #newTempFile}) as a new object; the file is gone afterwards.
     *
     * @return {@code key}
     * @throws BlobExistsException when an object already has this key
     */
    String putFile(String key, Path file) throws IOException;

    /** Streams an object; {@link java.nio.file.NoSuchFileException} when there is none. */
    InputStream open(String key) throws IOException;

    /**
     * A local file with the object's bytes, for readers that need random access or a memory map: the data
     * directory's own file, or a download kept in a local cache (objects never change, so a cached copy stays true).
     */
    Path localCopy(String key) throws IOException;

    boolean exists(String key) throws IOException;

    /** Deletes an object; a missing one is not an error. */
    void delete(String key) throws IOException;

    /** The objects whose keys start with {@code prefix}. */
    List<Entry> list(String prefix) throws IOException;

    /** A fresh, empty local temp file for writers that stream before they know the key; see {@link #putFile}. */
    Path newTempFile() throws IOException;

    /** Where the objects are, for operators' messages: "data directory /srv/chainrule" or "bucket s3://b/prefix". */
    String location();
}
