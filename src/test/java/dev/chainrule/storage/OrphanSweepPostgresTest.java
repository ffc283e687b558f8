package dev.chainrule.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The orphan sweep on PostgreSQL (.ci/run starts one; skipped elsewhere without it, saying so), with the data
 * directory; and two replicas' sweeps at once, of which only one runs.
 */
@PostgresDatabase.Required
class OrphanSweepPostgresTest extends OrphanSweepContract {
    private final Map<String, Object> database = PostgresDatabase.properties();

    @Override
    Map<String, Object> database() {
        return database;
    }

    @Override
    Map<String, Object> storage() {
        return Map.of();
    }

    @Test
    void whileOneReplicaSweepsAnotherSkipsItsRound() throws Exception {
        BlobStore store = context.getBean(BlobStore.class);
        store.put("models/m1/orphan.model", out -> out.write(1));
        Clock dayLater = Clock.offset(Clock.systemUTC(), Duration.ofDays(1));
        CountDownLatch listing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BlobStore held = new PausingStore(store, listing, release);
        OrphanSweep first = sweep(held, dayLater, new SimpleMeterRegistry());
        OrphanSweep second = sweep(store, dayLater, new SimpleMeterRegistry());

        CompletableFuture<OrphanSweep.Result> firstRound = CompletableFuture.supplyAsync(() -> {
            try {
                return first.sweep();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(listing.await(30, TimeUnit.SECONDS)).as("the first sweep holds the lock").isTrue();
        OrphanSweep.Result skipped = second.sweep();
        release.countDown();
        OrphanSweep.Result ran = firstRound.get(30, TimeUnit.SECONDS);

        assertThat(skipped.ran()).isFalse();
        assertThat(skipped.objects()).isEmpty();
        assertThat(ran.ran()).isTrue();
        assertThat(ran.objects()).containsExactly("models/m1/orphan.model");
        assertThat(second.sweep().ran()).as("the lock was released").isTrue();
    }

    /** A store whose first listing waits until it is released, as a long sweep would. */
    private record PausingStore(BlobStore store, CountDownLatch listing, CountDownLatch release) implements BlobStore {
        @Override
        public List<Entry> list(String prefix) throws IOException {
            listing.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return store.list(prefix);
        }

        @Override
        public String put(String key, Content content) throws IOException {
            return store.put(key, content);
        }

        @Override
        public String putFile(String key, Path file) throws IOException {
            return store.putFile(key, file);
        }

        @Override
        public InputStream open(String key) throws IOException {
            return store.open(key);
        }

        @Override
        public Path localCopy(String key) throws IOException {
            return store.localCopy(key);
        }

        @Override
        public boolean exists(String key) throws IOException {
            return store.exists(key);
        }

        @Override
        public void delete(String key) throws IOException {
            store.delete(key);
        }

        @Override
        public Path newTempFile() throws IOException {
            return store.newTempFile();
        }

        @Override
        public String location() {
            return store.location();
        }
    }
}
