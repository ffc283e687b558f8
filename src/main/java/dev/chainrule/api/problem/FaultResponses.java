package dev.chainrule.api.problem;

import dev.chainrule.faults.DatabaseAvailability;
import dev.chainrule.faults.DatabaseFaults;
import dev.chainrule.faults.StorageFull;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The answers to a fault of what the service depends on rather than of the request's content: a body that trickles in
 * is a 408 (the container gave up on it), a part of the request the container could not read (a query string
 * with a bad percent-encoding) its 4xx, an unreachable database is a
 * 503 at once (within chainrule.database.connection-timeout) with Retry-After, a full data directory a 507 (the
 * writers leave nothing behind). Both are counted and logged once per outage, not per request.
 */
@Component
class FaultResponses {
    private final DatabaseAvailability database;
    private final StorageFull storageFull;
    private final dev.chainrule.faults.StorageAvailability storage;

    FaultResponses(DatabaseAvailability database, StorageFull storageFull, dev.chainrule.faults.StorageAvailability storage) {
        this.database = database;
        this.storageFull = storageFull;
        this.storage = storage;
    }

    /** The answer to {@code error} when it is such a fault, wherever it was wrapped; null otherwise. */
    ResponseEntity<Object> answer(Throwable error, HttpServletRequest request) {
        org.eclipse.jetty.http.HttpException jetty = containerError(error);
        if (jetty != null && jetty.getCode() == HttpStatus.REQUEST_TIMEOUT.value()) {
            // the container gave up on a body below chainrule.http.min-request-data-rate
            return ResponseEntity.status(HttpStatus.REQUEST_TIMEOUT).header(HttpHeaders.CONNECTION, "close")
                    .body(ApiExceptionHandler.problem(HttpStatus.REQUEST_TIMEOUT, "request-timeout", "Request timeout",
                            "the request body arrived too slowly (" + jetty.getReason() + ", chainrule.http.min-request-data-rate); "
                                    + "send it again at full speed"));
        }
        if (StorageFull.isCause(error)) {
            storageFull.report(error, request.getMethod() + " " + request.getRequestURI());
            // the rest of the upload is read and dropped, so the client reads the 507 rather than a reset; the body
            // is bounded by its request's size limit (RequestSizeLimitFilter)
            ProblemResponse.drain(request, Long.MAX_VALUE);
            return ResponseEntity.status(HttpStatus.INSUFFICIENT_STORAGE).header(HttpHeaders.CONNECTION, "close").body(ApiExceptionHandler.problem(
                    HttpStatus.INSUFFICIENT_STORAGE, "insufficient-storage", "Insufficient storage",
                    "the data directory " + storageFull.location() + " is full: nothing of this request was stored; "
                            + "retry once space has been freed there"));
        }
        if (dev.chainrule.storage.StorageUnavailableException.isCause(error)) {
            storage.requestRefused(error);
            long retryAfter = storage.retryAfterSeconds();
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter))
                    .body(ApiExceptionHandler.problem(HttpStatus.SERVICE_UNAVAILABLE, "storage-unavailable",
                            "Storage unavailable", "the object store " + storage.location()
                                    + " is unavailable; retry in " + retryAfter + " s"));
        }
        if (DatabaseFaults.isOutage(error)) {
            database.requestRefused(error);
            long retryAfter = database.retryAfterSeconds();
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter))
                    .body(ApiExceptionHandler.problem(HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable",
                            "Database unavailable", "the database is unavailable; retry in " + retryAfter + " s"));
        }
        if (jetty != null && jetty.getCode() >= 400 && jetty.getCode() < 500) {
            // after the faults above (a full disk while the container stored a part is a 507): the container
            // refused part of the request as it read it (e.g. "Bad query": a query string with %zz)
            HttpStatus status = HttpStatus.resolve(jetty.getCode());
            status = status == null ? HttpStatus.BAD_REQUEST : status;
            return ResponseEntity.status(status).body(ApiExceptionHandler.problem(status, ContainerErrorHandler.type(status.value()),
                    status.getReasonPhrase(), "the request is malformed: " + jetty.getReason()));
        }
        return null;
    }

    /** The servlet container's own error with an HTTP status, wherever it was wrapped; null when there is none. */
    private static org.eclipse.jetty.http.HttpException containerError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.eclipse.jetty.http.HttpException http) {
                return http;
            }
        }
        return null;
    }
}
