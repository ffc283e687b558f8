package dev.chainrule.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chainrule.dataset.TestDatasets;
import dev.chainrule.testhttp.Reply;
import dev.chainrule.testhttp.TestHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One person's session on the web page, in a real Chromium against the real service: the steps the tests are made
 * of, each checking what the page shows against what the API answers to the same question. {@code key} is the key
 * the person types when the page asks (null: the service has none).
 */
class WebPageSession implements AutoCloseable {
    /** Enough epochs of iris to watch the curves grow for a few seconds, and to pass the chart's 600 shown points. */
    static final int WATCHED_EPOCHS = 1500;
    private static final Duration WAIT = Duration.ofSeconds(90);

    final ChromeDriver driver;
    /** The API, without a key. */
    final TestHttp http;
    final String base;
    final Path downloads = Path.of("target", "ui-downloads", UUID.randomUUID().toString()).toAbsolutePath();
    private final String apiKey;
    private int keyPrompts;

    WebPageSession(int port, String apiKey) {
        this.driver = Chromium.start(downloads);
        this.http = TestHttp.at(port);
        this.base = "http://127.0.0.1:" + port;
        this.apiKey = apiKey;
    }

    @Override
    public void close() {
        driver.quit();
    }

    /** Opens a view of the page (e.g. "#/jobs/ID") in the address bar, as a person following a link would. */
    void open(String hash) {
        driver.get(base + "/ui/" + hash);
    }

    /**
     * Waits for a condition of the page (re-rendered elements that go stale meanwhile are looked up again); on a
     * timeout saves a screenshot (target/ui-screenshots/failed-*.png) and says what the error banner shows.
     */
    <T> T waitFor(String what, Function<WebDriver, T> condition) {
        try {
            return new WebDriverWait(driver, WAIT).withMessage(what).ignoring(StaleElementReferenceException.class)
                    .ignoring(NoSuchElementException.class).until(condition);
        } catch (TimeoutException e) {
            Path shot = Chromium.screenshot(driver, "failed-" + System.currentTimeMillis());
            List<WebElement> banner = driver.findElements(By.cssSelector("#error:not([hidden])"));
            throw new AssertionError(what + ": not so after " + WAIT.toSeconds() + " s; the page's error banner: "
                    + (banner.isEmpty() ? "(none)" : banner.get(0).getText()) + "; screenshot " + shot, e);
        }
    }

    Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    boolean keyDialogOpen() {
        return Boolean.TRUE.equals(script("return document.getElementById('key-dialog').open"));
    }

    /** Waits for the key dialog, checks the reason it shows, types {@code key} and sends it. */
    void answerKeyPrompt(String key, String expectedReason) {
        waitFor("the API key dialog", d -> keyDialogOpen());
        keyPrompts++;
        assertThat(driver.findElement(By.id("key-reason")).getText()).isEqualTo(expectedReason);
        WebElement input = driver.findElement(By.id("key-input"));
        input.clear();
        input.sendKeys(key);
        driver.findElement(By.cssSelector("#key-form button[type=submit]")).click();
    }

    int keyPrompts() {
        return keyPrompts;
    }

    /** How many GET /access the page had answered 200 since it was loaded (from the browser's resource timings). */
    long accessAnswers() {
        return ((Number) script("""
                return performance.getEntriesByType('resource')
                    .filter((e) => new URL(e.name).pathname === '/access' && e.responseStatus === 200).length;""")).longValue();
    }

    /** The banner's text once it shows, e.g. "Bad Request: ...". */
    String errorBanner() {
        WebElement banner = driver.findElement(By.id("error"));
        waitFor("the error banner", d -> banner.isDisplayed());
        return banner.getText();
    }

    // --- the API, asked directly (with the admin key when there are keys) ---

