package dev.chainrule.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.testhttp.Reply;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;

/**
 * The web page in a real browser against the real service, the same session with and without API keys: a job's
 * learning curves grow live while it trains and the final accuracy shows when it ends; the model page shows the
 * parameter count and versions, predicts a pasted row, reports a problem's detail, exports the version; a second
 * job is cancelled from its page; the jobs list filters by model and status. Screenshots go to target/ui-screenshots.
 */
abstract class WebPageScenario {
    @Value("${local.server.port}")
    int port;

    /** The key a person types when the page asks (an ADMIN key), or null when the service has none. */
    abstract String adminKey();

    /** Where the screenshots of this variant go. */
    abstract String name();

    /** Opens the page at {@code hash}; with keys, answers the one prompt the page makes in this tab. */
    void openFirstTime(WebPageSession session, String hash) {
        session.open(hash);
        if (adminKey() != null) {
            session.answerKeyPrompt("not-the-key", "this service needs an API key: send the header 'Authorization: Bearer <key>'");
            session.answerKeyPrompt(adminKey(), "the API key is not valid");
        }
    }

    @Test
    void aWholeSession() throws Exception {
        try (WebPageSession session = new WebPageSession(port, adminKey())) {
            String modelId = session.defineIrisModel();
            String jobId = session.trainIris(modelId, WebPageSession.WATCHED_EPOCHS, 8);

            // the curves grow while the job runs, from its event stream
            openFirstTime(session, "#/jobs/" + jobId);
            List<Integer> seen = session.watchCurveGrow(name() + "-job-running");
            assertThat(seen).as("epochs on the chart while the job ran").hasSizeGreaterThanOrEqualTo(3).isSorted();
            assertThat(seen.get(0)).isLessThan(WebPageSession.WATCHED_EPOCHS);

            // the end: the page's final accuracy is the API's, every epoch is on the chart, at most 600 drawn
            session.waitFor("SUCCEEDED on the job page", d -> "SUCCEEDED".equals(session.curveState().status()));
            JsonNode job = session.api("GET", "/jobs/" + jobId, null);
            assertThat(job.get("status").asString()).isEqualTo("SUCCEEDED");
            double accuracy = job.get("finalMetrics").get("accuracy").asDouble();
            assertThat(accuracy).as("iris validation accuracy").isGreaterThanOrEqualTo(0.8);
            WebElement shown = session.driver.findElement(By.cssSelector("#final-metrics dd[data-metric=accuracy]"));
            assertThat(Double.parseDouble(shown.getDomAttribute("data-value"))).isEqualTo(accuracy);
            assertThat(shown.getText()).isEqualTo(WebPageSession.fourDigits(accuracy));
            WebPageSession.CurveState end = session.curveState();
            assertThat(end.points()).isEqualTo(WebPageSession.WATCHED_EPOCHS);
            assertThat(end.shown()).isBetween(2, 600);
            JsonNode last = job.get("history").get(WebPageSession.WATCHED_EPOCHS - 1);
            assertThat(session.driver.findElement(By.id("latest-epoch")).getText()).startsWith("epoch " + WebPageSession.WATCHED_EPOCHS
                    + ": training loss " + WebPageSession.fourDigits(last.get("trainingLoss").asDouble())
                    + ", validation loss " + WebPageSession.fourDigits(last.get("validationLoss").asDouble()));
            assertThat(session.driver.findElements(By.cssSelector("#loss-chart canvas, #metric-chart canvas"))).hasSize(2);
            assertThat(session.driver.findElement(By.id("job-epoch")).getText())
                    .isEqualTo("epoch " + WebPageSession.WATCHED_EPOCHS + " of " + WebPageSession.WATCHED_EPOCHS);
            Chromium.screenshot(session.driver, name() + "-job");

            modelPage(session, modelId);
            String cancelled = cancelASecondJob(session, modelId);
            jobsList(session, modelId, jobId, cancelled);
            WebPageScoring.scoreIris(session, modelId, adminKey(), name());

            if (adminKey() != null) {
                assertThat(session.keyPrompts()).as("the page asked for the key once (a wrong one, then the right one)").isEqualTo(2);
            }
            assertThat(session.scriptErrors()).as("script errors and CSP violations in the browser's console").isEmpty();
        }
    }

