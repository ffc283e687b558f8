package dev.chainrule.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import java.nio.file.Files;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.JsonNode;

/**
 * The web page's scoring: on a trained model's page a stored dataset is scored with a version; the job page shows
 * the API's metrics and confusion matrix once it has succeeded, and downloads the API's CSV.
 */
final class WebPageScoring {
    private WebPageScoring() {
    }

    static void scoreIris(WebPageSession session, String modelId, String key, String shots) throws Exception {
        Reply created = session.http.withKey(key).postCsv("/datasets?name=iris-scored", TestDatasets.file("iris/iris.csv"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String datasetId = created.json().get("id").asString();

        session.open("#/models/" + modelId);
        session.waitFor("the dataset in the score form",
                d -> !d.findElements(By.cssSelector("#score-dataset option[value='" + datasetId + "']")).isEmpty());
        new Select(session.driver.findElement(By.id("score-dataset"))).selectByValue(datasetId);
        new Select(session.driver.findElement(By.id("score-version"))).selectByVisibleText("version 1");
        session.driver.findElement(By.cssSelector("#score-form button[type=submit]")).click();
        session.waitFor("the scoring job's page", d -> d.getCurrentUrl().contains("#/jobs/"));
        String jobId = session.driver.getCurrentUrl().substring(session.driver.getCurrentUrl().indexOf("#/jobs/") + 7);
        session.waitFor("the scores on the job page", d -> !d.findElements(By.id("scoring-result")).isEmpty());

        JsonNode job = session.api("GET", "/jobs/" + jobId, null);
        assertThat(job.get("kind").asString()).isEqualTo("scoring");
        assertThat(job.get("scoring").get("datasetId").asString()).isEqualTo(datasetId);
        JsonNode metrics = session.api("GET", "/jobs/" + jobId + "/result", null).get("metrics");
        WebElement accuracy = session.driver.findElement(By.cssSelector("#scoring-result dd[data-metric=accuracy]"));
        assertThat(Double.parseDouble(accuracy.getDomAttribute("data-value"))).isEqualTo(metrics.get("accuracy").asDouble());
        assertThat(accuracy.getText()).isEqualTo(WebPageSession.fourDigits(metrics.get("accuracy").asDouble()));
        List<WebElement> cells = session.driver.findElements(By.cssSelector("#confusion-matrix td"));
        assertThat(cells).hasSize(9);
        for (WebElement cell : cells) {
            int t = Integer.parseInt(cell.getDomAttribute("data-true"));
            int p = Integer.parseInt(cell.getDomAttribute("data-predicted"));
            assertThat(cell.getText()).isEqualTo(metrics.get("confusionMatrix").get(t).get(p).asString());
        }
        assertThat(session.driver.findElement(By.id("job-rows")).getText()).isEqualTo("150 of 150 rows");
        Chromium.screenshot(session.driver, shots + "-scoring");

        session.driver.findElement(By.id("download-csv")).click();
        assertThat(Files.readAllBytes(session.downloaded("scores-" + jobId + ".csv")))
                .isEqualTo(session.apiBytes("/jobs/" + jobId + "/result.csv"));
    }
}
