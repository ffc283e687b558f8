package dev.chainrule.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * A sweep's page in a real Chromium: its trials side by side, a validation-loss curve per trial on one chart and a
 * table sorted by the metric (best first for the sweep's direction, the other way after a click on its header),
 * the best trial marked; each figure checked against what the API answers. The default service (two workers, so
 * trials run side by side), shared with the other tests of the default configuration.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebPageSweepBrowserTest {
    @Value("${local.server.port}")
    int port;

    @Test
    void aSweepsTrialsShowSideBySideSortedByTheirMetric() throws Exception {
        try (WebPageSession session = new WebPageSession(port, null)) {
            Reply uploaded = session.http.post("/datasets?name=iris", "text/csv",
                    Files.readAllBytes(TestDatasets.file("iris/iris.csv")));
            assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(201);
            String iris = uploaded.json().get("id").asString();
            String id = session.api("POST", "/sweeps", """
                    {"name": "iris grid", "model": {"inputWidth": 4, "layers": [{"units": 8, "activation": "tanh"},
                     {"units": 3, "activation": "softmax"}], "loss": "cross_entropy", "seed": 3},
                     "training": {"datasetId": "%s", "validationSplit": 0.2, "epochs": 12, "batchSize": 8},
                     "space": {"units": [4, 16], "learningRate": [0.003, 0.03]}}""".formatted(iris)).get("id").asString();

            session.open("#/sweeps/" + id);
            // every trial's metric shown too: a refresh may count a trial done a moment before its metric is in
            session.waitFor("the sweep's end on its page", d -> d.findElement(By.id("sweep-summary")).getText()
                    .startsWith("4 of 4 trials done") && d.findElements(By.cssSelector("#trials tbody td.metric")).size() == 4
                    && d.findElements(By.cssSelector("#trials tbody td.metric")).stream().noneMatch(td -> td.getText().equals("–")));
            JsonNode sweep = session.api("GET", "/sweeps/" + id, null);
            assertThat(sweep.get("state").asString()).isEqualTo("SUCCEEDED");
            List<JsonNode> byMetric = new ArrayList<>();
            sweep.get("trials").forEach(byMetric::add);
            byMetric.sort(Comparator.comparingDouble((JsonNode t) -> t.get("metric").asDouble()).thenComparingInt(t -> t.get("trial").asInt()));
            List<String> ascending = byMetric.stream().map(t -> t.get("trial").asString()).toList();

            session.waitFor("every trial's curve on the chart",
                    d -> "4".equals(d.findElement(By.id("trials-chart")).getDomAttribute("data-series")));
            assertThat(session.script("return document.getElementById('trials-chart').dataset.points")).as("points per curve")
                    .isEqualTo("12,12,12,12");
            assertThat(shownOrder(session)).as("lowest validation loss first").isEqualTo(ascending);
            assertThat(session.driver.findElement(By.cssSelector("#trials tr.best")).getDomAttribute("data-trial"))
                    .isEqualTo(sweep.get("best").get("trial").asString());
            for (JsonNode trial : sweep.get("trials")) {
                WebElement metric = session.driver.findElement(By.cssSelector(
                        "#trials tr[data-trial='" + trial.get("trial").asInt() + "'] td.metric"));
                assertThat(metric.getText()).isEqualTo(WebPageSession.fourDigits(trial.get("metric").asDouble()));
            }
            Chromium.screenshot(session.driver, "sweep-done");

            session.driver.findElement(By.cssSelector("#trials th[data-sort=metric]")).click();
            List<String> descending = new ArrayList<>(ascending);
            java.util.Collections.reverse(descending);
            session.waitFor("the table sorted the other way", d -> shownOrder(session).equals(descending));

            session.open("#/sweeps");
            session.waitFor("the sweep listed", d -> !d.findElements(By.cssSelector("#sweeps tr[data-sweep-id='" + id + "']")).isEmpty());
            assertThat(session.scriptErrors()).isEmpty();
        }
    }

    private static List<String> shownOrder(WebPageSession session) {
        return session.driver.findElements(By.cssSelector("#trials tbody tr")).stream()
                .map(row -> row.getDomAttribute("data-trial")).toList();
    }
}
