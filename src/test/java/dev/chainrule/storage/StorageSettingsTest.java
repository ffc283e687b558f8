package dev.chainrule.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.config.ChainruleProperties.ChecksumMode;
import dev.chainrule.config.ChainruleProperties.StorageType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

/** {@code chainrule.storage.*} as Spring binds it: the defaults, every setting, and the refusals at their edges. */
class StorageSettingsTest {

    private static ChainruleProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("chainrule", ChainruleProperties.class);
    }

    @Test
    void theDefaultIsTheDataDirectoryWithItsCacheFolderAndAnHourOfGrace() {
        ChainruleProperties properties = bind(Map.of("chainrule.data-dir", "/srv/chainrule"));
        ChainruleProperties.Storage storage = properties.storage();
        assertThat(storage.type()).isEqualTo(StorageType.LOCAL);
        assertThat(storage.cacheDir()).isEqualTo(Path.of("/srv/chainrule/cache"));
        assertThat(storage.cacheSize()).isEqualTo(DataSize.ofGigabytes(10));
        assertThat(storage.orphanGrace()).isEqualTo(Duration.ofHours(1));
        assertThat(storage.s3().requestChecksumCalculation()).isEqualTo(ChecksumMode.WHEN_SUPPORTED);
        assertThat(storage.s3().responseChecksumValidation()).isEqualTo(ChecksumMode.WHEN_SUPPORTED);
        assertThat(storage.s3().partSize()).isEqualTo(DataSize.ofMegabytes(128));
    }

    @Test
    void aPartHoldsFiveMegabytesToFiveGigabytes() {
        assertThat(bind(Map.of("chainrule.storage.s3.part-size", "5MB")).storage().s3().partSize()).isEqualTo(DataSize.ofMegabytes(5));
        assertThat(bind(Map.of("chainrule.storage.s3.part-size", "5GB")).storage().s3().partSize()).isEqualTo(DataSize.ofGigabytes(5));
        for (String size : new String[] {"5242879B", "5368709121B"}) {
            assertThatThrownBy(() -> bind(Map.of("chainrule.storage.s3.part-size", size))).as(size)
                    .rootCause().hasMessageContaining("chainrule.storage.s3.part-size must be 5MB to 5GB");
        }
    }

    @Test
    void everyS3SettingBinds() {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("chainrule.storage.type", "s3");
        settings.put("chainrule.storage.cache-dir", "/var/cache/chainrule");
        settings.put("chainrule.storage.cache-size", "3GB");
        settings.put("chainrule.storage.orphan-grace", "30m");
        settings.put("chainrule.storage.s3.endpoint", "http://minio:9000");
        settings.put("chainrule.storage.s3.region", "eu-west-1");
        settings.put("chainrule.storage.s3.bucket", "arrays");
        settings.put("chainrule.storage.s3.prefix", "/team-a/chainrule");
        settings.put("chainrule.storage.s3.path-style-access", "true");
        settings.put("chainrule.storage.s3.request-checksum-calculation", "when-required");
        settings.put("chainrule.storage.s3.part-size", "64MB");
        ChainruleProperties.Storage storage = bind(settings).storage();
        assertThat(storage.type()).isEqualTo(StorageType.S3);
        assertThat(storage.cacheDir()).isEqualTo(Path.of("/var/cache/chainrule"));
        assertThat(storage.cacheSize()).isEqualTo(DataSize.ofGigabytes(3));
        assertThat(storage.orphanGrace()).isEqualTo(Duration.ofMinutes(30));
        assertThat(storage.s3()).isEqualTo(new ChainruleProperties.S3(URI.create("http://minio:9000"), "eu-west-1", "arrays",
                "team-a/chainrule/", true, ChecksumMode.WHEN_REQUIRED, ChecksumMode.WHEN_SUPPORTED, DataSize.ofMegabytes(64), null));
    }

    @Test
    void s3WithoutABucketIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> bind(Map.of("chainrule.storage.type", "s3")))
                .rootCause().hasMessage("chainrule.storage.s3.bucket must be set when chainrule.storage.type is s3");
        assertThatThrownBy(() -> bind(Map.of("chainrule.storage.type", "s3", "chainrule.storage.s3.bucket", " ")))
                .rootCause().hasMessageContaining("chainrule.storage.s3.bucket must be set");
    }

    @Test
    void theServiceDoesNotStartOnS3WithoutABucket() {
        Path dataDir = Path.of("target", "test-data", "settings-" + UUID.randomUUID()).toAbsolutePath();
        assertThatThrownBy(() -> ServiceOnDisk.start(dataDir, Map.of(), Map.of("chainrule.storage.type", "s3")).close())
                .rootCause().hasMessage("chainrule.storage.s3.bucket must be set when chainrule.storage.type is s3");
    }

    @Test
    void theGraceIsAtLeastFourSecondsAndTheCacheSizePositive() {
        assertThat(bind(Map.of("chainrule.storage.orphan-grace", "4s")).storage().orphanGrace()).isEqualTo(Duration.ofSeconds(4));
        assertThatThrownBy(() -> bind(Map.of("chainrule.storage.orphan-grace", "3999ms")))
                .rootCause().hasMessageContaining("chainrule.storage.orphan-grace must be at least 4s");
        assertThat(bind(Map.of("chainrule.storage.cache-size", "1B")).storage().cacheSize()).isEqualTo(DataSize.ofBytes(1));
        assertThatThrownBy(() -> bind(Map.of("chainrule.storage.cache-size", "0B")))
                .rootCause().hasMessageContaining("chainrule.storage.cache-size must be positive");
    }

    @Test
    void aPrefixThatCouldEscapeOrNeedEscapingIsRefused() {
        for (String prefix : new String[] {"a/../b", "a b", "a//b"}) {
            assertThatThrownBy(() -> bind(Map.of("chainrule.storage.s3.prefix", prefix))).as(prefix)
                    .rootCause().hasMessageContaining("chainrule.storage.s3.prefix");
        }
    }
}
