package dev.chainrule.api;

import dev.chainrule.faults.DatabaseAvailability;
import dev.chainrule.faults.DatabaseFaults;
import dev.chainrule.faults.StorageFull;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The answers to a fault of what the service depends on rather than of the request: an unreachable database is a
 * 503 at once (within chainrule.database.connection-timeout) with Retry-After, a full data directory a 507 (the
 * writers leave nothing behind). Both are counted and logged once per outage, not per request.
 */
@Component
class FaultResponses {
    private final DatabaseAvailability database;
    private final StorageFull storageFull;

    FaultResponses(DatabaseAvailability database, StorageFull storageFull) {
        this.database = database;
        this.storageFull = storageFull;
    }

    /** The answer to {@code error} when it is such a fault, wherever it was wrapped; null otherwise. */
    ResponseEntity<Object> answer(Throwable error, HttpServletRequest request) {
        if (StorageFull.isCause(error)) {
            storageFull.report(error, request.getMethod() + " " + request.getRequestURI());
            return ResponseEntity.status(HttpStatus.INSUFFICIENT_STORAGE).body(ApiExceptionHandler.problem(
                    HttpStatus.INSUFFICIENT_STORAGE, "insufficient-storage", "Insufficient storage",
                    "the data directory " + storageFull.location() + " is full: nothing of this request was stored; "
                            + "retry once space has been freed there"));
        }
        if (DatabaseFaults.isOutage(error)) {
            database.requestRefused(error);
            long retryAfter = database.retryAfterSeconds();
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter))
                    .body(ApiExceptionHandler.problem(HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable",
                            "Database unavailable", "the database is unavailable; retry in " + retryAfter + " s"));
        }
        return null;
    }
}
