package dev.chainrule.api.sweep;

import static dev.chainrule.api.Access.ADMIN;
import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.RequiredAccess;
import dev.chainrule.api.problem.FieldErrors;
import dev.chainrule.api.paging.PageResponse;
import dev.chainrule.api.paging.Paging;
import dev.chainrule.api.prediction.PredictRequest;
import dev.chainrule.api.prediction.PredictResponse;
import dev.chainrule.api.prediction.PredictionController;
import dev.chainrule.sweep.Sweep;
import dev.chainrule.sweep.SweepConflictException;
import dev.chainrule.sweep.SweepNotFoundException;
import dev.chainrule.sweep.SweepService;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** Hyperparameter sweeps: start one, follow it (polling or Server-Sent Events), cancel, delete, predict with its best. */
@RestController
class SweepController {
    private final SweepService sweeps;
    private final SweepRequestValidator validator;
    private final PredictionController predictions;
    private final SweepStreams streams;

    SweepController(SweepService sweeps, SweepRequestValidator validator, PredictionController predictions,
                    SweepStreams streams) {
        this.sweeps = sweeps;
        this.validator = validator;
        this.predictions = predictions;
        this.streams = streams;
    }

    /** 201 with the sweep (every trial planned, waiting) and its URL as Location; nothing is stored on a 400. */
    @RequiredAccess(ADMIN)
    @PostMapping("/sweeps")
    ResponseEntity<SweepResponse> create(@RequestBody SweepRequest request) {
        Sweep sweep = sweeps.create(validator.toPlan(request));
        URI location = ServletUriComponentsBuilder.fromCurrentContextPath().path("/sweeps/{id}").buildAndExpand(sweep.id()).toUri();
        return ResponseEntity.created(location).body(SweepResponse.of(sweep));
    }

    @RequiredAccess(READ)
    @GetMapping("/sweeps")
    PageResponse<SweepResponse> list(@RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size) {
        Paging.check(page, size);
        return PageResponse.of(sweeps.list(page, size).map(SweepResponse::of));
    }

    @RequiredAccess(READ)
    @GetMapping("/sweeps/{id}")
    SweepResponse get(@PathVariable String id) {
        return SweepResponse.of(sweeps.get(id));
    }

    /** Cancels the waiting trials at once and asks the running ones' jobs to stop; returns the sweep right after. */
    @RequiredAccess(ADMIN)
    @PostMapping("/sweeps/{id}/cancel")
    ResponseEntity<SweepResponse> cancel(@PathVariable String id) {
        return ResponseEntity.accepted().body(SweepResponse.of(sweeps.cancel(id)));
    }

    /** Deletes the sweep and its trials' models; 409 while trials wait or run. */
    @RequiredAccess(ADMIN)
    @DeleteMapping("/sweeps/{id}")
    ResponseEntity<Void> delete(@PathVariable String id) {
        sweeps.delete(id);
        return ResponseEntity.noContent().build();
    }

    /**
     * A prediction by the best trial's version, as POST /models/{id}/predict answers it (its modelId and version say
     * which); 409 while no trial has succeeded.
     */
    @RequiredAccess(READ)
    @PostMapping(path = "/sweeps/{id}/predict", consumes = MediaType.APPLICATION_JSON_VALUE)
    PredictResponse predict(@PathVariable String id, @RequestBody PredictRequest request) {
        if (request.version() != null) {
            FieldErrors errors = new FieldErrors();
            errors.add("version", "must be absent: a sweep predicts with its best trial's version");
            errors.throwIfAny();
        }
        Sweep.Trial best = sweeps.best(id);
        return predictions.predict(best.modelId(), new PredictRequest(request.instances(), best.version()));
    }

    /**
     * Server-Sent Events: a "trial" event for each trial whose end the sweep recorded (those before first), then an
     * "end" event with the whole sweep once nothing of it runs, after which the stream closes. A reconnecting client
     * sends Last-Event-ID ("sweepId/n") and gets the trials after the n-th.
     */
    @RequiredAccess(READ)
    @GetMapping(path = "/sweeps/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@PathVariable String id, @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        sweeps.get(id); // 404 before the stream opens
        return streams.open(id, lastOrder(id, lastEventId));
    }

    private static int lastOrder(String sweepId, String lastEventId) {
        if (lastEventId == null || !lastEventId.startsWith(sweepId + "/")) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(lastEventId.substring(sweepId.length() + 1)));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @ExceptionHandler(SweepNotFoundException.class)
    ProblemDetail notFound(SweepNotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage());
    }

    @ExceptionHandler(SweepConflictException.class)
    ProblemDetail conflict(SweepConflictException e) {
        return problem(HttpStatus.CONFLICT, e.kind(), e.kind().equals("sweep-active") ? "Sweep active" : "Sweep not trained",
                e.getMessage());
    }

    private static ProblemDetail problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("/problems/" + type));
        problem.setTitle(title);
        return problem;
    }
}
