package dev.chainrule.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.KeyedService;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

/**
 * The web page's files over HTTP, with API keys on: the page, its modules, uPlot and Swagger UI come without a key
 * (they hold no data), the page with its Content-Security-Policy; the data still needs the key.
 */
@KeyedService
class WebPageHttpTest {
    @Value("${local.server.port}")
    int port;

    private Reply get(String path) {
        return TestHttp.at(port).get(path); // follows no redirects
    }

    @Test
    void theRootAndUiLeadToThePage() throws Exception {
        for (String path : new String[] {"/", "/ui"}) {
            Reply response = get(path);
            assertThat(response.status()).as(path).isEqualTo(302);
            assertThat(response.headers().firstValue("Location").orElseThrow()).as(path).endsWith("/ui/");
        }
    }

    @Test
    void thePageComesWithoutAKeyUnderItsContentSecurityPolicy() throws Exception {
        Reply page = get("/ui/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("<script type=\"module\" src=\"js/app.js\"></script>")
                .doesNotContain("<script>").doesNotContain("style=");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(WebPageHeaders.POLICY);
        assertThat(WebPageHeaders.POLICY).contains("script-src 'self'", "connect-src 'self'", "default-src 'none'")
                .doesNotContain("unsafe");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(get("/ui/index.html").headers().firstValue("Content-Security-Policy")).hasValue(WebPageHeaders.POLICY);
    }

    @Test
    void itsModulesUplotAndSwaggerUiComeWithoutAKey() throws Exception {
        for (String path : new String[] {"/ui/js/app.js", "/ui/js/views/job.js", "/ui/app.css",
                "/webjars/uplot/dist/uPlot.esm.js", "/webjars/uplot/dist/uPlot.min.css", "/swagger-ui.html",
                "/webjars/swagger-ui/swagger-ui-bundle.js", "/openapi.yaml"}) {
            Reply response = get(path);
            assertThat(response.status()).as(path).isEqualTo(200);
        }
        assertThat(get("/ui/js/app.js").headers().firstValue("Content-Type").orElse("")).contains("javascript");
        // Swagger UI's page starts itself with an inline script: the page's policy is not put on it
        assertThat(get("/swagger-ui.html").headers().firstValue("Content-Security-Policy")).isEmpty();
    }

    @Test
    void theDataStillNeedsTheKey() throws Exception {
        for (String path : new String[] {"/models", "/jobs", "/datasets", "/actuator/info"}) {
            assertThat(get(path).status()).as(path).isEqualTo(401);
        }
        // a page's path that is no file is a plain 404, not a way past the key to anything else
        assertThat(get("/ui/no-such-file.js").status()).isEqualTo(404);
    }
}
