package dev.chainrule.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orphan sweep on an S3-compatible server (s3proxy, its own process) and the embedded H2 database. */
class OrphanSweepS3Test extends OrphanSweepContract {
    private static S3ProxyServer server;
    @TempDir
    static Path serverDir;
    private final String prefix = "sweep-" + UUID.randomUUID() + "/";

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

    @Override
    Map<String, Object> database() {
        return Map.of();
    }

    @Override
    Map<String, Object> storage() {
        return server.settings(S3ProxyServer.BUCKET, prefix);
    }

    @Test
    void theServiceStoresInTheBucketUnderItsPrefix() throws IOException {
        namedDataset();
        assertThat(context.getBean(BlobStore.class)).isInstanceOf(S3BlobStore.class);
        assertThat(server.keys(S3ProxyServer.BUCKET)).filteredOn(key -> key.startsWith(prefix)).hasSize(1)
                .allMatch(key -> key.startsWith(prefix + "datasets/"));
        assertThat(dataDir.resolve("datasets")).doesNotExist();
    }
}
