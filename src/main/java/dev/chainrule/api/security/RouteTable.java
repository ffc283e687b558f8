package dev.chainrule.api.security;

import dev.chainrule.api.Access;
import dev.chainrule.api.RequiredAccess;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.server.PathContainer;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Every controller route (method and path pattern, as Spring MVC maps them) with the access it declares: the
 * method's {@link RequiredAccess}, else its class's, else {@link Access#UNDECLARED}.
 */
final class RouteTable {

    /** One path pattern of a handler method; no methods: every method. */
    record Route(Set<RequestMethod> methods, PathPattern pattern, Access access, HandlerMethod handler) {

        boolean allows(String method) {
            return methods.isEmpty() || methods.stream().anyMatch(m -> m.name().equals(method)
                    || m == RequestMethod.GET && "HEAD".equals(method)); // Spring MVC serves HEAD from GET routes
        }

        @Override
        public String toString() {
            String verbs = methods.isEmpty() ? "*" : String.join(",", methods.stream().map(Enum::name).sorted().toList());
            return verbs + " " + pattern.getPatternString() + " " + access;
        }
    }

    private final List<Route> routes;

    private RouteTable(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    static RouteTable of(RequestMappingHandlerMapping mapping) {
        List<Route> routes = new ArrayList<>();
        mapping.getHandlerMethods().forEach((info, handler) -> {
            if (info.getPathPatternsCondition() == null) {
                throw new IllegalStateException("routes are matched with path patterns (PathPatternParser), not " + info);
            }
            Access access = declared(handler);
            Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
            for (PathPattern pattern : info.getPathPatternsCondition().getPatterns()) {
                routes.add(new Route(methods, pattern, access, handler));
            }
        });
        routes.sort(Comparator.comparing((Route r) -> r.pattern().getPatternString()).thenComparing(Route::toString));
        return new RouteTable(routes);
    }

    /** What a handler method declares: its own annotation, else its class's; UNDECLARED when neither has one. */
    static Access declared(HandlerMethod handler) {
        RequiredAccess declared = handler.getMethodAnnotation(RequiredAccess.class);
        if (declared == null) {
            declared = AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), RequiredAccess.class);
        }
        return declared == null ? Access.UNDECLARED : declared.value();
    }

    List<Route> routes() {
        return routes;
    }

    /**
     * The access of the route Spring MVC would pick for this method and path (the most specific pattern; of routes
     * on the same pattern and method, which differ only in what they consume or produce, the strictest), or null
     * when no route matches. The path is the raw request path, matched as Spring MVC matches it (segments decoded,
     * path parameters set aside).
     */
    Access declared(String method, String path) {
        PathContainer container = PathContainer.parsePath(path);
        PathPattern best = null;
        Access access = null;
        for (Route route : routes) {
            if (!route.allows(method) || !route.pattern().matches(container)) {
                continue;
            }
            int order = best == null ? -1 : PathPattern.SPECIFICITY_COMPARATOR.compare(route.pattern(), best);
            if (order < 0) {
                best = route.pattern();
                access = route.access();
            } else if (order == 0) {
                access = access.atLeast(route.access());
            }
        }
        return access;
    }
}
