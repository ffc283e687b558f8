package dev.chainrule.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Score a stored dataset through an alias, wait for the job, read the metrics and download the result in its three
 * forms, against the real service; the rows and the metrics checked against predict on the same rows.
 */
@ExtendWith(LiveService.Extension.class)
class ScoringRoundTripTest {
    private static final Duration WAIT = Duration.ofMinutes(3);

    @Test
    void scoresIrisThroughAnAliasAndDownloadsEveryRow(LiveService service, @TempDir Path dir) throws Exception {
        ChainruleClient chainrule = service.admin();
        Iris iris = Iris.load();
        Dataset dataset = chainrule.uploadDataset(iris.csv(), "iris-to-score");
        Model model = chainrule.createModel(Iris.model("scored"));
        assertEquals(JobStatus.SUCCEEDED, chainrule.waitForJob(chainrule.train(iris.training(model.id(), 30)).id(), WAIT).status());
        chainrule.setAlias(model.id(), "production", 1);

        Job job = chainrule.score(model.id(), dataset.id(), "production");
        assertEquals("scoring", job.kind());
        assertEquals(dataset.id(), job.scoring().datasetId());
        assertEquals(1, job.scoring().version());
        Job done = chainrule.waitForJob(job.id(), WAIT);
        assertEquals(JobStatus.SUCCEEDED, done.status());
        assertEquals(150, done.scoring().rowsScored());

        Predictions predictions = chainrule.predict(model.id(), iris.features(), 1);
        int right = 0;
        long[][] confusion = new long[3][3];
        for (int r = 0; r < 150; r++) {
            int predicted = predictions.predictions().get(r).classIndex();
            right += predicted == iris.classes()[r] ? 1 : 0;
            confusion[iris.classes()[r]][predicted]++;
        }
        ScoringResult result = chainrule.scoringResult(job.id());
        assertEquals(150, result.rows());
        assertEquals(List.of("output_0", "output_1", "output_2", "class"), result.columns());
        assertEquals(right / 150.0, result.metrics().accuracy());
        for (int t = 0; t < 3; t++) {
            for (int p = 0; p < 3; p++) {
                assertEquals(confusion[t][p], result.metrics().confusionMatrix().get(t).get(p));
            }
        }

        Path f32 = chainrule.downloadScores(job.id(), ScoresFormat.FLOAT32, dir);
        assertEquals("scores-" + job.id() + ".f32", f32.getFileName().toString());
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(f32)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[17];
        bytes.get(magic);
        assertEquals("CHAINRULE-SCORES\n", new String(magic, StandardCharsets.US_ASCII));
        int headerLength = bytes.getInt();
        bytes.position(bytes.position() + headerLength);
        float[] values = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(values);
        assertEquals(150 * 4, values.length);
        for (int r = 0; r < 150; r++) {
            double[] outputs = predictions.predictions().get(r).outputs();
            for (int j = 0; j < 3; j++) {
                assertEquals(outputs[j], values[r * 4 + j], 1e-6, "row " + r);
            }
            assertEquals(predictions.predictions().get(r).classIndex(), (int) values[r * 4 + 3]);
        }

        Path csv = chainrule.downloadScores(job.id(), ScoresFormat.CSV, dir);
        Path gzip = chainrule.downloadScores(job.id(), ScoresFormat.CSV_GZIP, dir.resolve("scores.csv.gz"));
        List<String> lines = Files.readAllLines(csv);
        assertEquals(151, lines.size());
        assertEquals("output_0,output_1,output_2,class", lines.get(0));
        assertEquals(Float.parseFloat(lines.get(1).split(",")[0]), values[0]);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gzip))) {
            assertArrayEquals(Files.readAllBytes(csv), in.readAllBytes());
        }
    }

    @Test
    void aTrainingJobHasNoScoresAndAnUnknownDatasetIsNotFound(LiveService service) throws Exception {
        ChainruleClient chainrule = service.admin();
        Iris iris = Iris.load();
        Model model = chainrule.createModel(Iris.model("no-scores"));
        Job training = chainrule.waitForJob(chainrule.train(iris.training(model.id(), 2)).id(), WAIT);
        ConflictException conflict = assertThrows(ConflictException.class, () -> chainrule.scoringResult(training.id()));
        assertEquals("/problems/result-unavailable", conflict.problem().type());
        NotFoundException missing = assertThrows(NotFoundException.class,
                () -> chainrule.score(model.id(), "c0ffee00-0000-4000-8000-000000000000", null));
        assertTrue(missing.getMessage().contains("c0ffee00"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> chainrule.score(model.id(), "x", 1.5));
    }
}
