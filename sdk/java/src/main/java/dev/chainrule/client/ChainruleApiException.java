package dev.chainrule.client;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The service answered with an error status; {@link #problem()} has its RFC 9457 problem detail. The subclasses
 * name the statuses a caller usually handles: {@link ValidationException} (400), {@link AccessDeniedException}
 * (401, 403), {@link NotFoundException} (404), {@link ConflictException} (409), {@link PayloadTooLargeException}
 * (413) and {@link RateLimitedException} (429).
 */
public class ChainruleApiException extends ChainruleException {
    private final Problem problem;

    public ChainruleApiException(String request, Problem problem) {
        super(message(request, problem));
        this.problem = problem;
    }

    private static String message(String request, Problem problem) {
        StringBuilder message = new StringBuilder(request).append(" answered ").append(problem.status());
        if (problem.type() != null) {
            message.append(' ').append(problem.type());
        }
        if (problem.detail() != null) {
            message.append(": ").append(problem.detail());
        }
        if (!problem.errors().isEmpty()) {
            message.append(problem.errors().stream().map(e -> e.field() + ": " + e.reason())
                    .collect(Collectors.joining("; ", " [", "]")));
        }
        return message.toString();
    }

    /** The problem detail the service answered. */
    public Problem problem() {
        return problem;
    }

    /** The HTTP status. */
    public int status() {
        return problem.status();
    }

    /** The kind of problem, e.g. {@code /problems/model-in-use}. */
    public String type() {
        return problem.type();
    }

    public String title() {
        return problem.title();
    }

    /** What went wrong, and what to change. */
    public String detail() {
        return problem.detail();
    }

    /** Every invalid field the service named (empty when it named none). */
    public List<Problem.FieldError> errors() {
        return problem.errors();
    }
}
