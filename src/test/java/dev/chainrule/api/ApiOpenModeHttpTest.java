package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.OpsHttp;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/** With no API keys configured (the default) every endpoint is open, and an Authorization header changes nothing. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiOpenModeHttpTest {

    @Value("${local.server.port}")
    int port;

    private OpsHttp http;

    @BeforeEach
    void client() {
        http = new OpsHttp(port);
    }

    @Test
    void everythingIsOpenWithoutAKey() throws Exception {
        String modelId = http.trainedTinyModel(null); // POST /models, POST /train, GET /jobs/{id}
        for (String path : new String[] {"/models", "/models/" + modelId, "/jobs", "/actuator/health",
                "/actuator/info", "/actuator/metrics", "/actuator/prometheus"}) {
            HttpResponse<String> response = http.get(path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
        }
        assertThat(http.post("/models/" + modelId + "/predict", null, "{\"instances\": " + OpsHttp.TINY_INSTANCES + "}")
                .statusCode()).isEqualTo(200);
        assertThat(http.deleteModel(null, modelId).statusCode()).isEqualTo(204);
    }

    @Test
    void anAuthorizationHeaderIsIgnored() throws Exception {
        HttpResponse<String> created = http.post("/models", "whatever-key", OpsHttp.TINY_MODEL);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(http.get("/models", "whatever-key").statusCode()).isEqualTo(200);
    }
}
