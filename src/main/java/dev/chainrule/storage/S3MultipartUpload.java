package dev.chainrule.storage;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.S3Response;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * One local file sent to a bucket in parts, each streamed from its slice of the file (never whole in memory). The
 * object appears only when the upload is completed; an abandoned upload is aborted, which drops its parts.
 */
final class S3MultipartUpload {
    /** S3's bounds on a part (all but the last): 5 MiB to 5 GiB; and at most 10,000 parts. */
    static final long MIN_PART_BYTES = 5L << 20;
    static final long MAX_PART_BYTES = 5L << 30;
    static final int MAX_PARTS = 10_000;
    private static final Logger log = LoggerFactory.getLogger(S3MultipartUpload.class);

    private final S3Client s3;
    private final String bucket;
    private final String objectKey;
    private final Path file;
    private final long size;
    private final long partSize;
    private final String uploadId;

    private S3MultipartUpload(S3Client s3, String bucket, String objectKey, Path file, long size, long partSize, String uploadId) {
        this.s3 = s3;
        this.bucket = bucket;
        this.objectKey = objectKey;
        this.file = file;
        this.size = size;
        this.partSize = partSize;
        this.uploadId = uploadId;
    }

    static S3MultipartUpload start(S3Client s3, String bucket, String objectKey, Path file, long size, long partSize) {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(objectKey)).uploadId();
        return new S3MultipartUpload(s3, bucket, objectKey, file, size, partSize, uploadId);
    }

    /** Sends every part, in order. */
    List<CompletedPart> sendParts() {
        List<CompletedPart> parts = new ArrayList<>();
        for (long offset = 0; offset < size; offset += partSize) {
            parts.add(part(parts.size() + 1, offset, Math.min(partSize, size - offset)));
        }
        return parts;
    }

    private CompletedPart part(int number, long offset, long length) {
        UploadPartResponse response = s3.uploadPart(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                        .partNumber(number).contentLength(length),
                RequestBody.fromContentProvider(() -> slice(offset, length), length, "application/octet-stream"));
        // a part's checksum, when the SDK sent one, belongs in the completion
        return CompletedPart.builder().partNumber(number).eTag(response.eTag())
                .checksumCRC32(response.checksumCRC32()).checksumCRC32C(response.checksumCRC32C())
                .checksumCRC64NVME(response.checksumCRC64NVME()).checksumSHA1(response.checksumSHA1())
                .checksumSHA256(response.checksumSHA256()).build();
    }

    /** The request that makes the object appear, with If-None-Match: * when {@code conditional}. */
    CompleteMultipartUploadResponse complete(List<CompletedPart> parts, boolean conditional) {
        return s3.completeMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)).ifNoneMatch(conditional ? "*" : null));
    }

    /** {@link #complete} as a write that {@link S3BlobStore} sends conditionally or not. */
    ObjectWrite completion(List<CompletedPart> parts) {
        return conditional -> complete(parts, conditional);
    }

    void abort() {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId));
        } catch (SdkException e) {
            log.warn("cannot abort the unfinished upload of {} to bucket {}; a lifecycle rule on the bucket should remove "
                    + "incomplete multipart uploads", objectKey, bucket, e);
        }
    }

    private InputStream slice(long offset, long length) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ).position(offset);
            return new BufferedInputStream(new LimitedInputStream(Channels.newInputStream(channel), length), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A request that makes an object visible, sent with If-None-Match: * ({@code conditional}) or without. */
    @FunctionalInterface
    interface ObjectWrite {
        S3Response send(boolean conditional);
    }

    /** At most {@code remaining} bytes of a stream. */
    private static final class LimitedInputStream extends FilterInputStream {
        private long remaining;

        LimitedInputStream(InputStream in, long limit) {
            super(in);
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(buffer, offset, (int) Math.min(length, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(Math.min(n, remaining));
            remaining -= skipped;
            return skipped;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(super.available(), remaining);
        }
    }
}
