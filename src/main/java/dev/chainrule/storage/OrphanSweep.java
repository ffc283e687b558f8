package dev.chainrule.storage;

import dev.chainrule.config.ChainruleProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Removes the objects no database row names (an object is stored before the row that names it, so a crash in
 * between leaves one) and forgotten temp files, but only those older than {@code chainrule.storage.orphan-grace}:
 * a younger one may be another replica's write whose row is still to come. Runs at startup and then every quarter
 * of the grace period. On PostgreSQL one replica sweeps at a time (a session advisory lock held on one connection
 * for the sweep; the others skip that round); on H2 the database is a file only one process can open, so there
 * is no other replica to take turns with, and the sweep simply runs.
 */
@Component
public class OrphanSweep implements SmartLifecycle {
    /** Where stored objects live; everything else in the store is not this sweep's. */
    static final List<String> PREFIXES = List.of("models/", "datasets/", "jobs/");
    /** Every column that names a stored object. */
    static final String REFERENCED_OBJECTS = """
            SELECT file FROM model_versions
            UNION ALL SELECT file FROM datasets
            UNION ALL SELECT checkpoint FROM jobs WHERE checkpoint IS NOT NULL
            UNION ALL SELECT training_file FROM jobs WHERE training_file IS NOT NULL
            UNION ALL SELECT validation_file FROM jobs WHERE validation_file IS NOT NULL
            UNION ALL SELECT result_file FROM jobs WHERE result_file IS NOT NULL""";
    /** The advisory lock's key: any constant that nothing else in the database uses. */
    static final long LOCK_KEY = 0x6368_6169_6e72_756cL; // "chainrul"
    private static final Logger log = LoggerFactory.getLogger(OrphanSweep.class);

    private final BlobStore store;
    private final JdbcClient database;
    private final DataSource dataSource;
    private final Path tmp;
    private final Duration grace;
    private final Clock clock;
    private final Counter removedObjects;
    private final Counter removedTempFiles;
    private ScheduledExecutorService timer;

    /** What one sweep did: {@code ran} is false when another replica held the lock. */
    public record Result(boolean ran, List<String> objects, List<String> tempFiles) {
    }

    @Autowired
    public OrphanSweep(BlobStore store, JdbcClient database, DataSource dataSource, ChainruleProperties properties,
                       Clock clock, MeterRegistry meters) {
        this(store, database, dataSource, properties.dataDir().resolve(LocalBlobStore.TMP),
                properties.storage().orphanGrace(), clock, meters);
    }

    public OrphanSweep(BlobStore store, JdbcClient database, DataSource dataSource, Path tmp, Duration grace, Clock clock,
                       MeterRegistry meters) {
        this.store = store;
        this.database = database;
        this.dataSource = dataSource;
        this.tmp = tmp;
        this.grace = grace;
        this.clock = clock;
        this.removedObjects = Counter.builder("chainrule.storage.orphans.removed").tag("kind", "object")
                .description("objects the orphan sweep removed: stored, then named by no row for the grace period")
                .register(meters);
        this.removedTempFiles = Counter.builder("chainrule.storage.orphans.removed").tag("kind", "temp-file")
                .description("temp files older than the grace period that the orphan sweep removed").register(meters);
    }

    /** One sweep, unless another replica is sweeping (PostgreSQL). */
    public Result sweep() throws IOException {
        try (Connection connection = dataSource.getConnection()) {
            if (!"PostgreSQL".equals(connection.getMetaData().getDatabaseProductName())) {
                return sweepUnlocked();
            }
            if (!advisoryLock(connection, "SELECT pg_try_advisory_lock(?)")) {
                log.debug("orphan sweep skipped: another replica is sweeping");
                return new Result(false, List.of(), List.of());
            }
            try {
                return sweepUnlocked();
            } finally {
                advisoryLock(connection, "SELECT pg_advisory_unlock(?)"); // the pool keeps the session: unlock it
            }
        } catch (SQLException e) {
            throw new IOException("the orphan sweep cannot reach the database", e);
        }
    }

    private static boolean advisoryLock(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, LOCK_KEY);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private Result sweepUnlocked() throws IOException {
        Instant cutoff = clock.instant().minus(grace);
        List<String> old = new ArrayList<>();
        for (String prefix : PREFIXES) {
            for (BlobStore.Entry entry : store.list(prefix)) {
                if (entry.lastModified().isBefore(cutoff)) {
                    old.add(entry.key());
                }
            }
        }
        List<String> objects = new ArrayList<>();
        if (!old.isEmpty()) {
            // read after listing: a row inserted before this read is seen, so only objects unnamed now go
            Set<String> named = new HashSet<>(database.sql(REFERENCED_OBJECTS).query(String.class).list());
            for (String key : old) {
                if (!named.contains(key)) {
                    store.delete(key);
                    objects.add(key);
                }
            }
        }
        List<String> tempFiles = sweepTempFiles(cutoff);
        removedObjects.increment(objects.size());
        removedTempFiles.increment(tempFiles.size());
        if (!objects.isEmpty() || !tempFiles.isEmpty()) {
            log.info("orphan sweep of {}: removed {} object(s) no row named for {} {} and {} temp file(s) {}",
                    store.location(), objects.size(), grace, objects, tempFiles.size(), tempFiles);
        }
        return new Result(true, objects, tempFiles);
    }

    private List<String> sweepTempFiles(Instant cutoff) throws IOException {
        List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(tmp)) {
            return removed;
        }
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                try {
                    if (Files.isRegularFile(file) && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                        Files.delete(file);
                        removed.add(LocalBlobStore.TMP + "/" + file.getFileName());
                    }
                } catch (NoSuchFileException e) {
                    // its writer finished with it meanwhile
                }
            }
        }
        return removed;
    }

    /** The first sweep runs before the context is ready; a failed one is logged, and the next round tries again. */
    @Override
    public synchronized void start() {
        sweepLogged();
        long period = Math.max(1000, grace.toMillis() / 4);
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "orphan-sweep");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::sweepLogged, period, period, TimeUnit.MILLISECONDS);
    }

    private void sweepLogged() {
        try {
            sweep();
        } catch (IOException | RuntimeException e) {
            log.warn("orphan sweep of {} failed; it runs again in {}", store.location(), grace.dividedBy(4), e);
        }
    }

    @Override
    public synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return timer != null;
    }
}
