package dev.chainrule.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.KeyedService;
import dev.chainrule.testhttp.Reply;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The web page's session against a service with API keys: the page asks for a key once per tab (a wrong one is
 * asked again, with the service's reason) and sends it on every call, the event stream included. A READ key may
 * watch but not cancel, and the page says why; Swagger UI loads without a key and its Authorize button takes one.
 */
@KeyedService
class WebPageApiKeysBrowserTest extends WebPageScenario {
    static final String READ = KeyedService.READ;
    static final String ADMIN = KeyedService.ADMIN;

    @Override
    String adminKey() {
        return ADMIN;
    }

    @Override
    String name() {
        return "keys";
    }

    @Test
    void aReadKeyWatchesButMayNotCancelAndThePageSaysWhy() throws Exception {
        try (WebPageSession session = new WebPageSession(port, ADMIN)) {
            String modelId = session.defineIrisModel();
            String jobId = session.trainIris(modelId, 10_000, 1);
            session.open("#/jobs/" + jobId);
            session.answerKeyPrompt(READ, "this service needs an API key: send the header 'Authorization: Bearer <key>'");
            session.waitFor("the job running, followed with the read key",
                    d -> "RUNNING".equals(session.curveState().status()) && session.curveState().points() >= 2);

            Reply forbidden = session.http.withKey(READ).post("/jobs/" + jobId + "/cancel", null);
            assertThat(forbidden.status()).isEqualTo(403);
            session.driver.findElement(By.id("cancel-job")).click();
            assertThat(session.errorBanner()).isEqualTo("Forbidden: " + forbidden.json().get("detail").asString());
            assertThat(session.api("GET", "/jobs/" + jobId, null).get("status").asString()).isEqualTo("RUNNING");

            // forget the read key; the page asks again, and an admin key cancels
            WebElement forget = session.driver.findElement(By.id("forget-key"));
            assertThat(forget.isDisplayed()).isTrue();
            forget.click();
            session.answerKeyPrompt(ADMIN, "this service needs an API key: send the header 'Authorization: Bearer <key>'");
            session.waitFor("the job page again", d -> "RUNNING".equals(session.curveState().status()));
            session.driver.findElement(By.id("cancel-job")).click();
            session.waitFor("CANCELLED on the job page", d -> "CANCELLED".equals(session.curveState().status()));
            assertThat(session.api("GET", "/jobs/" + jobId, null).get("status").asString()).isEqualTo("CANCELLED");
            assertThat(session.scriptErrors()).isEmpty();
        }
    }

    @Test
    void swaggerUiLoadsWithoutAKeyAndAuthorizeTakesOne() throws Exception {
        try (WebPageSession session = new WebPageSession(port, ADMIN)) {
            long models = session.api("GET", "/models", null).get("totalItems").asLong();
            session.driver.get(session.base + "/swagger-ui.html");
            session.waitFor("Swagger UI with the API's title",
                    d -> d.findElements(By.cssSelector(".information-container .title")).stream()
                            .anyMatch(title -> title.getText().startsWith("Chainrule")));

            session.driver.findElement(By.cssSelector(".auth-wrapper button.authorize")).click();
            WebElement input = session.waitFor("the Authorize dialog",
                    d -> d.findElements(By.cssSelector(".modal-ux input")).stream().findFirst().orElse(null));
            input.sendKeys(ADMIN);
            session.driver.findElement(By.cssSelector(".modal-ux .auth-btn-wrapper button.authorize")).click();
            session.driver.findElement(By.cssSelector(".modal-ux .auth-btn-wrapper button.btn-done")).click();

            // "Try it out" on GET /models: Swagger UI sends the key, the service answers 200
            session.driver.findElement(By.cssSelector("#operations-models-listModels .opblock-summary")).click();
            session.waitFor("Try it out", d -> d.findElement(By.cssSelector("#operations-models-listModels .try-out__btn"))).click();
            session.waitFor("Execute", d -> d.findElement(By.cssSelector("#operations-models-listModels .execute"))).click();
            WebElement status = session.waitFor("the live response", d -> d.findElements(
                    By.cssSelector("#operations-models-listModels .live-responses-table .response .response-col_status"))
                    .stream().findFirst().orElse(null));
            assertThat(status.getText()).isEqualTo("200");
            assertThat(session.driver.findElement(By.cssSelector("#operations-models-listModels .live-responses-table"))
                    .getText()).contains("\"totalItems\": " + models);
            Chromium.screenshot(session.driver, "keys-swagger-ui");
        }
    }
}
