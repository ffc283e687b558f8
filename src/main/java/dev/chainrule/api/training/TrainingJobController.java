package dev.chainrule.api.training;

import static dev.chainrule.api.Access.ADMIN;
import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.RequiredAccess;
import dev.chainrule.api.paging.PageResponse;
import dev.chainrule.api.paging.Paging;
import dev.chainrule.api.problem.FieldErrors;
import dev.chainrule.engine.training.EpochReport;
import dev.chainrule.sweep.SweepService;
import dev.chainrule.training.JobEvents;
import dev.chainrule.training.JobStatus;
import dev.chainrule.training.TrainingJob;
import dev.chainrule.training.TrainingJobService;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** Training jobs: start one, follow it (polling or Server-Sent Events), list them, cancel one. */
@RestController
class TrainingJobController {
    /** An SSE stream lives at most this long; a client reconnects for longer jobs. */
    static final long STREAM_TIMEOUT_MILLIS = 60 * 60 * 1000L;

    private final TrainingJobService jobs;
    private final TrainRequestValidator validator;
    private final Clock clock;
    private final SweepService sweeps;

    TrainingJobController(TrainingJobService jobs, TrainRequestValidator validator, Clock clock, SweepService sweeps) {
        this.jobs = jobs;
        this.sweeps = sweeps;
        this.validator = validator;
        this.clock = clock;
    }

    @RequiredAccess(ADMIN)
    @PostMapping("/train")
    ResponseEntity<JobResponse> train(@RequestBody TrainRequest request) {
        TrainingJob job = jobs.submit(validator.toSpec(request));
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath().path("/jobs/{id}").buildAndExpand(job.id()).toUri();
        return ResponseEntity.accepted().location(location).body(JobResponse.of(job, clock.instant()));
    }

    @RequiredAccess(READ)
    @GetMapping("/jobs")
    PageResponse<JobResponse> list(@RequestParam(required = false) String modelId,
                                   @RequestParam(required = false) String status,
                                   @RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size) {
        FieldErrors errors = new FieldErrors();
        Paging.check(page, size, errors);
        JobStatus state = null;
        if (status != null) {
            try {
                state = JobStatus.valueOf(status.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                errors.add("status", "unknown status '" + status + "'; use QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED");
            }
        }
        errors.throwIfAny();
        PageResponse<JobResponse> listed = PageResponse.of(jobs.list(modelId, state, page, size)
                .map(job -> JobResponse.of(job, clock.instant())));
        Map<String, String> trials = sweeps.sweepsOfJobs(listed.items().stream().map(JobResponse::id).toList());
        return new PageResponse<>(listed.items().stream().map(job -> job.withSweepId(trials.get(job.id()))).toList(),
                listed.page(), listed.size(), listed.totalItems(), listed.totalPages());
    }

    @RequiredAccess(READ)
    @GetMapping("/jobs/{id}")
    JobResponse get(@PathVariable String id) {
        return JobResponse.of(jobs.get(id), clock.instant()).withSweepId(sweeps.sweepsOfJobs(List.of(id)).get(id));
    }

    /** Stops the job before its next minibatch (a queued job at once); returns its state right after asking. */
    @RequiredAccess(ADMIN)
    @PostMapping("/jobs/{id}/cancel")
    ResponseEntity<JobResponse> cancel(@PathVariable String id) {
        TrainingJob job = jobs.cancel(id);
        return ResponseEntity.accepted().body(JobResponse.of(job, clock.instant())
                .withSweepId(sweeps.sweepsOfJobs(List.of(id)).get(id)));
    }

    /**
     * Server-Sent Events: the epochs so far, then an "epoch" event per finished epoch and one "end" event with
     * the final job, after which the stream closes. {@code curl -N http://host/jobs/ID/events}. The events are sent on
     * the job service's delivery threads, one at a time per stream; a stream more than
     * {@code chainrule.jobs.max-pending-events} behind is closed without its end (a client may reconnect: the epochs
     * are replayed).
     */
    @RequiredAccess(READ)
    @GetMapping(path = "/jobs/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@PathVariable String id,
                      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        TrainingJob job = jobs.get(id);
        SseEmitter emitter = new SseEmitter(STREAM_TIMEOUT_MILLIS);
        // a reconnecting client names the last epoch it got ("<job>/<epoch>"): the stream goes on after it
        int[] lastSent = {lastEpoch(id, lastEventId)};
        JobEvents follower = new JobEvents() {
            @Override
            public void epochFinished(TrainingJob j, EpochReport report) {
                if (report.epoch() <= lastSent[0]) {
                    return;
                }
                lastSent[0] = report.epoch();
                send(emitter, SseEmitter.event().name("epoch").id(j.id() + "/" + report.epoch())
                        .data(JobResponse.EpochView.of(report), MediaType.APPLICATION_JSON));
            }

            @Override
            public void jobFinished(TrainingJob j) {
                send(emitter, SseEmitter.event().name("end").id(j.id() + "/end")
                        .data(JobResponse.of(j, clock.instant()), MediaType.APPLICATION_JSON));
                emitter.complete();
            }

            @Override
            public void dropped(TrainingJob j) {
                emitter.complete(); // the client falls too far behind to be kept; its stream ends without "end"
            }
        };
        emitter.onCompletion(() -> job.unfollow(follower));
        emitter.onTimeout(() -> job.unfollow(follower));
        emitter.onError(e -> job.unfollow(follower));
        job.follow(follower);
        return emitter;
    }

    /** The epoch a Last-Event-ID names for this job, or 0 (replay every epoch) for none or another's. */
    private static int lastEpoch(String jobId, String lastEventId) {
        if (lastEventId == null || !lastEventId.startsWith(jobId + "/")) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(lastEventId.substring(jobId.length() + 1)));
        } catch (NumberFormatException e) {
            return 0; // "<job>/end" or something else: replay, as for a new stream
        }
    }

    private static void send(SseEmitter emitter, SseEmitter.SseEventBuilder event) {
        try {
            emitter.send(event);
        } catch (IOException | IllegalStateException e) {
            // the client went away; the completion callbacks unsubscribe it
            emitter.completeWithError(e);
        }
    }
}
