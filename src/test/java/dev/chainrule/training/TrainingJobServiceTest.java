package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.LayerSpec;
import dev.chainrule.engine.NetworkDefinition;
import dev.chainrule.engine.init.WeightInitialiser;
import dev.chainrule.engine.layer.Activation;
import dev.chainrule.engine.loss.LossKind;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.model.Model;
import dev.chainrule.model.ModelInUseException;
import dev.chainrule.model.ModelService;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The job service's life cycle without HTTP: worker pool, queue, cancellation, shutdown; one worker and a queue of
 * one, and a fresh service (and data directory) for every test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"chainrule.jobs.workers=1", "chainrule.jobs.queue-capacity=1"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
class TrainingJobServiceTest {
    @Autowired
    private ModelService models;
    @Autowired
    private TrainingJobService jobs;
    @Autowired
    private JdbcClient db;

    private Model regressionModel() {
        NetworkDefinition definition = new NetworkDefinition(3, List.of(new LayerSpec(8, Activation.TANH),
                new LayerSpec(1, Activation.LINEAR)), LossKind.SQUARED_ERROR, WeightInitialiser.XAVIER);
        return models.create("r", null, definition, 1, LossKind.DEFAULT_EPSILON);
    }

    /** y = x0 - 2 x1 + 0.5 x2 on random rows. */
    private static TrainingJobSpec spec(Model model, int rows, int epochs, int batchSize) {
        var x = Nd4j.rand(DataType.FLOAT, rows, 3);
        var y = x.getColumn(0).sub(x.getColumn(1).mul(2)).add(x.getColumn(2).mul(0.5)).reshape(rows, 1);
        return new TrainingJobSpec(model.id(), new Dataset(x, y), null,
                TrainingConfig.of(epochs, batchSize, OptimiserSettings.sgd(0.01), 3), null, true);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private String recordedStatus(String jobId) {
        return db.sql("SELECT status FROM jobs WHERE id = ?").param(jobId).query(String.class).single();
    }

    @Test
    void aJobRunsToANewVersionAndItsRecordSaysSo() throws InterruptedException {
        Model model = regressionModel();
        TrainingJob job = jobs.submit(spec(model, 200, 5, 20));
        await(() -> job.status().isFinished(), "the job to end");
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.resultVersion()).isEqualTo(1);
        assertThat(job.batchesDone()).isEqualTo(50).isEqualTo(job.plannedBatches());
        assertThat(job.history()).hasSize(5);
        assertThat(models.get(model.id()).versions()).hasSize(1);
        assertThat(models.get(model.id()).trainingState()).isEqualTo(Model.TrainingState.TRAINED);
        assertThat(recordedStatus(job.id())).isEqualTo("SUCCEEDED");
        assertThat(db.sql("SELECT result_version FROM jobs WHERE id = ?").param(job.id()).query(Integer.class).single()).isEqualTo(1);
        assertThat(db.sql("SELECT count(*) FROM jobs WHERE id = ? AND training_file IS NULL").param(job.id())
                .query(Long.class).single()).as("the job's data file is let go at its end").isOne();
    }

    @Test
    void shutdownStopsJobsButLeavesThemUnfinishedForTheNextStart() throws InterruptedException {
        Model model = regressionModel();
        TrainingJob running = jobs.submit(spec(model, 2000, 1000, 1));
        await(() -> running.batchesDone() > 0, "the first job to start");
        TrainingJob queued = jobs.submit(spec(model, 10, 1, 1));
        long started = System.nanoTime();
        jobs.shutdown();
        assertThat((System.nanoTime() - started) / 1e9).as("seconds to stop").isLessThan(10);
        assertThat(recordedStatus(running.id())).isEqualTo("RUNNING");
        assertThat(recordedStatus(queued.id())).isEqualTo("QUEUED");
        assertThat(queued.batchesDone()).isZero();
        assertThat(models.get(model.id()).versions()).isEmpty();
    }

    @Test
    void aFullQueueRefusesWithoutCreatingAnything() throws InterruptedException {
        Model model = regressionModel();
        TrainingJob running = jobs.submit(spec(model, 2000, 1000, 1));
        await(() -> running.status() == JobStatus.RUNNING, "the worker to take the first job");
        TrainingJob waiting = jobs.submit(spec(model, 10, 1, 1));
        assertThatThrownBy(() -> jobs.submit(spec(model, 10, 1, 1))).isInstanceOf(QueueFullException.class);
        assertThat(jobs.list(null, null, 0, 100).totalItems()).isEqualTo(2);
        assertThat(db.sql("SELECT count(*) FROM jobs").query(Long.class).single()).isEqualTo(2);
        // the model counts exactly the two accepted jobs: it cannot be deleted until both end
        assertThatThrownBy(() -> models.delete(model.id())).isInstanceOf(ModelInUseException.class);
        jobs.cancel(waiting.id());
        assertThat(waiting.status()).as("a queued job ends at once").isEqualTo(JobStatus.CANCELLED);
        assertThat(recordedStatus(waiting.id())).isEqualTo("CANCELLED");
        jobs.cancel(running.id());
        await(() -> running.status().isFinished(), "the running job to stop");
        assertThat(running.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(recordedStatus(running.id())).isEqualTo("CANCELLED");
        models.delete(model.id());
    }
}
