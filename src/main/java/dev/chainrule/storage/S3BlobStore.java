package dev.chainrule.storage;

import dev.chainrule.config.ChainruleProperties;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Objects in an S3-compatible bucket, each under {@code <prefix><key>}. Every write sends a finished local temp file
 * (streamed from disk, never whole in memory): one PUT, or a multipart upload of parts of {@code partSize} for a
 * larger file, which the store makes visible whole when it completes; so a reader sees the whole object or none. A
 * write never replaces an object: the PUT (or the completion) is sent with {@code If-None-Match: *}, which the store
 * refuses (412) when the key exists, after a HEAD that catches the same on stores that ignore that header. Readers
 * that need a local file get a download kept in a bounded {@link DownloadCache}.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Path tmp;
    private final DownloadCache cache;
    private final long partSize;
    /** False once the store refused a conditional write as unsupported; the HEAD check alone guards then. */
    private volatile boolean conditionalWrites = true;

    /**
     * @param prefix "" or folders ending in '/' ({@link ChainruleProperties.S3} normalises it)
     * @param tmp    where temp files are made (the data directory's tmp/)
     * @param partSize a file larger than this goes up in parts of this size
     */
    public S3BlobStore(S3Client s3, String bucket, String prefix, Path tmp, Path cacheDir, long cacheBytes, long partSize)
            throws IOException {
        if (partSize < S3MultipartUpload.MIN_PART_BYTES || partSize > S3MultipartUpload.MAX_PART_BYTES) {
            throw new IllegalArgumentException("a part must hold 5MB to 5GB, got " + partSize + " bytes");
        }
        this.partSize = partSize;
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.tmp = tmp.toAbsolutePath().normalize();
        Files.createDirectories(this.tmp);
        this.cache = new DownloadCache(cacheDir, cacheBytes);
    }

    @Override
    public String put(String key, Content content) throws IOException {
        BlobKeys.check(key);
        Path temp = newTempFile();
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                content.writeTo(out);
            }
            upload(key, temp);
            return key;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public String putFile(String key, Path file) throws IOException {
        try {
            BlobKeys.check(key);
            upload(key, file);
            return key;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private void upload(String key, Path file) throws IOException {
        long size = Files.size(file);
        if (size > partSize * S3MultipartUpload.MAX_PARTS) {
            throw new IOException("an object of " + size + " bytes needs more than " + S3MultipartUpload.MAX_PARTS
                    + " parts of " + partSize + " bytes (chainrule.storage.s3.part-size): " + key);
        }
        if (exists(key)) {
            throw new BlobExistsException(key);
        }
        if (size <= partSize) {
            write(key, conditional -> s3.putObject(b -> b.bucket(bucket).key(prefix + key).contentLength(size)
                    .ifNoneMatch(conditional ? "*" : null), RequestBody.fromFile(file)));
            return;
        }
        S3MultipartUpload upload = send("cannot start storing", key,
                () -> S3MultipartUpload.start(s3, bucket, prefix + key, file, size, partSize));
        boolean stored = false;
        try {
            List<CompletedPart> parts;
            try {
                // an unreachable store mid-upload is unavailable (a 503), as for a single PUT
                parts = send("cannot store the parts of", key + " in " + location(), upload::sendParts);
            } catch (UncheckedIOException e) {
                throw new IOException("cannot read the parts of " + key + " from " + file + ": " + e.getMessage(), e);
            }
            write(key, upload.completion(parts));
            stored = true;
        } finally {
            if (!stored) {
                upload.abort();
            }
        }
    }

    /** Sends a write conditionally while the store accepts that; a key already taken is {@link BlobExistsException}. */
    private void write(String key, S3MultipartUpload.ObjectWrite write) throws IOException {
        if (conditionalWrites && sentConditionally(key, write)) {
            return;
        }
        send("cannot store", key, () -> write.send(false));
    }

    /** Sends {@code write} with If-None-Match: *; false, from then on, when the store does not support that. */
    private boolean sentConditionally(String key, S3MultipartUpload.ObjectWrite write) throws IOException {
        try {
            write.send(true);
            return true;
        } catch (SdkException e) {
            // 412: the key exists; 409: another conditional write of the key is under way (AWS)
            if (e instanceof S3Exception s && (s.statusCode() == 412 || s.statusCode() == 409)) {
                throw new BlobExistsException(key);
            }
            if (!unsupported(e)) {
                throw failure("cannot store " + key, e);
            }
        }
        conditionalWrites = false;
        log.warn("{} does not support conditional writes (If-None-Match: *): a write checks that its key is "
                + "free with a HEAD first, which two writers of one key could both pass", location());
        return false;
    }

    @Override
    public InputStream open(String key) throws IOException {
        BlobKeys.check(key);
        return send("cannot read", key, () -> s3.getObject(b -> b.bucket(bucket).key(prefix + key)));
    }

    @Override
    public Path localCopy(String key) throws IOException {
        BlobKeys.check(key);
        return cache.get(key, file -> send("cannot download", key,
                () -> s3.getObject(b -> b.bucket(bucket).key(prefix + key), ResponseTransformer.toFile(file))));
    }

    /** The SDK answers every 404 to a HEAD of an object with NoSuchKeyException, so a missing object is false here. */
    @Override
    public boolean exists(String key) throws IOException {
        BlobKeys.check(key);
        return found("cannot look for", key, () -> s3.headObject(b -> b.bucket(bucket).key(prefix + key)));
    }

    /** A missing object is already gone (S3 itself answers 204 either way). */
    @Override
    public void delete(String key) throws IOException {
        BlobKeys.check(key);
        found("cannot delete", key, () -> s3.deleteObject(b -> b.bucket(bucket).key(prefix + key)));
        cache.remove(key);
    }

    @Override
    public List<Entry> list(String keyPrefix) throws IOException {
        BlobKeys.checkPrefix(keyPrefix);
        return send("cannot list", keyPrefix, () -> s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + keyPrefix))
                .contents().stream().map(o -> new Entry(o.key().substring(prefix.length()), o.lastModified())).toList());
    }

    @Override
    public Path newTempFile() throws IOException {
        return Files.createFile(tmp.resolve(UUID.randomUUID() + ".part"));
    }

    @Override
    public String location() {
        return "bucket s3://" + bucket + "/" + prefix;
    }

    /** Fails unless the bucket answers: at startup, so a wrong setting stops the service at once with its reason. */
    public void checkBucket() throws IOException {
        send("cannot reach", location() + " (chainrule.storage.s3.*)", () -> s3.headBucket(b -> b.bucket(bucket)));
    }

    @Override
    public void close() {
        s3.close();
    }

    /** A request to the store, whose errors {@link #send} translates. */
    @FunctionalInterface
    private interface Request<T> {
        T send();
    }

    /**
     * Sends one request {@code doing} something to {@code subject} (a key): a missing object is
     * {@link NoSuchFileException}, any other error of the SDK the store's own ({@link #failure}), saying so.
     */
    private static <T> T send(String doing, String subject, Request<T> request) throws IOException {
        try {
            return request.send();
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(subject);
        } catch (SdkException e) {
            throw failure(doing + " " + subject, e);
        }
    }

    /** {@link #send}, for a request whose missing object is an answer: false, rather than an error. */
    private static boolean found(String doing, String key, Request<?> request) throws IOException {
        try {
            send(doing, key, request);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** The store's answer to a header it does not implement (here: If-None-Match on a write). */
    private static boolean unsupported(SdkException e) {
        return e instanceof S3Exception s && (s.statusCode() == 501
                || s.awsErrorDetails() != null && "NotImplemented".equals(s.awsErrorDetails().errorCode()));
    }

    /** A store that cannot be reached, or answers 5xx, is unavailable (a 503 to a request); anything else is an error. */
    private static IOException failure(String what, SdkException e) {
        boolean unavailable = e instanceof software.amazon.awssdk.core.exception.SdkClientException
                || e instanceof S3Exception s3 && s3.statusCode() >= 500;
        return unavailable ? new StorageUnavailableException(what + ": " + e.getMessage(), e)
                : new IOException(what + ": " + e.getMessage(), e);
    }
}
