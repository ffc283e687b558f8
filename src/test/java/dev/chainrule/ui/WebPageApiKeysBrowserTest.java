package dev.chainrule.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.KeyedService;
import dev.chainrule.TinyModel;
import dev.chainrule.dataset.TestDatasets;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import tools.jackson.databind.JsonNode;

/**
 * The web page's session against a service with API keys: the page asks for a key once per tab (a wrong one is
 * asked again, with the service's reason) and sends it on every call, the event stream included. It asks GET /access
 * once per key: a READ key may watch and predict and is offered no cancel (of a job or a sweep) and no scoring, an
 * ADMIN key is offered them and cancels. Swagger UI loads without a key and its Authorize button takes one.
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
    void aReadKeyIsOfferedNoCancelNorScoringWhileAnAdminKeyIsAndCancels() throws Exception {
        try (WebPageSession session = new WebPageSession(port, ADMIN)) {
            String modelId = session.defineIrisModel();
            JsonNode trained = TinyModel.awaitFinished(session.http.withKey(ADMIN), session.trainIris(modelId, 5, 16));
            assertThat(trained.get("status").asString()).isEqualTo("SUCCEEDED");
            String jobId = session.trainIris(modelId, 10_000, 1);
            session.open("#/jobs/" + jobId);
            session.answerKeyPrompt(READ, "this service needs an API key: send the header 'Authorization: Bearer <key>'");
            session.waitFor("the job running, followed with the read key",
                    d -> "RUNNING".equals(session.curveState().status()) && session.curveState().points() >= 2);

            // the page asked GET /access with the read key, shows what it answered, and offers no cancel
            JsonNode readAccess = session.http.withKey(READ).get("/access").json();
            assertThat(readAccess.get("access").asString()).isEqualTo("READ");
            assertThat(session.waitFor("the key's name and access in the header", d -> {
                WebElement shown = d.findElement(By.id("key-access"));
                return shown.isDisplayed() ? shown : null;
            }).getText()).isEqualTo(readAccess.get("keyName").asString() + " · READ");
            assertThat(session.driver.findElements(By.id("cancel-job"))).as("a cancel button for a read key").isEmpty();
            assertThat(session.http.withKey(READ).post("/jobs/" + jobId + "/cancel", null).status())
                    .as("the service refuses it anyway").isEqualTo(403);

            // the model page: the predict form (a read key may predict), no scoring form (it starts a job)
            session.script("location.hash = arguments[0]", "#/models/" + modelId);
            session.waitFor("the model page", d -> !d.findElements(By.id("predict-form")).isEmpty());
            assertThat(session.driver.findElements(By.id("score-form"))).as("a scoring form for a read key").isEmpty();

            // a running sweep's page: no cancel either
            String sweepId = startLongSweep(session);
            session.script("location.hash = arguments[0]", "#/sweeps/" + sweepId);
            session.waitFor("the running sweep's page", d -> "RUNNING".equals(sweepBadge(session)));
            assertThat(session.driver.findElements(By.id("cancel-sweep"))).as("a sweep's cancel button for a read key").isEmpty();
            assertThat(session.accessAnswers()).as("GET /access answered once for the read key, however many views").isEqualTo(1);
            Chromium.screenshot(session.driver, "keys-read-key");
            assertThat(session.api("GET", "/jobs/" + jobId, null).get("status").asString()).isEqualTo("RUNNING");

            // forget the read key; the page (still on the sweep) asks again, and the admin key is offered every
            // control and cancels the sweep and the job
            WebElement forget = session.driver.findElement(By.id("forget-key"));
            assertThat(forget.isDisplayed()).isTrue();
            forget.click();
            session.answerKeyPrompt(ADMIN, "this service needs an API key: send the header 'Authorization: Bearer <key>'");
            // the page redraws a running sweep every 2 s: find and press the button in one go
            session.waitFor("the sweep's cancel button for the admin key, pressed", d -> {
                d.findElement(By.id("cancel-sweep")).click();
                return true;
            });
            session.waitFor("CANCELLED on the sweep's page", d -> "CANCELLED".equals(sweepBadge(session)));
            assertThat(session.api("GET", "/sweeps/" + sweepId, null).get("state").asString()).isEqualTo("CANCELLED");
            assertThat(session.driver.findElement(By.id("key-access")).getText())
                    .isEqualTo(session.api("GET", "/access", null).get("keyName").asString() + " · ADMIN");

            session.script("location.hash = arguments[0]", "#/models/" + modelId);
            session.waitFor("the scoring form for the admin key", d -> !d.findElements(By.id("score-form")).isEmpty());

            session.script("location.hash = arguments[0]", "#/jobs/" + jobId);
            session.waitFor("the job page again", d -> "RUNNING".equals(session.curveState().status()));
            WebElement cancel = session.driver.findElement(By.id("cancel-job"));
            assertThat(cancel.isDisplayed()).isTrue();
            cancel.click();
            session.waitFor("CANCELLED on the job page", d -> "CANCELLED".equals(session.curveState().status()));
            assertThat(session.api("GET", "/jobs/" + jobId, null).get("status").asString()).isEqualTo("CANCELLED");
            assertThat(session.accessAnswers()).as("GET /access answered once for the admin key").isEqualTo(1);
            assertThat(session.scriptErrors()).isEmpty();
        }
    }

    /** A sweep of two iris trials of 10,000 epochs, one row a minibatch: it runs until cancelled. */
    private String startLongSweep(WebPageSession session) throws Exception {
        String datasetId = session.http.withKey(ADMIN).postCsv("/datasets?name=iris", TestDatasets.file("iris/iris.csv"))
                .expect(201, "the iris upload").get("id").asString();
        return session.api("POST", "/sweeps", """
                {"name": "long", "model": {"inputWidth": 4, "layers": [{"units": 8, "activation": "tanh"},
                 {"units": 3, "activation": "softmax"}], "loss": "cross_entropy", "seed": 3},
                 "training": {"datasetId": "%s", "validationSplit": 0.2, "epochs": 10000, "batchSize": 1},
                 "space": {"learningRate": [0.003, 0.03]}}""".formatted(datasetId))
                .get("id").asString();
    }

    /** The state badge of the sweep's page, or null before that page shows. */
    private static String sweepBadge(WebPageSession session) {
        return (String) session.script("""
                return document.getElementById('sweep-summary')
                    ? document.querySelector('h1 .status')?.dataset.status ?? null : null""");
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
