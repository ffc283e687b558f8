package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.config.ChainruleProperties;
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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The job service's life cycle without HTTP: worker pool, queue, cancellation, shutdown. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class TrainingJobServiceTest {
    @Autowired
    private ModelService models;
    private TrainingJobService service;

    private TrainingJobService service(int workers, int queue) {
        ChainruleProperties properties = new ChainruleProperties(null, new ChainruleProperties.Jobs(workers, queue, 1, 1), null, null, null);
        service = new TrainingJobService(models, Clock.systemUTC(), properties, new SimpleMeterRegistry());
        return service;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (service != null) {
            service.shutdown();
        }
    }

    private Model regressionModel() {
        NetworkDefinition definition = new NetworkDefinition(3, List.of(new LayerSpec(8, Activation.TANH),
                new LayerSpec(1, Activation.LINEAR)), LossKind.SQUARED_ERROR, WeightInitialiser.XAVIER);
        return models.create("r", null, definition, 1, LossKind.DEFAULT_EPSILON);
    }

    /** y = x0 - 2 x1 + 0.5 x2 on seeded random rows. */
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

    @Test
    void aJobRunsToANewVersion() throws InterruptedException {
        TrainingJobService jobs = service(1, 1);
        Model model = regressionModel();
        TrainingJob job = jobs.submit(spec(model, 200, 5, 20));
        await(() -> job.status().isFinished(), "the job to end");
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.resultVersion()).isEqualTo(1);
        assertThat(job.batchesDone()).isEqualTo(50).isEqualTo(job.plannedBatches());
        assertThat(job.history()).hasSize(5);
        assertThat(models.get(model.id()).versions()).hasSize(1);
        assertThat(models.get(model.id()).trainingState()).isEqualTo(Model.TrainingState.TRAINED);
    }

    @Test
    void shutdownCancelsRunningAndQueuedJobsSoNoneStaysRunning() throws InterruptedException {
        TrainingJobService jobs = service(1, 2);
        Model model = regressionModel();
        TrainingJob running = jobs.submit(spec(model, 2000, 1000, 1));
        TrainingJob queued = jobs.submit(spec(model, 10, 1, 1));
        await(() -> running.batchesDone() > 0, "the first job to start");
        long started = System.nanoTime();
        jobs.shutdown();
        service = null;
        assertThat((System.nanoTime() - started) / 1e9).as("seconds to stop").isLessThan(10);
        assertThat(running.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(queued.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(queued.batchesDone()).isZero();
        assertThat(models.get(model.id()).versions()).isEmpty();
        assertThat(models.get(model.id()).trainingState()).isEqualTo(Model.TrainingState.UNTRAINED);
    }

    @Test
    void aFullQueueRefusesWithoutCreatingAnything() throws InterruptedException {
        TrainingJobService jobs = service(1, 1);
        Model model = regressionModel();
        TrainingJob running = jobs.submit(spec(model, 2000, 1000, 1));
        await(() -> running.status() == JobStatus.RUNNING, "the worker to take the first job");
        TrainingJob waiting = jobs.submit(spec(model, 10, 1, 1));
        assertThatThrownBy(() -> jobs.submit(spec(model, 10, 1, 1))).isInstanceOf(QueueFullException.class);
        assertThat(jobs.list(null, null, 0, 100).totalItems()).isEqualTo(2);
        // the model counts exactly the two accepted jobs: it cannot be deleted until both end
        assertThatThrownBy(() -> models.delete(model.id())).isInstanceOf(ModelInUseException.class);
        jobs.cancel(waiting.id());
        assertThat(waiting.status()).as("a queued job ends at once").isEqualTo(JobStatus.CANCELLED);
        jobs.cancel(running.id());
        await(() -> running.status().isFinished(), "the running job to stop");
        assertThat(running.status()).isEqualTo(JobStatus.CANCELLED);
        models.delete(model.id());
    }
}
