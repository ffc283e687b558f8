package dev.chainrule.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlobStore} does, run against each implementation (the subclasses): the data directory and an
 * S3-compatible server.
 */
abstract class BlobStoreContract {
    /** The store under test, fresh for each test. */
    abstract BlobStore store();

    /** Where the store makes its temp files. */
    abstract Path tempDir();

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] read(BlobStore store, String key) throws IOException {
        try (InputStream in = store.open(key)) {
            return in.readAllBytes();
        }
    }

    @Test
    void anObjectReadsBackAsWrittenThroughEveryReader() throws IOException {
        BlobStore store = store();
        Instant before = Instant.now();
        assertThat(store.put("models/m1/v1.model", out -> out.write(bytes("weights of v1")))).isEqualTo("models/m1/v1.model");
        Instant after = Instant.now();

        assertThat(read(store, "models/m1/v1.model")).isEqualTo(bytes("weights of v1"));
        assertThat(Files.readAllBytes(store.localCopy("models/m1/v1.model"))).isEqualTo(bytes("weights of v1"));
        assertThat(store.exists("models/m1/v1.model")).isTrue();
        List<BlobStore.Entry> listed = store.list("models/");
        assertThat(listed).extracting(BlobStore.Entry::key).containsExactly("models/m1/v1.model");
        // S3 keeps whole seconds, from the server's clock (the same machine here)
        assertThat(listed.get(0).lastModified()).isBetween(before.minusSeconds(2), after.plusSeconds(2));
        assertThat(tempFiles()).as("no temp file left").isEmpty();
    }

    @Test
    void aFinishedTempFileIsStoredAndIsGoneAfterwards() throws IOException {
        BlobStore store = store();
        Path temp = store.newTempFile();
        Files.write(temp, bytes("a dataset"));

        assertThat(store.putFile("datasets/d1.bin", temp)).isEqualTo("datasets/d1.bin");

        assertThat(temp).doesNotExist();
        assertThat(read(store, "datasets/d1.bin")).isEqualTo(bytes("a dataset"));
    }

    @Test
    void aKeyIsNeverOverwritten() throws IOException {
        BlobStore store = store();
        store.put("models/m1/v1.model", out -> out.write(bytes("first")));

        assertThatThrownBy(() -> store.put("models/m1/v1.model", out -> out.write(bytes("second"))))
                .isInstanceOf(BlobExistsException.class).hasMessageContaining("models/m1/v1.model");
        Path temp = store.newTempFile();
        Files.write(temp, bytes("third"));
        assertThatThrownBy(() -> store.putFile("models/m1/v1.model", temp)).isInstanceOf(BlobExistsException.class);

        assertThat(read(store, "models/m1/v1.model")).isEqualTo(bytes("first"));
        assertThat(temp).doesNotExist();
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void aMissingKeyIsNoSuchFileForReadersAndNothingForDelete() throws IOException {
        BlobStore store = store();
        assertThatThrownBy(() -> store.open("models/m1/none.model")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.localCopy("models/m1/none.model")).isInstanceOf(NoSuchFileException.class);
        assertThat(store.exists("models/m1/none.model")).isFalse();
        store.delete("models/m1/none.model");
        assertThat(store.list("models/")).isEmpty();
    }

    @Test
    void aDeletedObjectIsGoneForEveryReader() throws IOException {
        BlobStore store = store();
        store.put("jobs/j1/checkpoint-3.bin", out -> out.write(bytes("state")));
        store.put("jobs/j1/training.nd4j", out -> out.write(bytes("rows")));
        assertThat(store.localCopy("jobs/j1/checkpoint-3.bin")).exists();

        store.delete("jobs/j1/checkpoint-3.bin");

        assertThat(store.exists("jobs/j1/checkpoint-3.bin")).isFalse();
        assertThatThrownBy(() -> store.open("jobs/j1/checkpoint-3.bin")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.localCopy("jobs/j1/checkpoint-3.bin")).isInstanceOf(NoSuchFileException.class);
        assertThat(store.list("jobs/")).extracting(BlobStore.Entry::key).containsExactly("jobs/j1/training.nd4j");
        assertThat(read(store, "jobs/j1/training.nd4j")).isEqualTo(bytes("rows"));
    }

    @Test
    void aListingHasExactlyTheKeysWithThePrefix() throws IOException {
        BlobStore store = store();
        for (String key : List.of("models/a/1.model", "models/a/2.model", "models/ab/1.model", "models/b/1.model",
                "datasets/a.bin", "jobs/x/checkpoint-1.bin")) {
            store.put(key, out -> out.write(bytes(key)));
        }

        assertThat(store.list("models/")).extracting(BlobStore.Entry::key)
                .containsExactlyInAnyOrder("models/a/1.model", "models/a/2.model", "models/ab/1.model", "models/b/1.model");
        assertThat(store.list("models/a/")).extracting(BlobStore.Entry::key)
                .containsExactlyInAnyOrder("models/a/1.model", "models/a/2.model");
        assertThat(store.list("models/a")).extracting(BlobStore.Entry::key)
                .containsExactlyInAnyOrder("models/a/1.model", "models/a/2.model", "models/ab/1.model");
        assertThat(store.list("datasets/")).extracting(BlobStore.Entry::key).containsExactly("datasets/a.bin");
        assertThat(store.list("")).hasSize(6);
        assertThat(store.list("nothing/")).isEmpty();
    }

    @Test
    void aWriterThatFailsLeavesNothing() throws IOException {
        BlobStore store = store();
        assertThatThrownBy(() -> store.put("models/m1/v1.model", out -> {
            out.write(bytes("half"));
            throw new IOException("disk full");
        })).hasMessage("disk full");

        assertThat(store.exists("models/m1/v1.model")).isFalse();
        assertThat(store.list("")).isEmpty();
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void keysThatCouldLeaveTheStoreOrNeedEscapingAreRefused() throws IOException {
        BlobStore store = store();
        for (String key : List.of("../x", "models/../../x", "models/../x.model", "/models/x", "models//x", "models/./x",
                "x.model", "tmp/x", "db/chainrule.mv.db", "models/a b", "models/a\\b", "models/", "")) {
            assertThatThrownBy(() -> store.put(key, out -> out.write(1))).as(key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.open(key)).as(key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.delete(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.list("../")).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.list("")).isEmpty();
        assertThat(tempFiles()).isEmpty();
    }

    /** 64 MB from a seeded generator, written through the store and read back by digest: streamed both ways. */
    @Test
    void aLargeObjectStreamsThroughAndReadsBackByDigest() throws IOException {
        BlobStore store = store();
        long size = 64L << 20;
        byte[] expected = generate(size, OutputStream.nullOutputStream());

        store.put("datasets/large.bin", out -> generate(size, out));

        try (InputStream in = store.open("datasets/large.bin")) {
            assertThat(digest(in)).isEqualTo(expected);
        }
        Path copy = store.localCopy("datasets/large.bin");
        assertThat(Files.size(copy)).isEqualTo(size);
        try (InputStream in = Files.newInputStream(copy)) {
            assertThat(digest(in)).isEqualTo(expected);
        }
    }

    /** Writes {@code size} pseudo-random bytes in 64 KB pieces; returns their SHA-256. */
    private static byte[] generate(long size, OutputStream out) throws IOException {
        SplittableRandom random = new SplittableRandom(20261206);
        MessageDigest digest = sha256();
        byte[] piece = new byte[1 << 16];
        for (long written = 0; written < size; written += piece.length) {
            random.nextBytes(piece);
            digest.update(piece);
            out.write(piece);
        }
        return digest.digest();
    }

    private static byte[] digest(InputStream in) throws IOException {
        MessageDigest digest = sha256();
        try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
            digesting.transferTo(OutputStream.nullOutputStream());
        }
        return digest.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    List<Path> tempFiles() throws IOException {
        try (Stream<Path> files = Files.list(tempDir())) {
            return files.toList();
        }
    }
}
