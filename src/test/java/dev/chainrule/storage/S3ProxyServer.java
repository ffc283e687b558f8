package dev.chainrule.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for tests: s3proxy ({@code org.gaul:s3proxy}, the jar the build copies to
 * {@code target/s3proxy/s3proxy.jar}) run as a process of its own on a free loopback port, keeping its objects in
 * a folder (its filesystem backend). Its own Jackson never meets the test classpath. {@link #start} waits until it
 * listens and creates {@link #BUCKET}; {@link #stop} ends it.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String BUCKET = "chainrule";
    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "chainrule-test-identity";
    public static final String SECRET_KEY = "chainrule-test-credential";
    private static final long START_TIMEOUT_MS = 60_000;

    private Process process;
    private final URI endpoint;
    private final Path log;
    private final Path properties;
    private final S3Client client;

    private S3ProxyServer(Process process, URI endpoint, Path log, Path properties) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
        this.properties = properties;
        this.client = S3Client.builder().httpClientBuilder(ApacheHttpClient.builder()).endpointOverride(endpoint)
                .region(Region.of(REGION)).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    /**
     * Starts a server keeping its objects under {@code dir} (which also gets its settings and log), with
     * {@link #BUCKET} created.
     */
    public static S3ProxyServer start(Path dir) throws IOException {
        Path jar = Path.of(System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no s3proxy jar at " + jar + ": the build copies it there (mvn test-compile)");
        }
        Path data = Files.createDirectories(dir.resolve("objects"));
        int port = freePort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Path properties = dir.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + data) + "\n");
        Path log = dir.resolve("s3proxy.log");
        S3ProxyServer server = new S3ProxyServer(launch(properties, log), endpoint, log, properties);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.process.destroyForcibly()));
        try {
            server.awaitListening(port);
            server.createBucket(BUCKET);
        } catch (IOException | RuntimeException e) {
            server.stop();
            throw e;
        }
        return server;
    }

    private static Process launch(Path properties, Path log) throws IOException {
        Path jar = Path.of(System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar")).toAbsolutePath();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-Xmx256m", "-jar", jar.toString(), "--properties", properties.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** An outage: the server process ends; its objects stay on disk for {@link #restart}. */
    public void kill() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The server again, on the same port and objects, after {@link #kill}. */
    public void restart() throws IOException {
        process = launch(properties, log);
        awaitListening(endpoint.getPort());
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A client of the server with its credentials, for looking at the bucket directly. */
    public S3Client client() {
        return client;
    }

    public void createBucket(String bucket) {
        client.createBucket(b -> b.bucket(bucket));
    }

    /** Every key in a bucket. */
    public List<String> keys(String bucket) {
        return client.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream().map(o -> o.key()).toList();
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

    /** The credentials for this JVM's S3 clients that use the SDK's default chain (its system properties come first). */
    public static void useCredentialsInThisJvm() {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
    }

    public void stop() {
        client.close();
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

    private void awaitListening(int port) throws IOException {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("s3proxy ended at start (exit " + process.exitValue() + "): " + tail());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                sleep();
            }
        }
        throw new IOException("s3proxy did not listen on port " + port + " within " + START_TIMEOUT_MS + " ms: " + tail());
    }

    private String tail() {
        try {
            String text = Files.readString(log);
            return text.substring(Math.max(0, text.length() - 2000));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for s3proxy", e);
        }
    }
}
