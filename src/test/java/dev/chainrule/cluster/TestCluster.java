package dev.chainrule.cluster;

import dev.chainrule.storage.PostgresDatabase;
import dev.chainrule.storage.S3ProxyServer;
import dev.chainrule.testhttp.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A whole cluster on loopback, as issue 13 deploys it: a fresh schema of the test PostgreSQL server
 * ({@code .ci/postgres.sh}) for the shared state and job queue, an S3-compatible server (s3proxy) for the arrays,
 * replicas of the packaged jar, and HAProxy in front of them. Replica {@code i} is named {@code r<i>}, and that is
 * its {@code chainrule.cluster.replica-id} and its server name in the balancer.
 */
public final class TestCluster implements AutoCloseable {
    /** Short, so that a takeover after a kill or a freeze comes within seconds; the service's defaults are 15s / 2s / 1s. */
    public static final Duration LEASE = Duration.ofSeconds(5);
    public static final Duration RENEWAL = Duration.ofSeconds(1);
    public static final Duration CLAIM_INTERVAL = Duration.ofMillis(500);
    public static final int WORKERS = 1;
    public static final int QUEUE_CAPACITY = 2;

    private final Map<String, Object> database = PostgresDatabase.properties();
    private final String schema = (String) database.get("spring.flyway.default-schema");
    private S3ProxyServer s3;
    private final String prefix = "cluster-" + UUID.randomUUID().toString().substring(0, 8) + "/";
    private final List<ReplicaProcess> replicas = new ArrayList<>();
    private Balancer balancer;

    /** Starts the schema, the object store, {@code count} replicas side by side, then the balancer. */
    public TestCluster start(int count) {
        createSchema();
        try {
            s3 = S3ProxyServer.start(Path.of("target", "cluster-data", "s3-" + UUID.randomUUID()).toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 1; i <= count; i++) {
            replicas.add(newReplica("r" + i));
        }
        // the first one alone, so that one replica applies the migrations before the others start
        replicas.get(0).start();
        replicas.subList(1, count).forEach(ReplicaProcess::launch);
        replicas.subList(1, count).forEach(ReplicaProcess::awaitReady);
        balancer = new Balancer(replicas).start();
        return this;
    }

    /** A replica of this cluster, not started and not behind the balancer (e.g. one that joins later). */
    public ReplicaProcess newReplica(String name) {
        Map<String, String> env = new LinkedHashMap<>();
        // the credentials and the database the way an operator passes them (environment, as a Secret would)
        env.put("SPRING_DATASOURCE_URL", (String) database.get("spring.datasource.url"));
        env.put("SPRING_DATASOURCE_USERNAME", (String) database.get("spring.datasource.username"));
        env.put("SPRING_DATASOURCE_PASSWORD", (String) database.get("spring.datasource.password"));
        env.putAll(S3ProxyServer.credentialsEnvironment());
        List<String> args = new ArrayList<>();
        s3.settings(S3ProxyServer.BUCKET, prefix).forEach((setting, value) -> args.add("--" + setting + "=" + value));
        args.addAll(List.of(
                "--spring.flyway.default-schema=" + schema,
                "--chainrule.jobs.workers=" + WORKERS,
                "--chainrule.jobs.queue-capacity=" + QUEUE_CAPACITY,
                // one BLAS thread each: three replicas share the machine's cores
                "--chainrule.jobs.blas-threads=1",
                // a checkpoint after every epoch: a takeover resumes after the last epoch reported
                "--chainrule.jobs.checkpoint-interval=0s",
                "--chainrule.cluster.replica-id=" + name,
                "--chainrule.cluster.lease-duration=" + LEASE.toMillis() + "ms",
                "--chainrule.cluster.lease-renewal-interval=" + RENEWAL.toMillis() + "ms",
                "--chainrule.cluster.claim-interval=" + CLAIM_INTERVAL.toMillis() + "ms"));
        return new ReplicaProcess(name, env, args);
    }

    public List<ReplicaProcess> replicas() {
        return replicas;
    }

    public ReplicaProcess replica(String name) {
        return replicas.stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no replica " + name));
    }

    /** Every replica in the balancer but {@code name}. */
    public List<ReplicaProcess> others(String name) {
        return replicas.stream().filter(r -> !r.name().equals(name)).toList();
    }

    public TestHttp viaBalancer() {
        return TestHttp.at(balancer.base());
    }

    public TestHttp direct(String name) {
        return TestHttp.at(replica(name).base());
    }

    /** After a scenario: every replica thawed and running again (a killed one restarted on its port). */
    public void restoreReplicas() {
        for (ReplicaProcess replica : replicas) {
            if (replica.isFrozen()) {
                replica.thaw();
            }
            if (!replica.isAlive()) {
                replica.start();
            }
        }
    }

    private void createSchema() {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("creating schema " + schema + " on " + System.getenv(PostgresDatabase.URL), e);
        }
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(System.getenv(PostgresDatabase.URL),
                System.getenv().getOrDefault("CHAINRULE_TEST_POSTGRES_USER", "chainrule"),
                System.getenv().getOrDefault("CHAINRULE_TEST_POSTGRES_PASSWORD", ""));
    }

    @Override
    public void close() {
        if (balancer != null) {
            balancer.close();
        }
        replicas.forEach(ReplicaProcess::close);
        if (s3 != null) {
            s3.stop();
        }
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("dropping schema " + schema, e);
        }
    }
}
