package dev.chainrule.cluster;

import dev.chainrule.testhttp.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One replica of the cluster: the packaged jar as a JVM of its own on a free loopback port, with its own empty
 * data directory (under target/cluster-data/) and its log in target/cluster-logs/. It keeps its port and data
 * directory across {@link #kill9()} and {@link #start()}, so a balancer's configuration stays true when it comes
 * back. {@link #freeze()} and {@link #thaw()} stop and continue it with SIGSTOP / SIGCONT, as a long GC pause or a
 * partitioned host would look to the others.
 */
public final class ReplicaProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final String name;
    private final Map<String, String> env;
    private final List<String> args;
    private final int port;
    private final Path dataDir;
    private Process process;
    private Path log;
    private int starts;
    private boolean frozen;

    /**
     * @param name a short name, also used for the log file (the cluster tests make it the replica id)
     * @param env  environment variables added to this process's own
     * @param args Spring Boot arguments such as {@code --chainrule.jobs.workers=1}, after the port, address and
     *             data directory this class sets
     */
    public ReplicaProcess(String name, Map<String, String> env, List<String> args) {
        this.name = name;
        this.env = new LinkedHashMap<>(env);
        this.args = List.copyOf(args);
        this.port = freePort();
        this.dataDir = Path.of("target", "cluster-data", name + "-" + UUID.randomUUID()).toAbsolutePath();
    }

    /** The packaged jar: the failsafe configuration passes it as {@code chainrule.jar}, else target/chainrule-*.jar. */
    public static Path jar() {
        String configured = System.getProperty("chainrule.jar");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().matches("chainrule-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/chainrule-*.jar: run ./mvnw package first"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Path dataDir() {
        return dataDir;
    }

    /** This start's log file (a new one for every start). */
    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public boolean isFrozen() {
        return frozen;
    }

    /** Starts the JVM and waits until its readiness probe answers 200. */
    public ReplicaProcess start() {
        launch();
        awaitReady();
        return this;
    }

    /** Starts the JVM without waiting (several replicas then start side by side); {@link #awaitReady()} next. */
    public void launch() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        try {
            Files.createDirectories(dataDir);
            Path logs = Files.createDirectories(Path.of("target", "cluster-logs").toAbsolutePath());
            log = logs.resolve(name + "-" + (++starts) + ".log");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx768m", "-XX:+ExitOnOutOfMemoryError", "-jar", jar().toString(),
                    "--server.address=127.0.0.1", "--server.port=" + port, "--chainrule.data-dir=" + dataDir));
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            process = builder.start();
            Process started = process;
            // never outlive the test JVM, whatever ends it
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
            frozen = false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready; log: " + log);
            }
            if (ready()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not ready within " + READY_TIMEOUT + "; log: " + log);
            }
            sleep(Duration.ofMillis(200));
        }
    }

    /** Whether the readiness probe answers 200 now. */
    public boolean ready() {
        try {
            return TestHttp.at(base()).withTimeout(Duration.ofSeconds(2)).get("/actuator/health/readiness").status() == 200;
        } catch (UncheckedIOException notListening) {
            return false;
        }
    }

    /** SIGKILL, no shutdown of any kind; waits until the process is gone. */
    public void kill9() {
        process.destroyForcibly(); // a stopped (SIGSTOP) process dies of SIGKILL too
        frozen = false;
        awaitExit(Duration.ofSeconds(30));
    }

    /** SIGTERM (Spring Boot's graceful shutdown, and the service's handover), then waits for the exit. */
    public int stop() {
        if (frozen) {
            thaw();
        }
        process.destroy();
        return awaitExit(Duration.ofSeconds(90));
    }

    /** SIGSTOP: the process stays, holding its sockets, and does nothing until {@link #thaw()}. */
    public void freeze() {
        signal("STOP");
        frozen = true;
    }

    /** SIGCONT. */
    public void thaw() {
        signal("CONT");
        frozen = false;
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " exited with " + kill.exitValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException(name + " did not exit within " + timeout + "; log: " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the process if it is still there (the end of a test, whatever happened in it). */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return name + "@" + port;
    }
}
