package dev.chainrule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/** The service starts on a real port, warms ND4J up, and reports itself live and ready over HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ChainruleApplicationTest {

    @Value("${local.server.port}")
    int port;

    @Test
    void healthLivenessAndReadinessAreUp() {
        for (String path : new String[] {"/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness"}) {
            Reply response = TestHttp.at(port).get(path);
            assertThat(response.status()).as(path).isEqualTo(200);
            assertThat(response.body()).as(path).contains("\"status\":\"UP\"");
        }
    }
}
