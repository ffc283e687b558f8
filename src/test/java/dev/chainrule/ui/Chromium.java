package dev.chainrule.ui;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The system's Chromium (Debian's chromium and chromium-driver), headless, driven by Selenium. Both paths are given
 * explicitly, so Selenium Manager never looks for, or downloads, a browser or a driver. Without them installed the
 * test is skipped with a message saying what to install; CI installs them (.ci/run), so there it always runs.
 */
final class Chromium {
    static final Path BROWSER = Path.of(System.getProperty("chainrule.chromium", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getProperty("chainrule.chromedriver", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

    private Chromium() {
    }

    /** A new browser with a fresh profile; downloads go to {@code downloads}. Skips the test when none is installed. */
    static ChromeDriver start(Path downloads) {
        assumeTrue(Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER),
                "the browser test needs Chromium and its driver: apt-get install chromium chromium-driver (looked for "
                        + BROWSER + " and " + DRIVER + "; -Dchainrule.chromium= and -Dchainrule.chromedriver= name others)");
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, DRIVER.toString());
        Path profile;
        try {
            profile = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "chromium-profile-");
            Files.createDirectories(downloads);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + profile.toAbsolutePath());
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toAbsolutePath().toString(),
                "download.prompt_for_download", false));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return driver;
    }

    /** Saves what the browser shows as target/ui-screenshots/{name}.png. */
    static Path screenshot(ChromeDriver driver, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            File taken = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(taken.toPath(), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
