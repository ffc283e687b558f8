package dev.chainrule.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.model.Page;
import dev.chainrule.storage.LocalBlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import dev.chainrule.storage.BlobStore;
import dev.chainrule.storage.ServiceOnDisk;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The dataset store against a real database and data directory, across restarts of the application on the same
 * ones. Runs on the embedded default (H2) and on PostgreSQL: see the subclasses.
 */
abstract class DatasetStoreContract {
    private final Path dataDir = Path.of("target", "test-data", "datasets-" + UUID.randomUUID()).toAbsolutePath();
    private ConfigurableApplicationContext context;

    /** Datasource settings for this database; empty for the embedded default. */
    abstract Map<String, Object> database();

    private DatasetService start() {
        context = ServiceOnDisk.start(dataDir, database(), Map.of("chainrule.limits.max-dataset-columns", 6));
        return context.getBean(DatasetService.class);
    }

    /** The dataset's rows for a 3-way softmax, read from its file through the store, as a job reads them. */
    private Dataset rowsOf(StoredDataset dataset) throws IOException {
        Path file = context.getBean(BlobStore.class).localCopy(dataset.file());
        return DatasetFile.open(file).load(new TargetEncoding(LossKind.CROSS_ENTROPY, 3), failOnProblem(), null)[0];
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void aDatasetSurvivesARestartWithItsSummaryAndRows() throws IOException {
        DatasetService datasets = start();
        StoredDataset iris;
        try (InputStream in = Files.newInputStream(TestDatasets.file("iris/iris.csv"))) {
            iris = datasets.upload(in, "iris.csv", "iris", List.of());
        }
        StoredDataset two = datasets.upload(csv("a,b,y\n1,2,0.5\n3,4,1.5\n"), "two.csv", "two", List.of("y"));
        Dataset rows = rowsOf(iris);
        context.close();

        datasets = start();
        Page<StoredDataset> page = datasets.list(0, 10);
        assertThat(page.items()).extracting(StoredDataset::id).containsExactly(iris.id(), two.id());
        assertThat(page.totalItems()).isEqualTo(2);
        StoredDataset again = datasets.get(iris.id());
        assertThat(again).isEqualTo(iris);
        assertThat(again.summary().classCounts()).isEqualTo(Map.of(0, 50L, 1, 50L, 2, 50L));
        assertThat(datasets.get(two.id()).summary().targetColumns()).containsExactly("y");
        assertThat(datasets.get(two.id()).summary().classCounts()).isNull();
        Dataset reread = rowsOf(again);
        assertThat(reread.features()).isEqualTo(rows.features());
        assertThat(reread.targets()).isEqualTo(rows.targets());
        assertThat(reread.features().dataType()).isEqualTo(DataType.FLOAT);
    }

    @Test
    void aFailedUploadLeavesNeitherRowNorFile() throws IOException {
        DatasetService datasets = start();
        datasets.upload(csv("a,y\n1,0\n"), "ok.csv", "ok", List.of());
        List<String> before = files();

        assertThatThrownBy(() -> datasets.upload(csv("a,y\n1,0\n2\n"), "ragged.csv", "ragged", List.of()))
                .isInstanceOf(InvalidCsvException.class);
        assertThatThrownBy(() -> datasets.upload(csv("a,b,c,d,e,f,y\n1,2,3,4,5,6,7\n"), "wide.csv", "wide", List.of()))
                .isInstanceOf(InvalidCsvException.class).hasMessageContaining("chainrule.limits.max-dataset-columns");
        assertThatThrownBy(() -> datasets.upload(csv("a,y\n1,0\n"), "target.csv", "target", List.of("label")))
                .isInstanceOf(InvalidCsvException.class);

        assertThat(files()).isEqualTo(before);
        assertThat(datasets.list(0, 10).totalItems()).isEqualTo(1);
    }

    @Test
    void deletingRemovesRowAndFileAndIsRefusedWhileAJobUsesIt() throws IOException {
        DatasetService datasets = start();
        JdbcClient db = context.getBean(JdbcClient.class);
        StoredDataset dataset = datasets.upload(csv("a,y\n1,0\n2,1\n"), "d.csv", "d", List.of());
        Path file = dataDir.resolve(dataset.file());
        assertThat(file).exists();
        assertThat(dataset.file()).isEqualTo("datasets/" + dataset.id() + ".bin");
        assertThat(Files.size(file)).isEqualTo(dataset.sizeBytes());

        // the training jobs answer from their records: a queued job's record naming the dataset (as validation rows)
        String jobId = UUID.randomUUID().toString();
        db.sql("""
                INSERT INTO jobs (id, model_id, status, spec, validation_dataset_id, created_at, history)
                VALUES (?, 'some-model', 'QUEUED', '{}', ?, CURRENT_TIMESTAMP, '[]')""").params(jobId, dataset.id()).update();
        assertThatThrownBy(() -> datasets.delete(dataset.id())).isInstanceOf(DatasetInUseException.class);
        assertThat(file).exists();
        db.sql("UPDATE jobs SET status = 'SUCCEEDED' WHERE id = ?").param(jobId).update();

        datasets.delete(dataset.id());
        assertThatThrownBy(() -> datasets.get(dataset.id())).isInstanceOf(DatasetNotFoundException.class);
        assertThatThrownBy(() -> datasets.delete(dataset.id())).isInstanceOf(DatasetNotFoundException.class);
        assertThat(db.sql("SELECT count(*) FROM datasets").query(Long.class).single()).isZero();
        assertThat(file).doesNotExist();
    }

    @Test
    void aDatasetFileNoRowNamesForTheGracePeriodIsRemovedAtStartup() throws IOException {
        DatasetService datasets = start();
        StoredDataset kept = datasets.upload(csv("a,y\n1,0\n"), "kept.csv", "kept", List.of());
        context.close();
        // what a crash between the write and the insert leaves behind, long enough ago
        LocalBlobStore files = new LocalBlobStore(dataDir);
        Path temp = files.newTempFile();
        DatasetFileWriter.fromCsv(CsvDatasetReader.lastColumnAsTarget(), csv("a,y\n1,0\n"), "orphan.csv", temp);
        files.putFile("datasets/orphan.bin", temp);
        Path halfWritten = files.newTempFile();
        FileTime twoHoursAgo = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
        Files.setLastModifiedTime(dataDir.resolve("datasets/orphan.bin"), twoHoursAgo);
        Files.setLastModifiedTime(halfWritten, twoHoursAgo);

        datasets = start();
        assertThat(dataDir.resolve("datasets/orphan.bin")).doesNotExist();
        assertThat(halfWritten).doesNotExist();
        assertThat(dataDir.resolve(kept.file())).exists();
        assertThat(datasets.get(kept.id())).isEqualTo(kept);
    }

    private List<String> files() throws IOException {
        List<String> out = new ArrayList<>();
        for (String dir : List.of("datasets", "tmp")) {
            try (Stream<Path> list = Files.list(dataDir.resolve(dir))) {
                list.forEach(p -> out.add(dir + "/" + p.getFileName()));
            }
        }
        out.sort(null);
        return out;
    }

    private static InputStream csv(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static DatasetFile.Problems failOnProblem() {
        return new DatasetFile.Problems() {
            @Override
            public void add(String where, String reason) {
                throw new AssertionError(where + ": " + reason);
            }

            @Override
            public boolean isFull() {
                return false;
            }
        };
    }
}