    private void modelPage(WebPageSession session, String modelId) throws Exception {
        assertThat(session.driver.findElement(By.id("job-outcome")).getText())
                .isEqualTo("Succeeded (completed) after " + WebPageSession.WATCHED_EPOCHS + " epochs: version 1 of the model.");
        session.driver.findElement(By.cssSelector("#job-outcome a")).click(); // "version 1" leads to the model
        session.waitFor("the model page", d -> !d.findElements(By.id("predict-form")).isEmpty());
        assertThat(session.driver.findElement(By.id("parameter-count")).getText()).isEqualTo(String.valueOf(4 * 16 + 16 + 16 * 3 + 3));
        JsonNode model = session.api("GET", "/models/" + modelId, null);
        JsonNode version = model.get("versions").get(0);
        WebElement row = session.driver.findElement(By.cssSelector("#versions tr[data-version='1']"));
        assertThat(row.getText()).contains(WebPageSession.fourDigits(version.get("trainingLoss").asDouble()),
                "accuracy " + WebPageSession.fourDigits(version.get("metrics").get("accuracy").asDouble()));

        // predict two pasted rows: the page shows the API's classes and probabilities
        String rows = "[[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]";
        JsonNode expected = session.api("POST", "/models/" + modelId + "/predict", "{\"instances\": " + rows + "}");
        predict(session, "5.1, 3.5, 1.4, 0.2\n6.7 3.0 5.2 2.3");
        List<WebElement> predictions = session.waitFor("two predictions",
                d -> { List<WebElement> p = d.findElements(By.cssSelector("#prediction .prediction")); return p.size() == 2 ? p : null; });
        for (int i = 0; i < 2; i++) {
            JsonNode p = expected.get("predictions").get(i);
            assertThat(predictions.get(i).getDomAttribute("data-class-index")).isEqualTo(p.get("classIndex").asString());
            List<WebElement> cells = predictions.get(i).findElements(By.cssSelector("[data-probability]"));
            assertThat(cells).hasSize(3);
            for (int c = 0; c < 3; c++) {
                assertThat(Double.parseDouble(cells.get(c).getDomAttribute("data-probability")))
                        .isEqualTo(p.get("probabilities").get(c).asDouble());
            }
        }
        assertThat(predictions.get(0).getDomAttribute("data-class-index")).isEqualTo("0");
        assertThat(predictions.get(1).getDomAttribute("data-class-index")).isEqualTo("2");
        Chromium.screenshot(session.driver, name() + "-model");

        // a row of the wrong width: the banner shows the API's problem detail
        Reply refused = session.http.withKey(adminKey()).post("/models/" + modelId + "/predict",
                "{\"instances\": [[1, 2, 3]], \"version\": 1}");
        assertThat(refused.status()).isEqualTo(400);
        String detail = refused.json().get("detail").asString();
        predict(session, "1, 2, 3");
        assertThat(session.errorBanner()).contains(detail);
        predict(session, "1, x, 3, 4");
        assertThat(session.driver.findElement(By.cssSelector("#prediction .problem")).getText()).isEqualTo("Row 1: 'x' is not a number.");

        // export: the browser saves the API's file under the API's name
        session.driver.findElement(By.cssSelector("#versions tr[data-version='1'] a.export")).click();
        assertThat(Files.readAllBytes(session.downloaded("iris-v1.chainrule")))
                .isEqualTo(session.apiBytes("/models/" + modelId + "/versions/1/export"));
    }

    private static void predict(WebPageSession session, String text) {
        WebElement rows = session.driver.findElement(By.id("predict-rows"));
        rows.clear();
        rows.sendKeys(text);
        session.driver.findElement(By.cssSelector("#predict-form button[type=submit]")).click();
    }

    /** Starts a long job, opens its page, presses Cancel once it runs; returns its id. */
    String cancelASecondJob(WebPageSession session, String modelId) throws Exception {
        int versions = session.api("GET", "/models/" + modelId, null).get("versions").size();
        String jobId = session.trainIris(modelId, 10_000, 1);
        session.open("#/jobs/" + jobId);
        session.waitFor("the second job running, with epochs on its chart",
                d -> "RUNNING".equals(session.curveState().status()) && session.curveState().points() >= 2);
        session.driver.findElement(By.id("cancel-job")).click();
        session.waitFor("CANCELLED on the job page", d -> "CANCELLED".equals(session.curveState().status()));
        assertThat(session.api("GET", "/jobs/" + jobId, null).get("status").asString()).isEqualTo("CANCELLED");
        assertThat(session.driver.findElement(By.id("cancel-job")).isDisplayed()).isFalse();
        JsonNode cancelledJob = session.api("GET", "/jobs/" + jobId, null);
        assertThat(session.driver.findElement(By.id("job-outcome")).getText()).isEqualTo("Cancelled in epoch "
                + cancelledJob.get("currentEpoch").asInt() + " of 10000; no version was made.");
        assertThat(session.api("GET", "/models/" + modelId, null).get("versions").size())
                .as("a cancelled job makes no version").isEqualTo(versions);
        Chromium.screenshot(session.driver, name() + "-cancelled");
        return jobId;
    }

    private void jobsList(WebPageSession session, String modelId, String succeeded, String cancelled) {
        session.driver.findElement(By.cssSelector("a[data-nav=jobs]")).click();
        session.waitFor("the jobs list", d -> session.listedJobs().containsAll(List.of(succeeded, cancelled)));
        session.select("filter-model", "iris");
        session.waitFor("the model's jobs, listed anew", d -> d.getCurrentUrl().contains("modelId=" + modelId)
                && modelId.equals(d.findElement(By.id("filter-model")).getDomProperty("value")));
        session.select("filter-status", "CANCELLED");
        session.waitFor("only the cancelled job", d -> session.listedJobs().equals(List.of(cancelled)));
        session.select("filter-status", "SUCCEEDED");
        session.waitFor("only the succeeded job", d -> session.listedJobs().equals(List.of(succeeded)));
        assertThat(session.driver.findElement(By.cssSelector("#jobs tbody tr .status")).getText()).isEqualTo("SUCCEEDED");
        session.driver.findElement(By.cssSelector("a[data-nav=models]")).click();
        session.waitFor("the models list", d -> !d.findElements(By.cssSelector("#models tr[data-model-id='" + modelId + "']")).isEmpty());
        Chromium.screenshot(session.driver, name() + "-models");
    }
}
