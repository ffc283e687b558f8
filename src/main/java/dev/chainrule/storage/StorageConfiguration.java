package dev.chainrule.storage;

import dev.chainrule.config.ChainruleProperties;
import java.io.IOException;
import java.net.URI;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** The blob store {@code chainrule.storage.type} names: the data directory (default) or an S3-compatible bucket. */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

    @Bean
    BlobStore blobStore(ChainruleProperties properties) throws IOException {
        ChainruleProperties.Storage storage = properties.storage();
        return switch (storage.type()) {
            case LOCAL -> new LocalBlobStore(properties.dataDir());
            case S3 -> {
                S3BlobStore store = new S3BlobStore(client(storage.s3()), storage.s3().bucket(), storage.s3().prefix(),
                        properties.dataDir().resolve(LocalBlobStore.TMP), storage.cacheDir(), storage.cacheSize().toBytes(),
                        storage.s3().partSize().toBytes());
                try {
                    store.checkBucket();
                } catch (IOException e) {
                    store.close();
                    throw e;
                }
                yield store;
            }
        };
    }

    /** Credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, a role). */
    static S3Client client(ChainruleProperties.S3 settings) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder().connectionTimeout(settings.connectionTimeout()))
                .region(region(settings.region()))
                .forcePathStyle(settings.pathStyleAccess())
                .requestChecksumCalculation(settings.requestChecksumCalculation() == ChainruleProperties.ChecksumMode.WHEN_REQUIRED
                        ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED)
                .responseChecksumValidation(settings.responseChecksumValidation() == ChainruleProperties.ChecksumMode.WHEN_REQUIRED
                        ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED);
        URI endpoint = settings.endpoint();
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    private static Region region(String configured) {
        if (configured != null) {
            return Region.of(configured);
        }
        try {
            return DefaultAwsRegionProviderChain.builder().build().getRegion();
        } catch (RuntimeException e) {
            return Region.US_EAST_1; // what S3-compatible stores accept when no region is configured anywhere
        }
    }
}
