package dev.chainrule.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the data directory, and where its files are. */
class LocalBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path root;
    private LocalBlobStore store;

    @BeforeEach
    void open() throws IOException {
        store = new LocalBlobStore(root);
    }

    @Override
    BlobStore store() {
        return store;
    }

    @Override
    Path tempDir() {
        return root.resolve("tmp");
    }

    @Test
    void anObjectIsTheFileAtItsKeyAndItsLocalCopyIsThatFile() throws IOException {
        store.put("models/m1/v1.model", out -> out.write(7));

        assertThat(Files.readAllBytes(root.resolve("models/m1/v1.model"))).containsExactly(7);
        assertThat(store.localCopy("models/m1/v1.model")).isEqualTo(root.resolve("models/m1/v1.model"));
        assertThat(store.location()).isEqualTo("data directory " + root.toAbsolutePath().normalize());
    }

    @Test
    void aFolderGoesWithItsLastObjectButTopLevelFoldersStay() throws IOException {
        store.put("models/m1/v1.model", out -> out.write(1));
        store.put("models/m1/v2.model", out -> out.write(2));
        store.delete("models/m1/v1.model");
        assertThat(root.resolve("models/m1")).isDirectory();
        store.delete("models/m1/v2.model");
        assertThat(root.resolve("models/m1")).doesNotExist();
        assertThat(root.resolve("models")).isDirectory();

        store.put("models/m1/v3.model", out -> out.write(3));
        assertThat(Files.readAllBytes(root.resolve("models/m1/v3.model"))).containsExactly(3);
    }

    @Test
    void theDatabaseAndTempFoldersAreNotListed() throws IOException {
        Files.createDirectories(root.resolve("db"));
        Files.writeString(root.resolve("db/chainrule.mv.db"), "h2");
        store.newTempFile();
        store.put("datasets/d.bin", out -> out.write(1));

        assertThat(store.list("")).extracting(BlobStore.Entry::key).containsExactly("datasets/d.bin");
    }
}
