package dev.chainrule.api.problem;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a problem detail from a servlet filter, where no controller advice runs: the same JSON the advice
 * produces (the mixin puts extension members at the top level, as RFC 9457 wants).
 */
public final class ProblemResponse {
    /** How much of a refused request's body is read and dropped after the answer, at most (Tomcat's default for the same). */
    public static final long MAX_DRAINED_BYTES = 2 << 20;
    private static final JsonMapper JSON = JsonMapper.builder()
            .addMixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class).build();

    private ProblemResponse() {
    }

    public static void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem) throws IOException {
        try {
            problem.setInstance(URI.create(request.getRequestURI()));
        } catch (IllegalArgumentException e) {
            // a request URI that is not a valid URI reference: the problem goes without an instance
        }
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        JSON.writeValue(response.getOutputStream(), problem);
    }

    /**
     * Writes the problem for a request refused before its body was read, then reads and drops up to
     * {@link #MAX_DRAINED_BYTES} of that body. A server that closes a connection with unread bytes in it makes the
     * kernel send a reset, which can discard the answer before the client reads it (or break the client's write);
     * a larger body is not read, and the connection is closed.
     */
    public static void refuse(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem) throws IOException {
        if (request.getContentLengthLong() > MAX_DRAINED_BYTES) {
            response.setHeader("Connection", "close");
        }
        write(request, response, problem);
        response.flushBuffer();
        drain(request, MAX_DRAINED_BYTES);
    }

    /** Reads and drops up to {@code maxBytes} of the request's body; a body already read, or gone, is left be. */
    public static void drain(HttpServletRequest request, long maxBytes) {
        byte[] buffer = new byte[1 << 16];
        long left = maxBytes;
        try {
            InputStream body = request.getInputStream();
            int n;
            while (left > 0 && (n = body.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
                left -= n;
            }
        } catch (IOException | RuntimeException e) {
            // the client went away, or the body was read as parts or a reader: the container closes the connection
        }
    }
}
