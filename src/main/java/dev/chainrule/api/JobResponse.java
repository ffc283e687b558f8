package dev.chainrule.api;

import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.training.TrainingJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A training job as GET /jobs/{id} shows it. */
public record JobResponse(String id, String modelId, String status, double progress, int currentEpoch, int epochs,
                          long batchesDone, long batchesPlanned, Instant createdAt, Instant startedAt,
                          Instant finishedAt, double elapsedSeconds, Double etaSeconds, List<EpochView> history,
                          Map<String, Double> finalMetrics, String failureReason, Integer version, Integer fromVersion,
                          String endReason) {

    /** One finished epoch. */
    public record EpochView(int epoch, double trainingLoss, Map<String, Double> trainingMetrics, Double validationLoss,
                            Map<String, Double> validationMetrics, double durationSeconds) {
        static EpochView of(EpochReport report) {
            return new EpochView(report.epoch(), report.trainingLoss(), report.trainingMetrics(), report.validationLoss(),
                    report.validationMetrics(), report.durationNanos() / 1e9);
        }
    }

    static JobResponse of(TrainingJob job, Instant now) {
        Duration eta = job.eta(now);
        return new JobResponse(job.id(), job.modelId(), job.status().name(), job.progress(), job.currentEpoch(),
                job.plannedEpochs(), job.batchesDone(), job.plannedBatches(), job.createdAt(), job.startedAt(),
                job.finishedAt(), job.elapsed(now).toNanos() / 1e9, eta == null ? null : eta.toNanos() / 1e9,
                job.history().stream().map(EpochView::of).toList(), job.finalMetrics(), job.failureReason(),
                job.resultVersion(), job.fromVersion(), job.endReason());
    }
}
