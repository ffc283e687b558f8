package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import org.awaitility.Awaitility;
import dev.chainrule.dataset.DatasetFile;
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
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.storage.BlobStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The job service's life cycle without HTTP: worker pool, queue, cancellation, shutdown, followers; one worker, a
 * queue of one, followers at most five events behind. The tests share one service (but the one that shuts it down):
 * each ends every job it started, and counts and lists only its own models' jobs.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {"chainrule.jobs.workers=1",
        "chainrule.jobs.queue-capacity=1", "chainrule.jobs.max-pending-events=" + TrainingJobServiceTest.MAX_PENDING,
        "chainrule.jobs.follower-threads=" + TrainingJobServiceTest.FOLLOWER_THREADS})
class TrainingJobServiceTest {
    static final int MAX_PENDING = 5;
    static final int FOLLOWER_THREADS = 2;

    @Autowired
    private ModelService models;
    @Autowired
    private TrainingJobService jobs;
    @Autowired
    private JdbcClient db;
    @Autowired
    private JobRepository records;
    @Autowired
    private org.springframework.context.ApplicationContext context;

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
        Awaitility.await(what).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
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
    void rowsSentWithAJobAreStoredAsADatasetFileOfItsOwnAndSplitAsTheJobReadsThem() throws Exception {
        Model model = regressionModel();
        TrainingJob blocker = jobs.submit(spec(model, 2000, 1000, 1));
        await(() -> blocker.status() == JobStatus.RUNNING, "the blocker to take the worker");
        var x = Nd4j.rand(DataType.FLOAT, 200, 3);
        var y = x.getColumn(0).sub(x.getColumn(1).mul(2)).reshape(200, 1);
        TrainingJob job = jobs.submit(new TrainingJobSpec(model.id(), new RowSource.RequestRows(new Dataset(x, y)),
                new Validation.Split(0.25, 9), 150, TrainingConfig.of(3, 20, OptimiserSettings.sgd(0.01), 3), null, true));
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);

        // queued: the record names a file of all 200 rows in the dataset format, and the split to make of them
        String file = db.sql("SELECT training_file FROM jobs WHERE id = ?").param(job.id()).query(String.class).single();
        assertThat(db.sql("SELECT count(*) FROM jobs WHERE id = ? AND validation_file IS NULL AND training_dataset_id IS NULL")
                .param(job.id()).query(Long.class).single()).isOne();
        assertThat(records.find(job.id()).orElseThrow().settings().validationSplit()).isEqualTo(new Validation.Split(0.25, 9));
        BlobStore blobs = context.getBean(BlobStore.class);
        Path local = blobs.localCopy(file);
        assertThat(DatasetFile.hasMagic(local)).isTrue();
        DatasetFile stored = DatasetFile.open(local);
        assertThat(stored.summary().rows()).isEqualTo(200);
        assertThat(stored.summary().featureColumns()).containsExactly("x1", "x2", "x3");
        assertThat(stored.summary().targetColumns()).containsExactly("y1");
        Dataset back = stored.load();
        assertThat(back.features().data().asFloat()).isEqualTo(x.data().asFloat());
        assertThat(back.targets().data().asFloat()).isEqualTo(y.dup('c').data().asFloat());
        float[] first = x.getColumn(0).dup().data().asFloat();
        double mean = 0;
        for (float v : first) {
            mean += v;
        }
        assertThat(stored.summary().columns().get(0).mean()).isCloseTo(mean / first.length, org.assertj.core.data.Offset.offset(1e-9));

