package dev.chainrule.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.TinyModel;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/** With no API keys configured (the default) every endpoint is open, and an Authorization header changes nothing. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiOpenModeHttpTest {

    @Value("${local.server.port}")
    int port;

    private TestHttp http;

    @BeforeEach
    void client() {
        http = TestHttp.at(port);
    }

    @Test
    void everythingIsOpenWithoutAKey() throws Exception {
        String modelId = TinyModel.trained(http); // POST /models, POST /train, GET /jobs/{id}
        for (String path : new String[] {"/models", "/models/" + modelId, "/jobs", "/actuator/health",
                "/actuator/info", "/actuator/metrics", "/actuator/prometheus"}) {
            Reply response = http.get(path);
            assertThat(response.status()).as(path).isEqualTo(200);
        }
        assertThat(http.post("/models/" + modelId + "/predict", "{\"instances\": " + TinyModel.INSTANCES + "}")
                .status()).isEqualTo(200);
        assertThat(TinyModel.delete(http, modelId).status()).isEqualTo(204);
    }

    @Test
    void anAuthorizationHeaderIsIgnored() throws Exception {
        TestHttp withAKey = http.withKey("whatever-key");
        Reply created = withAKey.post("/models", TinyModel.DEFINITION);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(withAKey.get("/models").status()).isEqualTo(200);
    }
}
