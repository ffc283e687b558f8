package dev.chainrule.api.security;

import dev.chainrule.api.Access;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * What a request needs, decided before anything reads its body:
 * <ul>
 * <li>a controller route: what it declares ({@link dev.chainrule.api.RequiredAccess}, read from the routes Spring MVC
 * maps); a route that declares nothing is refused to every key;</li>
 * <li>what no controller serves: the health endpoint and its groups (/actuator/health/**, /livez, /readyz) and the
 * static files of the web page and of Swagger UI (/, /ui/**, /webjars/**, /swagger-ui.html, /openapi.yaml) are open
 * to GET and HEAD; any other GET or HEAD (the other actuator endpoints, a 404) needs a READ key, anything else
 * ADMIN.</li>
 * </ul>
 * Paths are the raw request URI: one that could be read two ways (encodings, path parameters, dot or empty
 * segments, a trailing slash) is never open, and never less than READ for GET and HEAD nor less than ADMIN otherwise.
 */
@Component
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET) // no routes without a web server
class RouteAccess {
    private static final Logger log = LoggerFactory.getLogger(RouteAccess.class);
    private static final String SEGMENT = "[A-Za-z0-9_-]+";
    /** A file or folder name of the static pages: dots inside, never first, so never "." or "..". */
    private static final String FILE = "[A-Za-z0-9_-][A-Za-z0-9._-]*";
    /** The web page (static/ui), Swagger UI and their webjars, and the API description Swagger UI shows. */
    private static final Pattern PAGES = Pattern.compile(
            "/|/ui/?|/ui(/" + FILE + ")+|/webjars(/" + FILE + ")+|/swagger-ui\\.html|/openapi\\.yaml");
    /** A path that reads one way only: plain segments, nothing encoded, no parameters, no trailing slash. */
    private static final Pattern PLAIN = Pattern.compile("(/" + SEGMENT + ")+");

    private final RouteTable routes;
    private final Pattern health;

    @Autowired
    RouteAccess(@Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping mapping,
                @Value("${management.endpoints.web.base-path:/actuator}") String actuatorBasePath) {
        this(RouteTable.of(mapping), actuatorBasePath);
        List<RouteTable.Route> undeclared = routes.routes().stream().filter(r -> r.access() == Access.UNDECLARED).toList();
        if (!undeclared.isEmpty()) {
            log.warn("Routes without @RequiredAccess, refused to every API key: {}", undeclared);
        }
    }

    RouteAccess(RouteTable routes, String actuatorBasePath) {
        this.routes = routes;
        String base = actuatorBasePath.endsWith("/") ? actuatorBasePath.substring(0, actuatorBasePath.length() - 1) : actuatorBasePath;
        // the health endpoint and its groups; /livez and /readyz are where Boot also serves the probe groups when
        // management.endpoint.health.probes.add-additional-paths is on
        this.health = Pattern.compile(Pattern.quote(base) + "/health(/" + SEGMENT + ")*|/livez|/readyz");
    }

    RouteTable routes() {
        return routes;
    }

    /** What a method on a path (the request URI less the context path, not decoded) needs. */
    Access access(String method, String path) {
        boolean read = "GET".equals(method) || "HEAD".equals(method);
        if (read && (health.matcher(path).matches() || PAGES.matcher(path).matches())) {
            return Access.OPEN;
        }
        Access unrouted = read ? Access.READ : Access.ADMIN;
        Access declared = routes.declared(method, path);
        if (declared == null) {
            return unrouted;
        }
        return PLAIN.matcher(path).matches() ? declared : declared.atLeast(unrouted);
    }
}
