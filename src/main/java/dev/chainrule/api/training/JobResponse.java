package dev.chainrule.api.training;

import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.training.JobStatus;
import dev.chainrule.training.ScoringSettings;
import dev.chainrule.training.TrainingJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A training job as GET /jobs/{id} shows it; sweepId names the sweep it is a trial of, if any. */
public record JobResponse(String id, String modelId, String status, double progress, int currentEpoch, int epochs,
                          long batchesDone, long batchesPlanned, Instant createdAt, Instant startedAt,
                          Instant finishedAt, double elapsedSeconds, Double etaSeconds, List<EpochView> history,
                          Map<String, Double> finalMetrics, String failureReason, Integer version, Integer fromVersion,
                          String endReason, String owner, String kind, ScoringView scoring, String sweepId) {

    /**
     * What a scoring job scores and how far it is (its batchesDone and batchesPlanned count rows too).
     *
     * @param result where its result is, once it has succeeded
     */
    public record ScoringView(String datasetId, int version, long rows, long rowsScored, String result) {
    }

    /** One finished epoch. */
    public record EpochView(int epoch, double trainingLoss, Map<String, Double> trainingMetrics, Double validationLoss,
                            Map<String, Double> validationMetrics, double durationSeconds) {
        static EpochView of(EpochReport report) {
            return new EpochView(report.epoch(), report.trainingLoss(), report.trainingMetrics(), report.validationLoss(),
                    report.validationMetrics(), report.durationNanos() / 1e9);
        }
    }

    public static JobResponse of(TrainingJob job, Instant now) {
        TrainingJob.Snapshot at = job.snapshot(now);
        Duration eta = at.eta();
        return new JobResponse(job.id(), job.modelId(), at.status().name(), at.progress(), at.currentEpoch(),
                job.plannedEpochs(), at.batchesDone(), job.plannedBatches(), job.createdAt(), at.startedAt(),
                at.finishedAt(), at.elapsed().toNanos() / 1e9, eta == null ? null : eta.toNanos() / 1e9,
                at.history().stream().map(EpochView::of).toList(), at.finalMetrics(), at.failureReason(),
                at.resultVersion(), job.fromVersion(), at.endReason(), at.owner(),
                job.kind().name().toLowerCase(java.util.Locale.ROOT), scoring(job, at), null);
    }

    /** The same job shown as a trial of a sweep (null: of none). */
    JobResponse withSweepId(String sweep) {
        return new JobResponse(id, modelId, status, progress, currentEpoch, epochs, batchesDone, batchesPlanned, createdAt,
                startedAt, finishedAt, elapsedSeconds, etaSeconds, history, finalMetrics, failureReason, version,
                fromVersion, endReason, owner, kind, scoring, sweep);
    }

    private static ScoringView scoring(TrainingJob job, TrainingJob.Snapshot at) {
        ScoringSettings s = job.scoring();
        if (s == null) {
            return null;
        }
        return new ScoringView(s.datasetId(), s.version(), s.rows(), at.batchesDone(),
                at.status() == JobStatus.SUCCEEDED ? "/jobs/" + job.id() + "/result" : null);
    }
}
