package dev.chainrule.api.security;

import dev.chainrule.api.Access;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The second look: once Spring MVC has picked the handler, its declared access must be within what
 * {@link ApiKeyFilter} granted. It catches a handler the route table did not know (one registered at run time) or
 * matched differently, and refuses a handler that declares nothing even then.
 */
@Configuration(proxyBeanMethods = false)
class DeclaredAccessCheck implements WebMvcConfigurer, HandlerInterceptor {
    private final ApiKeyFilter keys;
    private final Map<Method, Access> declared = new ConcurrentHashMap<>();

    DeclaredAccessCheck(ApiKeyFilter keys) {
        this.keys = keys;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) throws Exception {
        if (!keys.keysRequired() || request.getDispatcherType() != DispatcherType.REQUEST
                || !(handler instanceof HandlerMethod method)) {
            return true; // keys off; an error or async dispatch of a request checked already; static files and views
        }
        Access needed = declared.computeIfAbsent(method.getMethod(), m -> RouteTable.declared(method));
        Access granted = request.getAttribute(ApiKeyFilter.GRANTED) instanceof Access a ? a : Access.OPEN;
        if (needed.compareTo(granted) <= 0
                || needed == Access.UNDECLARED && "OPTIONS".equals(request.getMethod()) && granted == Access.ADMIN) {
            // (Spring MVC answers OPTIONS itself, from the routes' methods, with a handler of its own that declares
            // nothing; the filter asked an ADMIN key for it, since no route declares OPTIONS)
            return true;
        }
        if (granted == Access.OPEN) {
            ApiKeyFilter.unauthorized(request, response, request.getHeader("Authorization") == null
                    ? "this service needs an API key: send the header 'Authorization: Bearer <key>'"
                    : "this route needs an API key");
        } else {
            ApiKeyFilter.forbidden(request, response, needed);
        }
        return false;
    }
}
