package dev.chainrule.api.security;

import static dev.chainrule.api.Access.READ;

import dev.chainrule.api.Access;
import dev.chainrule.api.RequiredAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * GET /access: what the caller's key may do, so that a client (the web page) offers only what the service would
 * allow. Without API keys every caller may do everything; with keys, a valid key of either role gets its answer
 * and no key or an unknown one the usual 401 (the filter refuses it before this runs).
 */
@RestController
class AccessController {
    private final ApiKeyFilter keys;

    AccessController(ApiKeyFilter keys) {
        this.keys = keys;
    }

    /** The access granted to this request, and the key's name (left out when the service has no keys). */
    record AccessResponse(Access access, String keyName) {
    }

    @RequiredAccess(READ)
    @GetMapping("/access")
    AccessResponse access(HttpServletRequest request) {
        if (!keys.keysRequired()) {
            return new AccessResponse(Access.ADMIN, null);
        }
        // the filter let this request through, so it granted READ or ADMIN and named the key
        Access granted = (Access) request.getAttribute(ApiKeyFilter.GRANTED);
        return new AccessResponse(granted, (String) request.getAttribute(ApiKeyFilter.KEY_NAME));
    }
}
