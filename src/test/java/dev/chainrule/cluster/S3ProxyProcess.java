package dev.chainrule.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * TEMPORARY stand-in, to be deleted when the blob-store branch's {@code dev.chainrule.storage.S3ProxyServer} is
 * merged: the methods TestCluster uses have that class's names and shapes ({@code start(Path)}, {@code endpoint()},
 * {@code settings(bucket, prefix)}, {@code credentialsEnvironment()}, {@code stop()}), so the swap is a change of
 * type name. An S3-compatible server as a process of its own: s3proxy's self-contained jar
 * (target/s3proxy/s3proxy.jar, copied there by the build, never on the test classpath) with its filesystem backend
 * under {@code dir}, on a free loopback port, with {@link #BUCKET} created.
 */
public final class S3ProxyProcess implements AutoCloseable {
    public static final String BUCKET = "chainrule";
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "chainrule-test-identity";
    public static final String SECRET_KEY = "chainrule-test-credential";

    private final Process process;
    private final URI endpoint;
    private final Path objects;

    private S3ProxyProcess(Process process, URI endpoint, Path objects) {
        this.process = process;
        this.endpoint = endpoint;
        this.objects = objects;
    }

    /** Starts a server keeping its objects under {@code dir}, waits until it listens, and creates {@link #BUCKET}. */
    public static S3ProxyProcess start(Path dir) throws IOException {
        Path jar = Path.of(System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no s3proxy jar at " + jar + ": the build copies it there");
        }
        Path objects = Files.createDirectories(dir.resolve("objects"));
        int port = ReplicaProcess.freePort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path properties = dir.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + objects, ""));
        Path log = Files.createDirectories(Path.of("target", "cluster-logs").toAbsolutePath()).resolve("s3proxy-" + port + ".log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", jar.toString(), "--properties", properties.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3ProxyProcess server = new S3ProxyProcess(process, endpoint, objects);
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!listening(port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                server.stop();
                throw new IllegalStateException("s3proxy did not start listening on " + port + "; log: " + Files.readString(log));
            }
            ReplicaProcess.sleep(Duration.ofMillis(100));
        }
        server.createBucket(BUCKET);
        return server;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A bucket of the filesystem backend is a folder under its base directory (the real class uses the S3 API). */
    public void createBucket(String bucket) {
        try {
            Files.createDirectories(objects.resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The service's settings for this server's bucket, as properties ({@code chainrule.storage.*}). */
    public Map<String, Object> settings(String bucket, String prefix) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("chainrule.storage.type", "s3");
        settings.put("chainrule.storage.s3.endpoint", endpoint.toString());
        settings.put("chainrule.storage.s3.region", REGION);
        settings.put("chainrule.storage.s3.bucket", bucket);
        settings.put("chainrule.storage.s3.prefix", prefix);
        settings.put("chainrule.storage.s3.path-style-access", "true");
        return settings;
    }

    /** The credentials for another process's environment (the SDK's default chain reads these). */
    public static Map<String, String> credentialsEnvironment() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", REGION);
    }

    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
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
