package dev.chainrule.client;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real service, started once for all the tests from its packaged jar (never a mock): a separate JVM on a free
 * loopback port, with a data directory of its own, an ADMIN and a READ API key, one training worker and a queue of
 * one job (so that a third job is refused with 429), uploads limited to 1 MB and predictions to 200 rows. Tests get
 * it as a parameter ({@code @ExtendWith(LiveService.Extension.class)}).
 *
 * <p>The jar is {@code -Dchainrule.jar} (a jar, or a directory holding {@code chainrule-*.jar}), by default
 * {@code ../../target} from {@code sdk/java}: build it first with {@code ./mvnw package -DskipTests} at the
 * repository's root.
 */
final class LiveService implements AutoCloseable {
    private static final Duration READY_WITHIN = Duration.ofSeconds(180);
    /** The service's upload limit here: iris is 3 KB, so a test can pass the limit without sending much. */
    static final long MAX_DATASET_BYTES = 1 << 20;
    /** The service's predict row limit here: above iris's 150 rows, so that a test can pass it with a small body. */
    static final int MAX_PREDICT_ROWS = 200;

    final URI baseUrl;
    final String adminKey;
    final String readKey;
    private final Process process;
    private final Path workDirectory;
    private final Path log;

    private LiveService(URI baseUrl, String adminKey, String readKey, Process process, Path workDirectory, Path log) {
        this.baseUrl = baseUrl;
        this.adminKey = adminKey;
        this.readKey = readKey;
        this.process = process;
        this.workDirectory = workDirectory;
        this.log = log;
    }

    /** A client with the ADMIN key. */
    ChainruleClient admin() {
        return ChainruleClient.builder().baseUrl(baseUrl).apiKey(adminKey).build();
    }

    /** A client with the READ key. */
    ChainruleClient reader() {
        return ChainruleClient.builder().baseUrl(baseUrl).apiKey(readKey).build();
    }

    static LiveService start() throws IOException, InterruptedException {
        Path jar = serviceJar();
        Path work = Files.createTempDirectory("chainrule-sdk-test-");
        Path dataDir = Files.createDirectory(work.resolve("data"));
        Path log = work.resolve("service.log");
        int port = freePort();
        String adminKey = randomKey();
        String readKey = randomKey();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-jar", jar.toString(),
                "--server.address=127.0.0.1", "--server.port=" + port, "--chainrule.data-dir=" + dataDir,
                "--chainrule.jobs.workers=1", "--chainrule.jobs.queue-capacity=1",
                "--chainrule.limits.max-dataset-size=" + MAX_DATASET_BYTES,
                "--chainrule.limits.max-predict-rows=" + MAX_PREDICT_ROWS));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // the keys go in the environment, as an operator gives them (not on the command line, where ps shows them)
        builder.environment().put("CHAINRULE_SECURITY_API_KEYS_0_KEY", adminKey);
        builder.environment().put("CHAINRULE_SECURITY_API_KEYS_0_ROLE", "ADMIN");
        builder.environment().put("CHAINRULE_SECURITY_API_KEYS_1_KEY", readKey);
        builder.environment().put("CHAINRULE_SECURITY_API_KEYS_1_ROLE", "READ");
        Process process = builder.start();
        LiveService service = new LiveService(URI.create("http://127.0.0.1:" + port), adminKey, readKey, process, work, log);
        try {
            service.awaitReady();
        } catch (RuntimeException | Error e) {
            service.close();
            throw e;
        }
        return service;
    }

    private void awaitReady() throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest readiness = HttpRequest.newBuilder(baseUrl.resolve("/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(5)).build();
        Instant giveUp = Instant.now().plus(READY_WITHIN);
        while (Instant.now().isBefore(giveUp)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited (" + process.exitValue() + ") before it was ready; its log ends:\n" + logTail());
            }
            try {
                HttpResponse<String> response = http.send(readiness, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the service was not ready within " + READY_WITHIN.toSeconds() + " s; its log ends:\n" + logTail());
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops the service (SIGTERM, its graceful shutdown; then killed after 30 s) and removes its data. */
    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(workDirectory)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    static Path serviceJar() throws IOException {
        Path given = Path.of(System.getProperty("chainrule.jar", "../../target"));
        if (Files.isRegularFile(given)) {
            return given;
        }
        if (Files.isDirectory(given)) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(given, "chainrule-*.jar")) {
                for (Path jar : jars) {
                    if (!jar.getFileName().toString().endsWith("-plain.jar")) {
                        return jar;
                    }
                }
            }
        }
        throw new IllegalStateException("no service jar at " + given.toAbsolutePath().normalize() + " (chainrule-*.jar): "
                + "the SDK's tests run against the real service; build it first with './mvnw package -DskipTests' at the "
                + "repository's root, or point -Dchainrule.jar at a jar");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String randomKey() {
        byte[] bytes = new byte[24];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Resolves {@link LiveService} parameters: one service for the whole test run, stopped at its end. */
    static final class Extension implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == LiveService.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .computeIfAbsent(LiveService.class, type -> {
                        try {
                            return start();
                        } catch (IOException e) {
                            throw new IllegalStateException("cannot start the service: " + e, e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("interrupted while starting the service", e);
                        }
                    }, LiveService.class);
        }
    }
}
