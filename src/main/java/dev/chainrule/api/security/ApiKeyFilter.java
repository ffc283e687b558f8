package dev.chainrule.api.security;

import dev.chainrule.api.Access;
import dev.chainrule.api.problem.ApiExceptionHandler;
import dev.chainrule.api.problem.ProblemResponse;
import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.config.ChainruleProperties.ApiKey;
import dev.chainrule.config.ChainruleProperties.Role;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Optional API keys (chainrule.security.api-keys). With none configured every request passes. Otherwise a request
 * needs what {@link RouteAccess} says its route declares ({@link dev.chainrule.api.RequiredAccess} on the controllers):
 * <ul>
 * <li>OPEN: no key (the health probes, the static pages);</li>
 * <li>READ: a READ or ADMIN key ({@code Authorization: Bearer <key>});</li>
 * <li>ADMIN: an ADMIN key;</li>
 * <li>a route that declares nothing: refused to every key.</li>
 * </ul>
 * No key or an unknown key gets 401 with {@code WWW-Authenticate: Bearer}; a key short of what the route needs 403.
 * The presented key is compared with every configured key, always all of them, as SHA-256 digests with
 * {@link MessageDigest#isEqual}: the time taken says nothing about how much of a key matched, nor its length.
 *
 * <p>It runs before every other filter of ours (the request size limit reads nothing of a refused body), and
 * {@link DeclaredAccessCheck} checks again, against the handler Spring MVC then dispatches to, what was granted here.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiKeyFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyFilter.class);
    /** Below 16 characters a key is guessable; it still works, with a warning at start. */
    static final int SHORT_KEY = 16;

    private record Key(byte[] digest, Role role, String name) {
    }

    /** The request attribute holding the name of the key a request presented (absent when keys are off). */
    public static final String KEY_NAME = ApiKeyFilter.class.getName() + ".keyName";
    /** The request attribute holding the {@link Access} this request was granted (absent when keys are off). */
    static final String GRANTED = ApiKeyFilter.class.getName() + ".granted";

    private final List<Key> keys;
    /** Resolved on the first request: the routes exist once the MVC infrastructure has started, after the filters. */
    private final ObjectProvider<RouteAccess> routeAccess;
    private RouteAccess routes;

    ApiKeyFilter(ChainruleProperties properties, ObjectProvider<RouteAccess> routeAccess) {
        this.keys = digests(properties.security().apiKeys());
        this.routeAccess = routeAccess;
        if (keys.isEmpty()) {
            log.info("No API keys (chainrule.security.api-keys): the API is open to anyone who can reach it");
        } else {
            log.info("API keys required: {} read, {} admin; health probes stay open",
                    keys.stream().filter(k -> k.role() == Role.READ).count(),
                    keys.stream().filter(k -> k.role() == Role.ADMIN).count());
        }
    }

    /** Whether keys are on: without them, nothing is checked. */
    boolean keysRequired() {
        return !keys.isEmpty();
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
        Access needed = routes().access(request.getMethod(), path);
        if (needed == Access.OPEN) {
            request.setAttribute(GRANTED, Access.OPEN);
            chain.doFilter(request, response);
            return;
        }
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        String token = bearerToken(header);
        Key presented = token == null ? null : key(token);
        if (presented == null) {
            unauthorized(request, response, header == null
                    ? "this service needs an API key: send the header 'Authorization: Bearer <key>'"
                    : token == null
                    ? "the Authorization header must be 'Bearer <key>'"
                    : "the API key is not valid");
            return;
        }
        Access granted = presented.role() == Role.ADMIN ? Access.ADMIN : Access.READ;
        if (needed.compareTo(granted) > 0) {
            forbidden(request, response, needed);
            return;
        }
        request.setAttribute(GRANTED, granted);
        request.setAttribute(KEY_NAME, presented.name());
        chain.doFilter(request, response);
    }

    private RouteAccess routes() {
        RouteAccess resolved = routes;
        if (resolved == null) {
            resolved = routeAccess.getObject();
            routes = resolved;
        }
        return resolved;
    }

    /** 401 with the challenge of RFC 6750 section 3: just the challenge without credentials, error="invalid_token" with wrong ones. */
    static void unauthorized(HttpServletRequest request, HttpServletResponse response, String detail) throws IOException {
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, request.getHeader(HttpHeaders.AUTHORIZATION) == null
                ? "Bearer realm=\"chainrule\""
                : "Bearer realm=\"chainrule\", error=\"invalid_token\"");
        ProblemResponse.refuse(request, response, ApiExceptionHandler.problem(HttpStatus.UNAUTHORIZED, "unauthorized",
                "Unauthorized", detail));
    }

    /** 403: the key is valid but the route needs more, or declares nothing. */
    static void forbidden(HttpServletRequest request, HttpServletResponse response, Access needed) throws IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String detail = needed == Access.UNDECLARED
                ? request.getMethod() + " " + path + " declares no required access (@RequiredAccess), so no key may call it"
                : request.getMethod() + " " + path + " needs an ADMIN key; this key may only read and predict";
        ProblemResponse.refuse(request, response, ApiExceptionHandler.problem(HttpStatus.FORBIDDEN, "forbidden",
                "Forbidden", detail));
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
}
