package dev.chainrule.storage;

import dev.chainrule.config.ChainruleProperties;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3-compatible bucket, each under {@code <prefix><key>}. Every write is one PUT of a finished local
 * temp file (streamed from disk, never whole in memory), so a reader sees the whole object or none. A write never
 * replaces an object: it is sent with {@code If-None-Match: *}, which the store refuses (412) when the key exists,
 * after a HEAD that catches the same on stores that ignore that header. Readers that need a local file get a
 * download kept in a bounded {@link DownloadCache}.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    /** S3's largest single PUT; larger objects would need a multipart upload, which nothing here writes yet. */
    static final long MAX_OBJECT_BYTES = 5L << 30;
    private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Path tmp;
    private final DownloadCache cache;
    /** False once the store refused a conditional write as unsupported; the HEAD check alone guards then. */
    private volatile boolean conditionalWrites = true;

    /**
     * @param prefix "" or folders ending in '/' ({@link ChainruleProperties.S3} normalises it)
     * @param tmp    where temp files are made (the data directory's tmp/)
     */
    public S3BlobStore(S3Client s3, String bucket, String prefix, Path tmp, Path cacheDir, long cacheBytes) throws IOException {
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
        if (size > MAX_OBJECT_BYTES) {
            throw new IOException("an object of " + size + " bytes is larger than one PUT to " + location()
                    + " may be (5 GiB): " + key);
        }
        if (exists(key)) {
            throw new BlobExistsException(key);
        }
        PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(prefix + key).contentLength(size);
        if (conditionalWrites) {
            try {
                s3.putObject(request.copy().ifNoneMatch("*").build(), RequestBody.fromFile(file));
                return;
            } catch (S3Exception e) {
                // 412: the key exists; 409: another conditional write of the key is under way (AWS)
                if (e.statusCode() == 412 || e.statusCode() == 409) {
                    throw new BlobExistsException(key);
                }
                if (e.statusCode() != 501 && !"NotImplemented".equals(errorCode(e))) {
                    throw failure("cannot store " + key, e);
                }
                conditionalWrites = false;
                log.warn("{} does not support conditional writes (If-None-Match: *): a write checks that its key is "
                        + "free with a HEAD first, which two writers of one key could both pass", location());
            } catch (SdkException e) {
                throw failure("cannot store " + key, e);
            }
        }
        try {
            s3.putObject(request.build(), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw failure("cannot store " + key, e);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        BlobKeys.check(key);
        try {
            return s3.getObject(b -> b.bucket(bucket).key(prefix + key));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key);
        } catch (SdkException e) {
            throw failure("cannot read " + key, e);
        }
    }

    @Override
    public Path localCopy(String key) throws IOException {
        BlobKeys.check(key);
        return cache.get(key, file -> {
            try {
                s3.getObject(b -> b.bucket(bucket).key(prefix + key), ResponseTransformer.toFile(file));
            } catch (NoSuchKeyException e) {
                throw new NoSuchFileException(key);
            } catch (SdkException e) {
                throw failure("cannot download " + key, e);
            }
        });
    }

    @Override
    public boolean exists(String key) throws IOException {
        BlobKeys.check(key);
        try {
            s3.headObject(b -> b.bucket(bucket).key(prefix + key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("cannot look for " + key, e);
        } catch (SdkException e) {
            throw failure("cannot look for " + key, e);
        }
    }

    @Override
    public void delete(String key) throws IOException {
        BlobKeys.check(key);
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(prefix + key));
        } catch (NoSuchKeyException e) {
            // already gone (S3 itself answers 204 either way)
        } catch (SdkException e) {
            throw failure("cannot delete " + key, e);
        }
        cache.remove(key);
    }

    @Override
    public List<Entry> list(String keyPrefix) throws IOException {
        BlobKeys.checkPrefix(keyPrefix);
        List<Entry> entries = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix + keyPrefix)).contents()) {
                entries.add(new Entry(object.key().substring(prefix.length()), object.lastModified()));
            }
        } catch (SdkException e) {
            throw failure("cannot list " + keyPrefix, e);
        }
        return entries;
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
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (SdkException e) {
            throw failure("cannot reach " + location() + " (chainrule.storage.s3.*)", e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private static IOException failure(String what, SdkException e) {
        return new IOException(what + ": " + e.getMessage(), e);
    }
}
