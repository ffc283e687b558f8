package dev.chainrule.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.KeyedService;
import dev.chainrule.api.Access;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;

/**
 * What each request needs, from the routes the running service maps: every route with the access it declares (the
 * table below, which a new route must join), the rules for what no controller serves, and a route that declares
 * nothing refused to every key. In the keyed service every keyed-mode test shares ({@link KeyedService}).
 */
@KeyedService
class RouteAccessTest {
    static final String READ = KeyedService.READ;
    static final String ADMIN = KeyedService.ADMIN;

    /** Every route: its methods (* for all), its pattern, what it needs. */
    static final List<String> TABLE = List.of(
            "* /error READ",
            "DELETE /datasets/{id} ADMIN",
            "DELETE /models/{id} ADMIN",
            "DELETE /models/{id}/aliases/{alias} ADMIN",
            "DELETE /models/{id}/default-alias ADMIN",
            "DELETE /sweeps/{id} ADMIN",
            "GET /access READ",
            "GET /datasets READ",
            "GET /datasets/{id} READ",
            "GET /jobs READ",
            "GET /jobs/{id} READ",
            "GET /jobs/{id}/events READ",
            "GET /jobs/{id}/result READ",
            "GET /jobs/{id}/result.csv READ",
            "GET /jobs/{id}/result.f32 READ",
            "GET /models READ",
            "GET /models/{id} READ",
            "GET /models/{id}/aliases READ",
            "GET /models/{id}/aliases/{alias} READ",
            "GET /models/{id}/versions/{version}/export READ",
            "GET /sweeps READ",
            "GET /sweeps/{id} READ",
            "GET /sweeps/{id}/events READ",
            "GET /v2 READ",
            "GET /v2/ READ",
            "GET /v2/health/live OPEN",
            "GET /v2/health/ready OPEN",
            "GET /v2/models/{name} READ",
            "GET /v2/models/{name}/ready READ",
            "GET /v2/models/{name}/versions/{version} READ",
            "GET /v2/models/{name}/versions/{version}/ready READ",
            "POST /datasets ADMIN",
            "POST /jobs/{id}/cancel ADMIN",
            "POST /models ADMIN",
            "POST /models/import ADMIN",
            "POST /models/{id}/input-gradients READ",
            "POST /models/{id}/predict READ",
            "POST /models/{id}/predict/dry-run READ",
            "POST /models/{id}/score ADMIN",
            "POST /sweeps ADMIN",
            "POST /sweeps/{id}/cancel ADMIN",
            "POST /sweeps/{id}/predict READ",
            "POST /train ADMIN",
            "POST /v2/models/{name}/infer READ",
            "POST /v2/models/{name}/versions/{version}/infer READ",
            "PUT /models/{id}/aliases/{alias} ADMIN",
            "PUT /models/{id}/default-alias ADMIN");

    @Autowired
    RouteAccess routes;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mapping;

    @Value("${local.server.port}")
    int port;

    /** Every route the service maps, as "METHODS /pattern", with the access it declares. */
    @Test
    void everyRouteDeclaresItsAccess() {
        Map<String, Access> table = new TreeMap<>();
        for (RouteTable.Route route : RouteTable.of(mapping).routes()) {
            String key = route.toString().substring(0, route.toString().lastIndexOf(' '));
            Access before = table.put(key, route.access());
            assertThat(before == null || before == route.access())
                    .as("routes on %s (they differ in what they consume) declare the same access", key).isTrue();
        }
        assertThat(table).doesNotContainValue(Access.UNDECLARED);
        assertThat(table.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList())
                .as("a new route joins this table with the access it declares").containsExactlyElementsOf(TABLE);
    }