        jobs.cancel(blocker.id());
        await(() -> job.status().isFinished(), "the job to end");
        assertThat(job.status()).as(job.failureReason()).isEqualTo(JobStatus.SUCCEEDED);
        // 150 rows trained on in batches of 20, the other 50 validated on each epoch
        assertThat(job.batchesDone()).isEqualTo(24).isEqualTo(job.plannedBatches());
        assertThat(job.history()).hasSize(3).allSatisfy(epoch -> assertThat(epoch.validationLoss()).isNotNull());
        Map<String, Object> provenance = models.version(model.id(), 1).summary().provenance();
        assertThat(provenance.get("training").toString()).contains("source=inline", "rows=150");
        assertThat(provenance.get("validation").toString()).contains("source=inline", "rows=50");
        assertThat(blobs.exists(file)).as("the job's rows file is let go at its end").isFalse();
    }

    /** A job's rows as versions before the dataset format for them wrote them: features, then targets, by ND4J. */
    private static String writtenAsEarlierVersionsDid(BlobStore blobs, String key, Dataset rows) throws java.io.IOException {
        return blobs.put(key, out -> {
            java.io.DataOutputStream stream = new java.io.DataOutputStream(out);
            Nd4j.write(rows.features(), stream);
            Nd4j.write(rows.targets(), stream);
            stream.flush();
        });
    }

    @Test
    void aJobRecordedByAnEarlierVersionWithItsRowsInNd4jFilesRunsAsTheSameRowsSentNow() throws Exception {
        Model earlier = models.create("recorded earlier", null, IrisJobs.definition(), 3, LossKind.DEFAULT_EPSILON);
        Model now = models.create("sent now", null, IrisJobs.definition(), 3, LossKind.DEFAULT_EPSILON);
        TrainingJobSpec spec = IrisJobs.spec(now.id(), 3, 11);
        Dataset training = ((RowSource.RequestRows) spec.training()).rows();
        Dataset validation = ((RowSource.RequestRows) ((Validation.OwnRows) spec.validation()).rows()).rows();

        // as an earlier version's submit left a queued job: its rows' files, then the record naming them
        BlobStore blobs = context.getBean(BlobStore.class);
        String id = java.util.UUID.randomUUID().toString();
        String trainingFile = writtenAsEarlierVersionsDid(blobs, "jobs/" + id + "/training.nd4j", training);
        String validationFile = writtenAsEarlierVersionsDid(blobs, "jobs/" + id + "/validation.nd4j", validation);
        records.insert(new JobRepository.JobRow(id, earlier.id(), JobStatus.QUEUED,
                new JobRepository.Settings(spec.config(), null, true, 120, null), null, null, trainingFile, validationFile,
                dev.chainrule.storage.DatabaseTime.now(context.getBean(java.time.Clock.class)), null, null, List.of(), 0,
                null, null, null, null, null, null, 0, false));
        context.getBean(TrainingWorkers.class).wake();
        await(() -> jobs.get(id).status().isFinished(), "the earlier version's job to end");
        TrainingJob recorded = jobs.get(id);
        assertThat(recorded.status()).as(recorded.failureReason()).isEqualTo(JobStatus.SUCCEEDED);

        TrainingJob sent = jobs.submit(spec);
        await(() -> sent.status().isFinished(), "the same rows sent now to end");
        assertThat(sent.status()).as(sent.failureReason()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(recorded.history()).hasSize(3);
        for (int e = 0; e < 3; e++) {
            assertThat(recorded.history().get(e).trainingLoss()).isEqualTo(sent.history().get(e).trainingLoss());
            assertThat(recorded.history().get(e).validationLoss()).isEqualTo(sent.history().get(e).validationLoss());
        }
        Map<String, float[]> expected = IrisJobs.weights(models, now.id(), 1);
        Map<String, float[]> actual = IrisJobs.weights(models, earlier.id(), 1);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
        }
        Map<String, Object> recordedProvenance = models.version(earlier.id(), 1).summary().provenance();
        Map<String, Object> sentProvenance = models.version(now.id(), 1).summary().provenance();
        assertThat(recordedProvenance.get("training")).isEqualTo(sentProvenance.get("training"));
        assertThat(recordedProvenance.get("validation")).isEqualTo(sentProvenance.get("validation"));
        assertThat(blobs.exists(trainingFile)).isFalse();
    }

    @Test
    void aFailureReasonLongerThanItsColumnIsCutToFitInsteadOfLosingTheJobsEnd() throws InterruptedException {
        TrainingJob job = jobs.submit(spec(regressionModel(), 20, 1, 10));
        await(() -> job.status().isFinished(), "the job to end");
        String longReason = "training failed: " + "x".repeat(5000);
        // the column really is this long: one character more is refused by the database
        // the record as its owner holds it while the job runs: the end's write names the lease
        db.sql("UPDATE jobs SET status = 'RUNNING', owner = 'test', attempt = 99 WHERE id = ?").param(job.id()).update();
        JobLease lease = new JobLease(job.id(), "test", 99);
        assertThatThrownBy(() -> records.finished(lease, JobStatus.FAILED, Instant.now(), job.history(), job.batchesDone(),
                longReason.substring(0, TrainingJobService.MAX_FAILURE_REASON + 1), null, null, Map.of()))
                .isInstanceOf(org.springframework.dao.DataAccessException.class);

        String stored = JobRunner.storedFailureReason(longReason);
        records.finished(lease, JobStatus.FAILED, Instant.now(), job.history(), job.batchesDone(), stored, null, null, Map.of());
        String read = db.sql("SELECT failure_reason FROM jobs WHERE id = ?").param(job.id()).query(String.class).single();
        assertThat(read).hasSize(TrainingJobService.MAX_FAILURE_REASON).startsWith("training failed: xxx").endsWith("x\u2026");
        assertThat(JobRunner.storedFailureReason("short")).isEqualTo("short");
        // a character outside the BMP (two chars) across the cut is left out whole, not halved
        String emoji = "\uD83D\uDE00";
        String acrossTheCut = "x".repeat(TrainingJobService.MAX_FAILURE_REASON - 2) + emoji + "yyy";
        assertThat(JobRunner.storedFailureReason(acrossTheCut))
                .isEqualTo("x".repeat(TrainingJobService.MAX_FAILURE_REASON - 2) + "\u2026");
        String beforeTheCut = "x".repeat(TrainingJobService.MAX_FAILURE_REASON - 3) + emoji + "yyy";
        assertThat(JobRunner.storedFailureReason(beforeTheCut))
                .isEqualTo("x".repeat(TrainingJobService.MAX_FAILURE_REASON - 3) + emoji + "\u2026")
                .hasSize(TrainingJobService.MAX_FAILURE_REASON);
        assertThat(JobRunner.storedFailureReason(null)).isNull();
    }

    @Test
    @DirtiesContext(methodMode = DirtiesContext.MethodMode.AFTER_METHOD) // its workers are shut down
    void shutdownStopsJobsButLeavesThemUnfinishedForTheNextStart() throws InterruptedException {
        Model model = regressionModel();
        TrainingJob running = jobs.submit(spec(model, 2000, 1000, 1));
        await(() -> running.batchesDone() > 0, "the first job to start");
        TrainingJob queued = jobs.submit(spec(model, 10, 1, 1));
        TrainingWorkers workers = context.getBean(TrainingWorkers.class);
        workers.handOver();
        workers.shutdown();
        // the running job stopped at a minibatch boundary instead of being waited for: it is far from done and
        // no longer advances (2,000,000 minibatches were planned)
        long stoppedAt = running.batchesDone();
        assertThat(stoppedAt).isLessThan(running.plannedBatches());
        Thread.sleep(200);
        assertThat(running.batchesDone()).as("no minibatch after shutdown returned").isEqualTo(stoppedAt);
        assertThat(recordedStatus(running.id())).isEqualTo("RUNNING");
        assertThat(db.sql("SELECT count(*) FROM jobs WHERE id = ? AND lease_expires_at <= CURRENT_TIMESTAMP")
                .param(running.id()).query(Long.class).single()).as("its lease released for another replica at once").isOne();
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
        assertThat(jobs.list(model.id(), null, 0, 100).totalItems()).isEqualTo(2);
        assertThat(db.sql("SELECT count(*) FROM jobs WHERE model_id = ?").param(model.id()).query(Long.class).single())
                .isEqualTo(2);
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

    @Test
    void aJobThatEndsWhileAPageIsReadIsListedWithItsEndNotAsQueued() throws InterruptedException {
        Model model = regressionModel();
        java.util.concurrent.atomic.AtomicReference<Runnable> afterPageRead = new java.util.concurrent.atomic.AtomicReference<>();
        JobRepository pausing = new JobRepository(db) {
            @Override
            List<JobRow> page(String modelId, JobStatus status, int offset, int limit) {
                List<JobRow> rows = super.page(modelId, status, offset, limit);
                Runnable action = afterPageRead.getAndSet(null);
                if (action != null) {
                    action.run();
                }
                return rows;
            }
        };
        // a service of its own over the same database, whose listing can be interrupted between its two reads
        TrainingJobService service = new TrainingJobService(models, context.getBean(dev.chainrule.dataset.DatasetService.class),
                pausing, context.getBean(Replicas.class), context.getBean(JobFiles.class), context.getBean(LiveJobs.class),
                context.getBean(TrainingWorkers.class),
                context.getBean(org.springframework.transaction.support.TransactionTemplate.class),
                context.getBean(java.time.Clock.class), context.getBean(dev.chainrule.config.ChainruleProperties.class),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        TrainingJob running = service.submit(spec(model, 2000, 1000, 1));
        await(() -> running.status() == JobStatus.RUNNING, "the worker to take the first job");
        TrainingJob queued = service.submit(spec(model, 10, 1, 1));
        afterPageRead.set(() -> service.cancel(queued.id())); // it ends, and leaves memory, after the page's read

        TrainingJob listed = service.list(model.id(), null, 0, 10).items().stream()
                .filter(job -> job.id().equals(queued.id())).findFirst().orElseThrow();
        assertThat(queued.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(listed.status()).as("as its record shows it now").isEqualTo(JobStatus.CANCELLED);
        assertThat(listed.finishedAt()).isEqualTo(queued.finishedAt());

        service.cancel(running.id());
        await(() -> running.status().isFinished(), "the running job to stop");
    }

    /**
     * Writes down what it is told ("epoch 3", "end SUCCEEDED", "dropped"), and the model's training state when told
     * of the end; a holding one stays in its first call, as a client that stopped reading would, until released.
     */
    private final class RecordingFollower implements JobEvents {
        final List<String> received = new CopyOnWriteArrayList<>();
        final List<Model.TrainingState> modelAtEnd = new CopyOnWriteArrayList<>();
        private final CountDownLatch release;

        RecordingFollower(boolean holding) {
            release = new CountDownLatch(holding ? 1 : 0);
        }

        @Override
        public void epochFinished(TrainingJob job, EpochReport report) {
            received.add("epoch " + report.epoch());
            holdOnce();
        }

        @Override
        public void jobFinished(TrainingJob job) {
            modelAtEnd.add(models.get(job.modelId()).trainingState());
            received.add("end " + job.status());
            holdOnce();
        }

        @Override
        public void dropped(TrainingJob job) {
            received.add("dropped");
            holdOnce();
        }

        private void holdOnce() {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void release() {
            release.countDown();
        }

        boolean got(String event) {
            return received.contains(event);
        }
    }

    private static List<String> epochsThen(int epochs, String last) {
        List<String> events = new ArrayList<>(IntStream.rangeClosed(1, epochs).mapToObj(e -> "epoch " + e).toList());
        events.add(last);
        return events;
    }

    /**
     * Submits the job behind one that keeps the only worker busy, so that it is still QUEUED (no epochs yet, so a
     * follower's every event is live) when it is followed; then frees the worker.
     */
    private TrainingJob followedFromTheStart(Model model, TrainingJobSpec spec, JobEvents... followers)
            throws InterruptedException {
        TrainingJob blocker = jobs.submit(spec(model, 2000, 1000, 1));
        await(() -> blocker.status() == JobStatus.RUNNING, "the blocker to take the worker");
        TrainingJob job = jobs.submit(spec);
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        for (JobEvents follower : followers) {
            job.follow(follower);
        }
        jobs.cancel(blocker.id());
        return job;
    }

    @Test
    void aFollowerThatStopsTakingEventsHoldsUpNeitherTheJobNorItsReaders() throws InterruptedException {
        Model model = regressionModel();
        TrainingJob job = jobs.submit(spec(model, 200, 3, 20));
        RecordingFollower stalled = new RecordingFollower(true);
        job.follow(stalled);
        // a hang guard, not a timing assertion: with events sent under the job's lock, status() would block here
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> await(() -> job.status().isFinished(), "the job to end"));
        await(() -> stalled.got("epoch 1"), "the follower to be in its first call");
        assertThat(stalled.received).as("still in its first call").containsExactly("epoch 1");
        TrainingJob.Snapshot snapshot = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> job.snapshot(Instant.now()));
        assertThat(snapshot.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(snapshot.history()).hasSize(3);
        assertThat(snapshot.resultVersion()).isEqualTo(1);
        // a finished job is read from its record: the same job, not the same object
        Instant now = Instant.now();
        assertThat(jobs.get(job.id()).snapshot(now)).isEqualTo(job.snapshot(now));
        assertThat(jobs.list(model.id(), JobStatus.SUCCEEDED, 0, 10).items()).extracting(TrainingJob::id)
                .containsExactly(job.id());
        assertThat(recordedStatus(job.id())).isEqualTo("SUCCEEDED");

        stalled.release();
        await(() -> stalled.got("end SUCCEEDED"), "the follower to get the end");
        assertThat(stalled.received).containsExactly("epoch 1", "epoch 2", "epoch 3", "end SUCCEEDED");
        assertThat(stalled.modelAtEnd).as("released before the end was told").containsExactly(Model.TrainingState.TRAINED);

        // a follower of the finished job gets the same, the history replayed
        RecordingFollower late = new RecordingFollower(false);
        job.follow(late);
        await(() -> late.got("end SUCCEEDED"), "the late follower to get the end");
        assertThat(late.received).isEqualTo(stalled.received);
    }

    @Test
    void aFollowerIsDroppedOneEventPastItsBoundNotBeforeAndOthersStillGetEverything() throws InterruptedException {
        Model model = regressionModel();

        // epochs and the end exactly as many as the bound: the stalled follower is kept and, released, gets them all
        RecordingFollower atBound = new RecordingFollower(true);
        TrainingJob first = followedFromTheStart(model, spec(model, 200, MAX_PENDING - 1, 20), atBound);
        await(() -> first.status().isFinished(), "the first job to end");
        assertThat(first.status()).isEqualTo(JobStatus.SUCCEEDED);
        await(() -> atBound.got("epoch 1"), "the follower to be in its first call");
        assertThat(atBound.received).containsExactly("epoch 1");
        atBound.release();
        await(() -> atBound.got("end SUCCEEDED"), "the follower at the bound to get the end");
        assertThat(atBound.received).isEqualTo(epochsThen(MAX_PENDING - 1, "end SUCCEEDED"));

        // one event more: the end would be its sixth pending one, so it is dropped instead; the other gets everything
        RecordingFollower pastBound = new RecordingFollower(true);
        RecordingFollower reading = new RecordingFollower(false);
        TrainingJob second = followedFromTheStart(model, spec(model, 200, MAX_PENDING, 20), pastBound, reading);
        await(() -> reading.got("end SUCCEEDED"), "the reading follower to get the end");
        assertThat(reading.received).isEqualTo(epochsThen(MAX_PENDING, "end SUCCEEDED"));
        assertThat(second.status()).isEqualTo(JobStatus.SUCCEEDED);
        await(() -> pastBound.got("epoch 1"), "the follower to be in its first call");
        assertThat(pastBound.received).containsExactly("epoch 1");
        pastBound.release();
        await(() -> pastBound.got("dropped"), "the stalled follower to be told it is dropped");
        assertThat(pastBound.received).containsExactly("epoch 1", "dropped");
        assertThat(pastBound.modelAtEnd).isEmpty();
    }

    @Test
    void asManyStalledFollowersAsDeliveryThreadsHoldUpOthersAndOneFewerDoesNot() throws InterruptedException {
        Model model = regressionModel();
        // one stalled follower fewer than the threads: another job's follower still gets everything meanwhile
        RecordingFollower stalled1 = new RecordingFollower(true);
        TrainingJob first = followedFromTheStart(model, spec(model, 200, 2, 20), stalled1);
        await(() -> stalled1.got("epoch 1"), "the first follower to be in its first call");
        RecordingFollower reading = new RecordingFollower(false);
        TrainingJob second = followedFromTheStart(model, spec(model, 200, 2, 20), reading);
        await(() -> reading.got("end SUCCEEDED"), "the reading follower to get the end");
        assertThat(reading.received).isEqualTo(epochsThen(2, "end SUCCEEDED"));

        // as many stalled followers as threads: a third job's follower gets nothing until one of them is released
        RecordingFollower stalled2 = new RecordingFollower(true);
        second.follow(stalled2); // a finished job: its replay starts at once, and holds the second thread
        await(() -> stalled2.got("epoch 1"), "the second stalled follower to be in its first call");
        RecordingFollower waiting = new RecordingFollower(false);
        TrainingJob third = followedFromTheStart(model, spec(model, 200, 2, 20), waiting);
        await(() -> third.status().isFinished(), "the third job to end");
        assertThat(third.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(waiting.received).as("no thread free to deliver").isEmpty();

        stalled1.release();
        await(() -> waiting.got("end SUCCEEDED"), "the waiting follower to get the end once a thread is free");
        assertThat(waiting.received).isEqualTo(epochsThen(2, "end SUCCEEDED"));
        await(() -> stalled1.got("end SUCCEEDED"), "the first stalled follower to get the end");
        assertThat(stalled1.received).isEqualTo(epochsThen(2, "end SUCCEEDED"));
        assertThat(first.status()).isEqualTo(JobStatus.SUCCEEDED);
        stalled2.release();
        await(() -> stalled2.got("end SUCCEEDED"), "the second stalled follower to get the end");
        assertThat(stalled2.received).isEqualTo(epochsThen(2, "end SUCCEEDED"));
    }

    /** y = 1000 x on inputs up to 100, unstandardised, plain SGD at 1e6: the loss is no longer finite within an epoch. */
    private static TrainingJobSpec diverging(Model model) {
        var x = Nd4j.rand(DataType.FLOAT, 50, 3).mul(100);
        var y = x.getColumn(0).mul(1000).reshape(50, 1);
        return new TrainingJobSpec(model.id(), new Dataset(x, y), null,
                TrainingConfig.of(20, 5, OptimiserSettings.sgd(1e6), 3), null, false);
    }

    private double gauge(MeterRegistry meters, JobStatus state) {
        return meters.get("chainrule.jobs").tag("state", state.name()).gauge().value();
    }

    @Test
    void finishedJobsLeaveMemoryAndAreReadBackFromTheirRecordsExactlyAsTheyEnded(@Autowired MeterRegistry meters)
            throws InterruptedException {
        Model first = regressionModel();
        Model second = regressionModel();
        // other tests' jobs have ended before this one starts: the gauges count theirs too, so this test counts on
        Map<JobStatus, Double> before = new java.util.EnumMap<>(JobStatus.class);
        for (JobStatus state : JobStatus.values()) {
            before.put(state, gauge(meters, state));
        }
        List<TrainingJob> ended = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // successes, alternately of the two models (one worker, a queue of one)
            TrainingJob job = jobs.submit(spec(i % 2 == 0 ? first : second, 60, 2 + i, 20));
            await(() -> job.status().isFinished(), "job " + i + " to end");
            ended.add(job);
        }
        TrainingJob failed = jobs.submit(diverging(second));
        await(() -> failed.status().isFinished(), "the diverging job to end");
        ended.add(failed);
        // cancelled while running (in its second epoch or later, most likely in the middle of one), and while queued
        TrainingJob running = jobs.submit(spec(first, 2000, 1000, 1));
        await(() -> running.batchesDone() > 2000, "the long job to be in its second epoch");
        TrainingJob queued = jobs.submit(spec(second, 10, 1, 1));
        jobs.cancel(queued.id());
        jobs.cancel(running.id());
        await(() -> running.status().isFinished(), "the long job to stop");
        ended.add(running);
        ended.add(queued);
        assertThat(ended).extracting(TrainingJob::status).containsExactly(JobStatus.SUCCEEDED, JobStatus.SUCCEEDED,
                JobStatus.SUCCEEDED, JobStatus.SUCCEEDED, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED,
                JobStatus.CANCELLED);

        // a job leaves memory just after its end shows, so the last one may still be on its way out
        await(() -> jobs.liveJobIds().isEmpty(), "no finished job to stay in memory");

        // each reads back from its record exactly as its live object shows it (instants, history, metrics, reasons)
        Instant now = Instant.now();
        for (TrainingJob job : ended) {
            TrainingJob read = jobs.get(job.id());
            assertThat(read).isNotSameAs(job);
            assertThat(read.snapshot(now)).as(job.id()).isEqualTo(job.snapshot(now));
            assertThat(List.of(read.modelId(), read.createdAt(), read.plannedEpochs(), read.plannedBatches()))
                    .isEqualTo(List.of(job.modelId(), job.createdAt(), job.plannedEpochs(), job.plannedBatches()));
        }
        assertThat(running.snapshot(now).currentEpoch()).as("cancelled in its second epoch or later").isGreaterThanOrEqualTo(2);

        // listings filter, page and count in the database, oldest first (other tests' jobs are all of other models)
        for (String modelId : new String[] {first.id(), second.id()}) {
            for (JobStatus state : new JobStatus[] {null, JobStatus.SUCCEEDED, JobStatus.CANCELLED, JobStatus.FAILED,
                    JobStatus.RUNNING}) {
                List<String> matching = ended.stream()
                        .filter(job -> job.modelId().equals(modelId) && (state == null || job.status() == state))
                        .map(TrainingJob::id).toList();
                for (int page = 0; page <= 2; page++) {
                    var listed = jobs.list(modelId, state, page, 2);
                    assertThat(listed.totalItems()).as(modelId + " " + state).isEqualTo(matching.size());
                    assertThat(listed.items()).extracting(TrainingJob::id).as(modelId + " " + state + " page " + page)
                            .isEqualTo(matching.subList(Math.min(2 * page, matching.size()), Math.min(2 * page + 2, matching.size())));
                }
            }
        }

        // the gauges count the records
        assertThat(gauge(meters, JobStatus.SUCCEEDED) - before.get(JobStatus.SUCCEEDED)).isEqualTo(5);
        assertThat(gauge(meters, JobStatus.FAILED) - before.get(JobStatus.FAILED)).isEqualTo(1);
        assertThat(gauge(meters, JobStatus.CANCELLED) - before.get(JobStatus.CANCELLED)).isEqualTo(2);
        assertThat(gauge(meters, JobStatus.QUEUED)).isZero();
        assertThat(gauge(meters, JobStatus.RUNNING)).isZero();

        // a live job is in memory, counted by its state, and leaves at its end
        TrainingJob another = jobs.submit(spec(first, 2000, 1000, 1));
        await(() -> another.status() == JobStatus.RUNNING, "the next job to start");
        assertThat(jobs.liveJobIds()).containsExactly(another.id());
        assertThat(jobs.get(another.id())).isSameAs(another);
        assertThat(jobs.list(null, JobStatus.RUNNING, 0, 10).items()).containsExactly(another);
        assertThat(gauge(meters, JobStatus.RUNNING)).isEqualTo(1);
        jobs.cancel(another.id());
        await(() -> another.status().isFinished(), "the next job to stop");
        await(() -> jobs.liveJobIds().isEmpty(), "the next job to leave memory");
        assertThat(gauge(meters, JobStatus.CANCELLED) - before.get(JobStatus.CANCELLED)).isEqualTo(3);
        assertThat(gauge(meters, JobStatus.RUNNING)).isZero();
    }
}
