package dev.chainrule.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.dataset.DatasetService;
import dev.chainrule.dataset.StoredDataset;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The orphan sweep on a running service's database and blob store: an object no row names goes only once it is older
 * than the grace period, a named one stays whatever its age, and so do temp files younger than the grace. Time is
 * moved by the sweep's clock, against the objects' real last-modified times (the store's clock). Runs on the data
 * directory and on an S3-compatible server, on H2 and PostgreSQL: see the subclasses.
 */
abstract class OrphanSweepContract {
    static final Duration GRACE = Duration.ofHours(1);
    final Path dataDir = Path.of("target", "test-data", "sweep-" + UUID.randomUUID()).toAbsolutePath();
    ConfigurableApplicationContext context;

    /** Datasource settings; empty for the embedded default. */
    abstract Map<String, Object> database();

    /** {@code chainrule.storage.*} settings; empty for the data directory. */
    abstract Map<String, Object> storage();

    @BeforeEach
    void start() {
        context = ServiceOnDisk.start(dataDir, database(), storage());
    }

    @AfterEach
    void stop() {
        context.close();
    }

    OrphanSweep sweep(BlobStore store, Clock clock, SimpleMeterRegistry meters) {
        return new OrphanSweep(store, context.getBean(JdbcClient.class), context.getBean(DataSource.class),
                dataDir.resolve("tmp"), GRACE, clock, meters);
    }

    StoredDataset namedDataset() throws IOException {
        return context.getBean(DatasetService.class).upload(new ByteArrayInputStream("a,y\n1,0\n2,1\n"
                .getBytes(StandardCharsets.UTF_8)), "d.csv", "d", List.of());
    }

    static Instant lastModified(BlobStore store, String key) throws IOException {
        return store.list("").stream().filter(e -> e.key().equals(key)).findFirst().orElseThrow().lastModified();
    }

    @Test
    void onlyObjectsUnnamedForLongerThanTheGraceGoAndStaleTempFilesWithThem() throws IOException, InterruptedException {
        BlobStore store = context.getBean(BlobStore.class);
        StoredDataset named = namedDataset();
        store.put("models/m1/old.model", out -> out.write(1));
        Thread.sleep(1100); // the next object's last-modified a whole second later: S3 keeps seconds
        store.put("jobs/j1/fresh.bin", out -> out.write(2));
        Instant old = lastModified(store, "models/m1/old.model");
        Instant fresh = lastModified(store, "jobs/j1/fresh.bin");
        assertThat(old).isBefore(fresh);
        // the sweep's now: the old object has just passed the grace period, the fresh one has not
        Instant now = old.plus(Duration.between(old, fresh).dividedBy(2)).plus(GRACE);
        Path staleTemp = Files.writeString(dataDir.resolve("tmp/stale.part"), "left by a crash");
        Path freshTemp = Files.writeString(dataDir.resolve("tmp/fresh.part"), "being written");
        Files.setLastModifiedTime(staleTemp, FileTime.from(now.minus(GRACE).minusSeconds(60)));
        Files.setLastModifiedTime(freshTemp, FileTime.from(now.minus(GRACE).plusSeconds(60)));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();

        OrphanSweep.Result result = sweep(store, Clock.fixed(now, ZoneOffset.UTC), meters).sweep();

        assertThat(result.ran()).isTrue();
        assertThat(result.objects()).containsExactly("models/m1/old.model");
        assertThat(result.tempFiles()).containsExactly("tmp/stale.part");
        assertThat(store.exists("models/m1/old.model")).isFalse();
        assertThat(store.exists("jobs/j1/fresh.bin")).isTrue();
        assertThat(store.exists(named.file())).as("named by its row, however old").isTrue();
        assertThat(staleTemp).doesNotExist();
        assertThat(freshTemp).exists();
        assertThat(meters.get("chainrule.storage.orphans.removed").tag("kind", "object").counter().count()).isEqualTo(1);
        assertThat(meters.get("chainrule.storage.orphans.removed").tag("kind", "temp-file").counter().count()).isEqualTo(1);

        // a day on: the fresh one is an orphan too; the named one still stays
        OrphanSweep.Result later = sweep(store, Clock.fixed(now.plus(Duration.ofDays(1)), ZoneOffset.UTC), meters).sweep();
        assertThat(later.objects()).containsExactly("jobs/j1/fresh.bin");
        assertThat(store.exists(named.file())).isTrue();
        assertThat(context.getBean(DatasetService.class).get(named.id())).isEqualTo(named);
    }
}
