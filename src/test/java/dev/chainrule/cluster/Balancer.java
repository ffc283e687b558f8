package dev.chainrule.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's HAProxy in front of the replicas, as an operator would run it: round robin, a replica taken out of
 * rotation while its readiness probe fails, a long server timeout so that SSE streams stay open. Its
 * configuration and log are written to target/cluster-logs/. Two additions for the tests, both plain HAProxy:
 * every answer names the replica that gave it in {@value #SERVED_BY}, and a request carrying {@value #ROUTE}
 * goes to the replica it names (while that one is up), so a test can put a request through the balancer onto a
 * replica of its choice.
 */
public final class Balancer implements AutoCloseable {
    /** Response header: the name of the replica that answered. */
    public static final String SERVED_BY = "X-Chainrule-Replica";
    /** Request header: the name of the replica that should answer. */
    public static final String ROUTE = "X-Chainrule-Route";

    private final List<ReplicaProcess> replicas;
    private final int port = ReplicaProcess.freePort();
    private Process process;
    private Path config;

    public Balancer(List<ReplicaProcess> replicas) {
        this.replicas = List.copyOf(replicas);
    }

    /** HAProxy's binary on this machine, if it has one. */
    public static Optional<Path> binary() {
        return Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(":")), Stream.of("/usr/sbin", "/usr/local/sbin"))
                .filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, "haproxy")).filter(Files::isExecutable).findFirst();
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Path config() {
        return config;
    }

    /** The configuration this balancer runs with. */
    String configuration() {
        StringBuilder text = new StringBuilder("""
                # written by dev.chainrule.cluster.Balancer for the cluster tests
                global
                    log stdout format raw local0 info
                    maxconn 512

                defaults
                    mode http
                    log global
                    option httplog
                    # a fresh connection to the replica for every request: nothing pooled to a replica that died
                    option http-server-close
                    # a replica that refuses the connection (killed, not yet marked down): try another one
                    option redispatch
                    retries 3
                    timeout connect 1s
                    timeout client 10m
                    # SSE streams (GET /jobs/{id}/events) stay open as long as a job runs
                    timeout server 10m
                    timeout tunnel 10m
                    timeout http-request 30s
                    timeout queue 30s
                    timeout check 1s

                frontend chainrule
                """);
        text.append("    bind 127.0.0.1:").append(port).append('\n');
        text.append("""
                    default_backend replicas

                backend replicas
                    balance roundrobin
                    option httpchk GET /actuator/health/readiness
                    http-check expect status 200
                    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 1
                """);
        text.append("    http-response set-header ").append(SERVED_BY).append(" %[srv_name]\n");
        for (ReplicaProcess replica : replicas) {
            text.append("    use-server ").append(replica.name()).append(" if { req.hdr(").append(ROUTE).append(") -m str ")
                    .append(replica.name()).append(" }\n");
        }
        for (ReplicaProcess replica : replicas) {
            text.append("    server ").append(replica.name()).append(" 127.0.0.1:").append(replica.port()).append(" check\n");
        }
        return text.toString();
    }

    /** Writes the configuration, checks it with {@code haproxy -c}, starts HAProxy and waits until it listens. */
    public Balancer start() {
        Path haproxy = binary().orElseThrow(() -> new IllegalStateException("no haproxy binary (Debian: apt-get install haproxy)"));
        try {
            Path logs = Files.createDirectories(Path.of("target", "cluster-logs").toAbsolutePath());
            config = logs.resolve("haproxy-" + port + ".cfg");
            Files.writeString(config, configuration());
            Path log = logs.resolve("haproxy-" + port + ".log");
            Process check = new ProcessBuilder(haproxy.toString(), "-c", "-f", config.toString()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (check.waitFor() != 0) {
                throw new IllegalStateException("haproxy -c rejected " + config + ": " + Files.readString(log));
            }
            process = new ProcessBuilder(haproxy.toString(), "-db", "-f", config.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!listening()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("haproxy did not start listening on " + port + "; log: " + Files.readString(log));
                }
                ReplicaProcess.sleep(Duration.ofMillis(50));
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