    JsonNode api(String method, String path, String body) throws Exception {
        Reply response = http.withKey(apiKey).call(method, path, body);
        assertThat(response.status()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
        return response.json();
    }

    String defineIrisModel() throws Exception {
        return api("POST", "/models", """
                {"name": "iris", "inputWidth": 4, "layers": [{"units": 16, "activation": "relu"},
                 {"units": 3, "activation": "softmax"}], "loss": "cross_entropy", "seed": 42}""").get("id").asString();
    }

    /** Starts a job on the 150 iris rows, 20% held out; returns its id. */
    String trainIris(String modelId, int epochs, int batchSize) throws Exception {
        ObjectNode body = TestHttp.JSON.createObjectNode();
        body.put("modelId", modelId).put("epochs", epochs).put("batchSize", batchSize).put("validationSplit", 0.2);
        body.putObject("optimizer").put("type", "adam").put("learningRate", 0.003);
        body.put("l2", 0.001); // keeps 1,500 epochs from overfitting the 120 rows to a loss of nothing
        ObjectNode data = body.putObject("data");
        ArrayNode features = data.putArray("features");
        ArrayNode targets = data.putArray("targets");
        List<String> lines;
        try {
            lines = Files.readAllLines(TestDatasets.file("iris/iris.csv"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",");
            ArrayNode row = features.addArray();
            for (int i = 0; i < 4; i++) {
                row.add(Double.parseDouble(cells[i]));
            }
            targets.add(Integer.parseInt(cells[4].strip()));
        }
        return api("POST", "/train", body.toString()).get("id").asString();
    }

    // --- what the page shows ---

    /** The job page's status badge, the epochs the loss chart has, and the points it draws. */
    record CurveState(String status, int points, int shown) {
    }

    CurveState curveState() {
        @SuppressWarnings("unchecked")
        List<Object> values = (List<Object>) script("""
                const chart = document.getElementById('loss-chart');
                return [document.querySelector('#job-status .status')?.dataset.status ?? null,
                        chart?.dataset.points ?? '0', chart?.dataset.shown ?? '0'];""");
        return new CurveState((String) values.get(0), Integer.parseInt((String) values.get(1)),
                Integer.parseInt((String) values.get(2)));
    }

    /**
     * Watches the job page until the job ends, sampling the loss chart's epochs; returns the distinct counts seen
     * while the badge said RUNNING, and saves a screenshot of the running job as {@code runningShot}.
     */
    List<Integer> watchCurveGrow(String runningShot) throws InterruptedException {
        List<Integer> seen = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.multipliedBy(2).toNanos();
        boolean shot = false;
        while (true) {
            CurveState state = curveState();
            if ("RUNNING".equals(state.status()) && state.points() > 0
                    && (seen.isEmpty() || seen.get(seen.size() - 1) != state.points())) {
                seen.add(state.points());
                if (!shot && state.points() > WATCHED_EPOCHS / 3) {
                    Chromium.screenshot(driver, runningShot);
                    shot = true;
                }
            }
            if (state.status() != null && !state.status().equals("RUNNING") && !state.status().equals("QUEUED")) {
                return seen;
            }
            assertThat(System.nanoTime()).as("the job page still says " + state.status()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Rounds as the page does (format.number): 4 significant digits, no trailing zeros; below 1e-3 as 1.234e-5. */
    static String fourDigits(double value) {
        if (value != 0 && Math.abs(value) < 1e-3) {
            return String.format(Locale.ROOT, "%.3e", value).replaceAll("e-0*(\\d)", "e-$1");
        }
        return new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    /** Picks an option of a select, once the view that holds it is on the page. */
    void select(String id, String visibleText) {
        waitFor("the select #" + id, d -> {
            new Select(d.findElement(By.id(id))).selectByVisibleText(visibleText);
            return true;
        });
    }

    List<String> listedJobs() {
        return driver.findElements(By.cssSelector("#jobs tbody tr")).stream().map(row -> row.getDomAttribute("data-job-id")).toList();
    }

    /** A file the browser downloaded, once it is complete. */
    Path downloaded(String name) {
        Path file = downloads.resolve(name);
        waitFor("the download of " + name, d -> Files.isRegularFile(file)
                && !Files.exists(downloads.resolve(name + ".crdownload")));
        return file;
    }

    byte[] apiBytes(String path) {
        Reply response = http.withKey(apiKey).get(path);
        assertThat(response.status()).isEqualTo(200);
        return response.bytes();
    }

    /** Script errors and Content-Security-Policy violations the browser logged (a 4xx the page handled is neither). */
    List<String> scriptErrors() {
        List<String> errors = new ArrayList<>();
        for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
            String message = entry.getMessage();
            if (entry.getLevel().intValue() >= Level.WARNING.intValue()
                    && (message.contains("Content Security Policy") || message.contains("Uncaught")
                    || message.contains("SyntaxError") || message.contains("TypeError"))) {
                errors.add(message);
            }
        }
        return errors;
    }
}
