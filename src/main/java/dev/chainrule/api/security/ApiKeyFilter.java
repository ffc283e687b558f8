package dev.chainrule.api.security;

import dev.chainrule.api.problem.ApiExceptionHandler;
import dev.chainrule.api.problem.ProblemResponse;
import dev.chainrule.config.ChainruleProperties.ApiKey;
import dev.chainrule.config.ChainruleProperties.Role;
import dev.chainrule.config.ChainruleProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Optional API keys (chainrule.security.api-keys). With none configured every request passes. Otherwise every
 * request but the health probes needs {@code Authorization: Bearer <key>}:
 * <ul>
 * <li>open: GET/HEAD on the health endpoint and its groups (/actuator/health, /actuator/health/liveness, ...), the
 * Open Inference Protocol's probes (/v2/health/live, /v2/health/ready), and the static files of the web page and
 * of Swagger UI (/, /ui/**, /webjars/**, /swagger-ui.html, /openapi.yaml): they hold no data, and every call the
 * pages make sends the key the person gives them;</li>
 * <li>READ or ADMIN key: every other GET/HEAD (models, jobs, job events, the other actuator endpoints), and POST
 * /models/{id}/predict, /models/{id}/predict/dry-run, /models/{id}/input-gradients and the protocol's
 * /v2/models/{name}[/versions/{version}]/infer;</li>
 * <li>ADMIN key: everything else (POST /models, DELETE /models/{id}, POST /train, POST /jobs/{id}/cancel, PUT and
 * DELETE of aliases and the default alias, and any
 * write added later: what is not listed as read is admin).</li>
 * </ul>
 * No key or an unknown key gets 401 with {@code WWW-Authenticate: Bearer}; a read key on an admin operation 403.
 * The presented key is compared with every configured key, always all of them, as SHA-256 digests with
 * {@link MessageDigest#isEqual}: the time taken says nothing about how much of a key matched, nor its length.
 *
 * <p>It runs before every other filter of ours (the request size limit reads nothing of a refused body).
 * Paths are matched on the raw request URI with patterns that admit no dot segments, encodings or path
 * parameters, so a path that could be read two ways never counts as open or as read-only.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiKeyFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyFilter.class);
    /** Writes a problem as the MVC message converters do: extension members at the top level, no nulls. */
    private static final String SEGMENT = "[A-Za-z0-9_-]+";
    /** A file or folder name of the static pages: dots inside, never first, so never "." or "..". */
    private static final String FILE = "[A-Za-z0-9_-][A-Za-z0-9._-]*";
    /** The web page (static/ui), Swagger UI and their webjars, and the API description Swagger UI shows. */
    private static final Pattern PAGES = Pattern.compile(
            "/|/ui/?|/ui(/" + FILE + ")+|/webjars(/" + FILE + ")+|/swagger-ui\\.html|/openapi\\.yaml");
    /** Read operations that are POSTs: they compute, and change nothing. */
    private static final Pattern READ_POST = Pattern.compile("/models/" + SEGMENT + "/(predict|predict/dry-run|input-gradients)"
            + "|/sweeps/" + SEGMENT + "/predict"
            + "|/v2/models/" + SEGMENT + "(/versions/" + SEGMENT + ")?/infer");
    /** Below 16 characters a key is guessable; it still works, with a warning at start. */
    static final int SHORT_KEY = 16;

    /** What a request needs. */
    enum Access {
        OPEN, READ, ADMIN
    }

    private record Key(byte[] digest, Role role, String name) {
    }

    /** The request attribute holding the name of the key a request presented (absent when keys are off). */
    public static final String KEY_NAME = ApiKeyFilter.class.getName() + ".keyName";

    private final List<Key> keys;
    private final Pattern open;

    ApiKeyFilter(ChainruleProperties properties,
                 @Value("${management.endpoints.web.base-path:/actuator}") String actuatorBasePath) {
        this.keys = digests(properties.security().apiKeys());
        String base = actuatorBasePath.endsWith("/") ? actuatorBasePath.substring(0, actuatorBasePath.length() - 1) : actuatorBasePath;
        // the health endpoint and its groups; /livez and /readyz are where Boot also serves the probe groups when
        // management.endpoint.health.probes.add-additional-paths is on
        this.open = Pattern.compile(Pattern.quote(base) + "/health(/" + SEGMENT + ")*|/livez|/readyz|/v2/health/(live|ready)");
        if (keys.isEmpty()) {
            log.info("No API keys (chainrule.security.api-keys): the API is open to anyone who can reach it");
        } else {
            log.info("API keys required: {} read, {} admin; health probes stay open",
                    keys.stream().filter(k -> k.role() == Role.READ).count(),
                    keys.stream().filter(k -> k.role() == Role.ADMIN).count());
        }
    }

    /** Checks the configuration (every key non-blank, with a role, listed once) and keeps only digests. */
    private static List<Key> digests(List<ApiKey> configured) {
        List<Key> keys = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            ApiKey key = configured.get(i);
            String at = "chainrule.security.api-keys[" + i + "]";
            if (key == null || key.key() == null || key.key().isBlank()) {
                throw new IllegalStateException(at + ".key must not be blank");
            }
            if (!key.key().equals(key.key().strip())) {
                throw new IllegalStateException(at + ".key starts or ends with white space, which a client cannot send"
                        + " in an Authorization header");
            }
            if (key.role() == null) {
                throw new IllegalStateException(at + ".role is required: READ or ADMIN");
            }
            if (key.key().length() < SHORT_KEY) {
                log.warn("{}.key is shorter than {} characters: easy to guess", at, SHORT_KEY);
            }
            byte[] digest = sha256(key.key());
            for (Key other : keys) {
                if (MessageDigest.isEqual(other.digest(), digest)) {
                    throw new IllegalStateException(at + ".key is listed twice");
                }
            }
            String name = key.nameOrDefault();
            if (name.isBlank() || name.length() > ApiKey.MAX_NAME_LENGTH || name.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalStateException(at + ".name must be 1 to " + ApiKey.MAX_NAME_LENGTH
                        + " characters without control characters");
            }
            for (Key other : keys) {
                if (other.name().equals(name)) {
                    throw new IllegalStateException(at + ".name '" + name + "' is another key's name too");
                }
            }
            keys.add(new Key(digest, key.role(), name));
        }
        return List.copyOf(keys);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (keys.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        Access needed = access(request.getMethod(), path);
        if (needed == Access.OPEN) {
            chain.doFilter(request, response);
            return;
        }
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        String token = bearerToken(header);
        Key presented = token == null ? null : key(token);
        Role role = presented == null ? null : presented.role();
        if (role == null) {
            // RFC 6750 section 3: no credentials -> just the challenge; wrong credentials -> error="invalid_token"
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, header == null
                    ? "Bearer realm=\"chainrule\""
                    : "Bearer realm=\"chainrule\", error=\"invalid_token\"");
            write(request, response, ApiExceptionHandler.problem(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized",
                    header == null
                            ? "this service needs an API key: send the header 'Authorization: Bearer <key>'"
                            : token == null
                            ? "the Authorization header must be 'Bearer <key>'"
                            : "the API key is not valid"));
            return;
        }
        if (needed == Access.ADMIN && role != Role.ADMIN) {
            write(request, response, ApiExceptionHandler.problem(HttpStatus.FORBIDDEN, "forbidden", "Forbidden",
                    request.getMethod() + " " + path + " needs an ADMIN key; this key may only read and predict"));
            return;
        }
        request.setAttribute(KEY_NAME, presented.name());
        chain.doFilter(request, response);
    }

    /** What a method on a path (the request URI less the context path, not decoded) needs. */
    Access access(String method, String path) {
        boolean read = "GET".equals(method) || "HEAD".equals(method);
        if (read && (open.matcher(path).matches() || PAGES.matcher(path).matches())) {
            return Access.OPEN;
        }
        if (read || "POST".equals(method) && READ_POST.matcher(path).matches()) {
            return Access.READ;
        }
        return Access.ADMIN;
    }

    /** The token of "Bearer token" (the scheme in any case), or null. */
    static String bearerToken(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    /** The key, or null when it matches none; compares with every key, in constant time each. */
    private Key key(String token) {
        byte[] digest = sha256(token);
        Key found = null;
        for (Key key : keys) {
            if (MessageDigest.isEqual(key.digest(), digest)) {
                found = key; // no early exit: every request costs the same number of comparisons
            }
        }
        return found;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem)
            throws IOException {
        ProblemResponse.write(request, response, problem);
    }
}