    @Test
    void healthAndItsGroupsAreOpenToGetAndHeadOnly() {
        for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
                "/actuator/health/db", "/livez", "/readyz", "/v2/health/live", "/v2/health/ready")) {
            assertThat(routes.access("GET", path)).as(path).isEqualTo(Access.OPEN);
            assertThat(routes.access("HEAD", path)).as(path).isEqualTo(Access.OPEN);
            assertThat(routes.access("POST", path)).as(path).isEqualTo(Access.ADMIN);
        }
    }

    @Test
    void pathsThatOnlyLookLikeHealthNeedAKey() {
        for (String path : List.of("/actuator/healthz", "/actuator/health/../info", "/actuator/health/..;/info",
                "/actuator/health/%2e%2e/info", "/actuator/health;x=y", "/actuator/health//liveness",
                "/actuator/info", "/actuator/prometheus", "/health", "/error")) {
            assertThat(routes.access("GET", path)).as(path).isEqualTo(Access.READ);
        }
    }

    @Test
    void aMovedActuatorBasePathMovesTheOpenHealthPath() {
        RouteAccess moved = new RouteAccess(routes.routes(), "/manage/");
        assertThat(moved.access("GET", "/manage/health/readiness")).isEqualTo(Access.OPEN);
        assertThat(moved.access("GET", "/actuator/health")).isEqualTo(Access.READ);
    }

    @Test
    void theStaticPagesAreOpenToGetAndHeadOnly() {
        for (String path : List.of("/", "/ui", "/ui/", "/ui/index.html", "/ui/js/api.js", "/ui/app.css",
                "/webjars/uplot/dist/uPlot.esm.js", "/webjars/swagger-ui/swagger-ui-bundle.js", "/swagger-ui.html",
                "/openapi.yaml")) {
            assertThat(routes.access("GET", path)).as(path).isEqualTo(Access.OPEN);
            assertThat(routes.access("HEAD", path)).as(path).isEqualTo(Access.OPEN);
            assertThat(routes.access("POST", path)).as(path).isEqualTo(Access.ADMIN);
        }
    }

    @Test
    void pathsThatOnlyLookLikeStaticPagesNeedAKey() {
        for (String path : List.of("/ui/../models", "/ui/./x", "/ui/%2e%2e/models", "/ui/..", "/ui/x;y",
                "/webjars/../models", "/webjars", "/webjars/", "/ui//x", "/uix", "//", "/openapi.yaml/", "/swagger-ui.htm",
                "/models/ui", "/x/openapi.yaml")) {
            assertThat(routes.access("GET", path)).as(path).isEqualTo(Access.READ);
        }
    }

    @Test
    void readsAndPredictionsNeedAReadKey() {
        assertThat(routes.access("GET", "/models")).isEqualTo(Access.READ);
        assertThat(routes.access("GET", "/models/3f0c0e7e-1d2a-4c55-9a3e-0d6f2b1c9e11")).isEqualTo(Access.READ);
        assertThat(routes.access("GET", "/jobs")).isEqualTo(Access.READ);
        assertThat(routes.access("GET", "/jobs/abc/events")).isEqualTo(Access.READ);
        assertThat(routes.access("HEAD", "/jobs/abc")).isEqualTo(Access.READ);
        assertThat(routes.access("GET", "/swagger-ui/index.html")).isEqualTo(Access.READ);
        assertThat(routes.access("GET", "/actuator/metrics/chainrule.jobs")).isEqualTo(Access.READ);
        assertThat(routes.access("POST", "/models/3f0c0e7e-1d2a-4c55-9a3e-0d6f2b1c9e11/predict")).isEqualTo(Access.READ);
        assertThat(routes.access("POST", "/models/abc/input-gradients")).isEqualTo(Access.READ);
        // the Open Inference Protocol: its metadata are GETs, its inference a POST that changes nothing
        assertThat(routes.access("GET", "/v2")).isEqualTo(Access.READ);
        assertThat(routes.access("GET", "/v2/models/iris/versions/2/ready")).isEqualTo(Access.READ);
        assertThat(routes.access("POST", "/v2/models/3f0c0e7e-1d2a-4c55-9a3e-0d6f2b1c9e11/infer")).isEqualTo(Access.READ);
        assertThat(routes.access("POST", "/v2/models/iris/versions/2/infer")).isEqualTo(Access.READ);
        assertThat(routes.access("POST", "/v2/models/iris/versions/../../../../train/infer")).isEqualTo(Access.ADMIN);
        assertThat(routes.access("POST", "/v2/models/iris/versions/2/infer/x")).isEqualTo(Access.ADMIN);
        assertThat(routes.access("POST", "/v2/health/ready")).isEqualTo(Access.ADMIN);
    }

    @Test
    void everythingElseNeedsAnAdminKey() {
        assertThat(routes.access("POST", "/models")).isEqualTo(Access.ADMIN);
        assertThat(routes.access("DELETE", "/models/abc")).isEqualTo(Access.ADMIN);
        assertThat(routes.access("POST", "/train")).isEqualTo(Access.ADMIN);
        assertThat(routes.access("POST", "/jobs/abc/cancel")).isEqualTo(Access.ADMIN);
        assertThat(routes.access("PUT", "/models/abc")).isEqualTo(Access.ADMIN);
        assertThat(routes.access("OPTIONS", "/models")).isEqualTo(Access.ADMIN);
        assertThat(routes.access("POST", "/actuator/shutdown")).isEqualTo(Access.ADMIN);
        // a predict path that could be read another way is not a read
        for (String path : List.of("/models/abc/predict/../../../train", "/models/../train/predict",
                "/models/abc/predict;x", "/models/a%2Fb/predict", "/models/abc/predict/", "/models//predict")) {
            assertThat(routes.access("POST", path)).as(path).isEqualTo(Access.ADMIN);
        }
    }

    /** Spring MVC answers OPTIONS from the routes' methods: an ADMIN key may ask, as before, a READ key may not. */
    @Test
    void optionsNeedsAnAdminKey() throws Exception {
        Reply admin = TestHttp.at(port).withKey(ADMIN).call("OPTIONS", "/models", null);
        assertThat(admin.status()).as(admin.body()).isEqualTo(200);
        assertThat(admin.headers().firstValue("Allow")).hasValueSatisfying(allow -> assertThat(allow).contains("GET", "POST"));
        Reply read = TestHttp.at(port).withKey(READ).call("OPTIONS", "/models", null);
        assertThat(read.status()).as(read.body()).isEqualTo(403);
    }

    /** A controller method that declares nothing, as a route added without thinking of keys would be. */
    static final class Forgotten {
        public ResponseEntity<String> secrets() {
            return ResponseEntity.ok("secrets");
        }
    }

    @Test
    void aRouteThatDeclaresNothingIsRefusedToEveryKey() throws Exception {
        RequestMappingInfo info = RequestMappingInfo.paths("/forgotten").methods(RequestMethod.GET)
                .options(mapping.getBuilderConfiguration()).build();
        mapping.registerMapping(info, new Forgotten(), Forgotten.class.getMethod("secrets"));
        try {
            RouteAccess withForgotten = new RouteAccess(RouteTable.of(mapping), "/actuator");
            assertThat(withForgotten.access("GET", "/forgotten")).isEqualTo(Access.UNDECLARED);
            assertThat(withForgotten.access("HEAD", "/forgotten")).isEqualTo(Access.UNDECLARED);

            // the running filter's table predates the route; the check on the dispatched handler still refuses it
            for (String key : List.of(READ, ADMIN)) {
                Reply response = TestHttp.at(port).withKey(key).get("/forgotten");
                assertThat(response.status()).as(response.body()).isEqualTo(403);
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                        type -> assertThat(type).startsWith("application/problem+json"));
                JsonNode problem = response.json();
                assertThat(problem.get("type").asString()).isEqualTo("/problems/forbidden");
                assertThat(problem.get("detail").asString()).contains("@RequiredAccess").doesNotContain("secrets");
            }
            Reply anonymous = TestHttp.at(port).get("/forgotten");
            assertThat(anonymous.status()).isEqualTo(401);
        } finally {
            mapping.unregisterMapping(info);
        }
    }
}
