package dev.chainrule.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.config.ChainruleProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * The contract on a real S3-compatible server (s3proxy, its own process), each test under a prefix of its own in
 * one bucket, with the client built as the service builds it (the SDK's default checksums and credential chain).
 */
class S3BlobStoreTest extends BlobStoreContract {
    /** Parts of 16 MB: the contract's 64 MB object goes up in four, the rest in one PUT each. */
    private static final long PART_BYTES = 16L << 20;
    private static S3ProxyServer server;
    @TempDir
    static Path serverDir;
    @TempDir
    Path dataDir;
    private String prefix;
    private S3BlobStore store;

    @BeforeAll
    static void startServer() throws IOException {
        server = S3ProxyServer.start(serverDir);
        S3ProxyServer.useCredentialsInThisJvm();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @BeforeEach
    void open() throws IOException {
        prefix = "test-" + UUID.randomUUID() + "/";
        store = store(dataDir.resolve("cache"), 1L << 30);
    }

    private S3BlobStore store(Path cacheDir, long cacheBytes) throws IOException {
        return store(cacheDir, cacheBytes, null);
    }

    private S3BlobStore store(Path cacheDir, long cacheBytes, ChainruleProperties.ChecksumMode checksums) throws IOException {
        ChainruleProperties.S3 settings = new ChainruleProperties.S3(server.endpoint(), S3ProxyServer.REGION,
                S3ProxyServer.BUCKET, prefix, true, checksums, checksums, null, null);
        return new S3BlobStore(StorageConfiguration.client(settings), S3ProxyServer.BUCKET, settings.prefix(),
                dataDir.resolve("tmp"), cacheDir, cacheBytes, PART_BYTES);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    BlobStore store() {
        return store;
    }

    @Override
    Path tempDir() {
        return dataDir.resolve("tmp");
    }

    @Test
    void objectsLiveUnderThePrefixInTheBucket() throws IOException {
        store.put("models/m1/v1.model", out -> out.write(1));
        assertThat(server.keys(S3ProxyServer.BUCKET)).contains(prefix + "models/m1/v1.model");
        assertThat(store.location()).isEqualTo("bucket s3://chainrule/" + prefix);
    }

    /** What the overwrite refusal rests on when two writers pass the HEAD check together: s3proxy 4.1.0 answers 412. */
    @Test
    void theServerRefusesAConditionalWriteOfAnExistingKey() {
        String key = prefix + "models/m1/v1.model";
        server.client().putObject(b -> b.bucket(S3ProxyServer.BUCKET).key(key).ifNoneMatch("*"), RequestBody.fromString("first"));

        assertThatThrownBy(() -> server.client().putObject(b -> b.bucket(S3ProxyServer.BUCKET).key(key).ifNoneMatch("*"),
                RequestBody.fromString("second")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
        assertThat(server.client().getObjectAsBytes(b -> b.bucket(S3ProxyServer.BUCKET).key(key)).asString(StandardCharsets.UTF_8))
                .isEqualTo("first");
    }

    @Test
    void anObjectLargerThanAPartGoesUpInPartsAndIsNeverOverwrittenEither() throws IOException {
        byte[] bytes = new byte[(int) (PART_BYTES * 2 + 12345)];
        new java.util.SplittableRandom(2).nextBytes(bytes);
        store.put("datasets/parts.bin", out -> out.write(bytes));

        var head = server.client().headObject(b -> b.bucket(S3ProxyServer.BUCKET).key(prefix + "datasets/parts.bin"));
        assertThat(head.contentLength()).isEqualTo(bytes.length);
        assertThat(head.eTag()).as("a multipart upload's ETag ends in its part count").endsWith("-3\"");
        try (var in = store.open("datasets/parts.bin")) {
            assertThat(in.readAllBytes()).isEqualTo(bytes);
        }
        assertThatThrownBy(() -> store.put("datasets/parts.bin", out -> out.write(bytes)))
                .isInstanceOf(dev.chainrule.storage.BlobExistsException.class);
        assertThat(server.client().listMultipartUploads(b -> b.bucket(S3ProxyServer.BUCKET).prefix(prefix)).uploads())
                .as("no upload left unfinished").isEmpty();
    }

    /** What the refusal of a multipart object rests on when two writers pass the HEAD together. */
    @Test
    void theServerRefusesAConditionalCompletionOfAnExistingKey() {
        String key = prefix + "datasets/raced.bin";
        var client = server.client();
        String uploadId = client.createMultipartUpload(b -> b.bucket(S3ProxyServer.BUCKET).key(key)).uploadId();
        String eTag = client.uploadPart(b -> b.bucket(S3ProxyServer.BUCKET).key(key).uploadId(uploadId).partNumber(1),
                RequestBody.fromString("second")).eTag();
        client.putObject(b -> b.bucket(S3ProxyServer.BUCKET).key(key), RequestBody.fromString("first"));

        assertThatThrownBy(() -> client.completeMultipartUpload(b -> b.bucket(S3ProxyServer.BUCKET).key(key).uploadId(uploadId)
                .ifNoneMatch("*").multipartUpload(m -> m.parts(p -> p.partNumber(1).eTag(eTag)))))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
        assertThat(client.getObjectAsBytes(b -> b.bucket(S3ProxyServer.BUCKET).key(key)).asString(StandardCharsets.UTF_8))
                .isEqualTo("first");
        client.abortMultipartUpload(b -> b.bucket(S3ProxyServer.BUCKET).key(key).uploadId(uploadId));
    }

    /**
     * Two writers of one key that both passed the HEAD: the other writer stores the key just before this store's PUT
     * (or its multipart completion) goes out, so the server refuses the conditional write (412), which the store
     * reports as {@link BlobExistsException}, leaving the other writer's object and no unfinished upload.
     */
    @Test
    void aWriteRacedByAnotherWriterOfItsKeyIsRefusedAndTheOtherObjectStays() throws IOException {
        ExecutionInterceptor otherWriter = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                String key = context.request() instanceof PutObjectRequest put ? put.key()
                        : context.request() instanceof CompleteMultipartUploadRequest complete ? complete.key() : null;
                if (key != null) {
                    server.client().putObject(b -> b.bucket(S3ProxyServer.BUCKET).key(key), RequestBody.fromString("first"));
                }
            }
        };
        S3Client raced = S3Client.builder().httpClientBuilder(ApacheHttpClient.builder()).endpointOverride(server.endpoint())
                .region(Region.of(S3ProxyServer.REGION)).forcePathStyle(true)
                .overrideConfiguration(o -> o.addExecutionInterceptor(otherWriter)).build();
        byte[] large = new byte[(int) PART_BYTES + 1];
        try (S3BlobStore racedStore = new S3BlobStore(raced, S3ProxyServer.BUCKET, prefix, dataDir.resolve("tmp"),
                dataDir.resolve("raced-cache"), 1 << 20, PART_BYTES)) {
            assertThatThrownBy(() -> racedStore.put("models/m1/v1.model", out -> out.write(1)))
                    .isInstanceOf(BlobExistsException.class).hasMessage("an object already exists under models/m1/v1.model");
            assertThatThrownBy(() -> racedStore.put("datasets/parts.bin", out -> out.write(large)))
                    .isInstanceOf(BlobExistsException.class).hasMessage("an object already exists under datasets/parts.bin");
        }
        for (String key : List.of("models/m1/v1.model", "datasets/parts.bin")) {
            try (var in = store.open(key)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).as(key).isEqualTo("first");
            }
        }
        assertThat(server.client().listMultipartUploads(b -> b.bucket(S3ProxyServer.BUCKET).prefix(prefix)).uploads())
                .as("no upload left unfinished").isEmpty();
        assertThat(tempFiles()).as("no temp file left").isEmpty();
    }

    /**
     * The store going away between two parts of an upload is an outage (storage-unavailable, a 503 to a request), as
     * for a single PUT, not a plain error; no object appears, and once the server is back the key is free.
     */
    @Test
    void aStoreLostBetweenTwoPartsIsUnavailableAndStoresNothing() throws Exception {
        AtomicInteger parts = new AtomicInteger();
        ExecutionInterceptor outage = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof UploadPartRequest && parts.incrementAndGet() == 2) {
                    try {
                        server.kill();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        S3Client client = S3Client.builder().httpClientBuilder(ApacheHttpClient.builder()).endpointOverride(server.endpoint())
                .region(Region.of(S3ProxyServer.REGION)).forcePathStyle(true)
                .overrideConfiguration(o -> o.addExecutionInterceptor(outage)).build();
        byte[] large = new byte[(int) PART_BYTES * 2 + 1];
        try (S3BlobStore lost = new S3BlobStore(client, S3ProxyServer.BUCKET, prefix, dataDir.resolve("tmp"),
                dataDir.resolve("lost-cache"), 1 << 20, PART_BYTES)) {
            assertThatThrownBy(() -> lost.put("datasets/parts.bin", out -> out.write(large)))
                    .isInstanceOf(StorageUnavailableException.class)
                    .hasMessageContaining("cannot store the parts of datasets/parts.bin in bucket s3://chainrule/" + prefix);
        } finally {
            server.restart();
        }
        assertThat(parts.get()).as("the upload reached its second part").isGreaterThanOrEqualTo(2);
        assertThat(store.exists("datasets/parts.bin")).as("no object appeared").isFalse();
        assertThat(tempFiles()).as("no temp file left").isEmpty();
    }

    /** For stores that reject the SDK's default checksums: the same objects, sent and read without them. */
    @Test
    void checksumsOnlyWhenRequiredStoreAndReadTheSame() throws IOException {
        store.close();
        store = store(dataDir.resolve("cache"), 1L << 30, ChainruleProperties.ChecksumMode.WHEN_REQUIRED);
        byte[] bytes = new byte[3_000_000];
        new java.util.SplittableRandom(1).nextBytes(bytes);
        store.put("datasets/d.bin", out -> out.write(bytes));
        try (var in = store.open("datasets/d.bin")) {
            assertThat(in.readAllBytes()).isEqualTo(bytes);
        }
        assertThat(Files.readAllBytes(store.localCopy("datasets/d.bin"))).isEqualTo(bytes);
    }

    @Test
    void theCacheKeepsTheMostRecentlyUsedDownloadsWithinItsSize() throws IOException {
        store.close();
        Path cacheDir = dataDir.resolve("small-cache");
        store = store(cacheDir, 2_500_000);
        for (String name : List.of("a", "b", "c")) {
            store.put("datasets/" + name + ".bin", out -> out.write(new byte[1_000_000]));
        }
        Path a = store.localCopy("datasets/a.bin");
        Path b = store.localCopy("datasets/b.bin");
        assertThat(store.localCopy("datasets/a.bin")).isEqualTo(a); // a is now the most recently used
        Path c = store.localCopy("datasets/c.bin");

        assertThat(b).as("the least recently used went").doesNotExist();
        assertThat(a).exists();
        assertThat(c).exists();
        assertThat(cachedFiles(cacheDir)).containsExactlyInAnyOrder(a, c);

        Path again = store.localCopy("datasets/b.bin");
        assertThat(Files.size(again)).isEqualTo(1_000_000);
        assertThat(a).as("a is now the least recently used").doesNotExist();
        assertThat(cachedFiles(cacheDir)).containsExactlyInAnyOrder(again, c);
    }

    @Test
    void aCacheOfAnEarlierRunIsReusedAndKeptWithinItsSize() throws IOException {
        Path cacheDir = dataDir.resolve("cache");
        store.put("datasets/a.bin", out -> out.write(new byte[1_000_000]));
        store.put("datasets/b.bin", out -> out.write(new byte[1_000_000]));
        Path a = store.localCopy("datasets/a.bin");
        Path b = store.localCopy("datasets/b.bin");
        Files.setLastModifiedTime(a, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.writeString(cacheDir.resolve("interrupted.part"), "half a download");
        store.close();

        store = store(cacheDir, 1_500_000);
        assertThat(cachedFiles(cacheDir)).as("the older one went, the interrupted download too").containsExactly(b);
        assertThat(store.localCopy("datasets/b.bin")).isEqualTo(b);
    }

    @Test
    void anUnreachableBucketIsAClearError() throws IOException {
        ChainruleProperties.S3 settings = new ChainruleProperties.S3(server.endpoint(), S3ProxyServer.REGION,
                "no-such-bucket", "", true, null, null, null, null);
        try (S3BlobStore missing = new S3BlobStore(StorageConfiguration.client(settings), "no-such-bucket", "",
                dataDir.resolve("tmp"), dataDir.resolve("cache"), 1 << 20, PART_BYTES)) {
            assertThatThrownBy(missing::checkBucket).isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot reach bucket s3://no-such-bucket/");
        }
    }

    private static List<Path> cachedFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
