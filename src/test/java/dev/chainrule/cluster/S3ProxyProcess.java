package dev.chainrule.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * TEMPORARY stand-in, to be deleted when the blob-store branch's {@code dev.chainrule.storage.S3ProxyServer} is
 * merged (same shape: {@code start(Path dir)} gives the endpoint, {@code stop()}, {@code accessKey()},
 * {@code secretKey()}). An S3-compatible server as a process of its own: s3proxy's self-contained jar
 * (target/s3proxy/s3proxy.jar, copied there by the build, never on the test classpath) with its filesystem backend
 * under {@code dir}, on a free loopback port, with a fresh access key pair.
 */
public final class S3ProxyProcess {
    private final String accessKey = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
    private final String secretKey = UUID.randomUUID().toString();
    private Process process;
    private Path dir;

    public static Path jar() {
        return Path.of("target", "s3proxy", "s3proxy.jar").toAbsolutePath();
    }

    /** Starts the server over {@code dir} and waits until it listens; its endpoint. */
    public URI start(Path dir) {
        this.dir = dir;
        int port = ReplicaProcess.freePort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        try {
            Path blobs = Files.createDirectories(dir.resolve("blobs"));
            Path properties = dir.resolve("s3proxy.conf");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=" + endpoint,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + accessKey,
                    "s3proxy.credential=" + secretKey,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + blobs, ""));
            Path log = Files.createDirectories(Path.of("target", "cluster-logs").toAbsolutePath()).resolve("s3proxy-" + port + ".log");
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                    "-jar", jar().toString(), "--properties", properties.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!listening(port)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("s3proxy did not start listening on " + port + "; log: " + Files.readString(log));
                }
                ReplicaProcess.sleep(Duration.ofMillis(100));
            }
            return endpoint;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A bucket of the filesystem backend is a folder under its base directory. */
    public void createBucket(String bucket) {
        try {
            Files.createDirectories(dir.resolve("blobs").resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The folder holding the bucket's objects as files (for counting what the replicas wrote). */
    public Path bucketDir(String bucket) {
        return dir.resolve("blobs").resolve(bucket);
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }
}
