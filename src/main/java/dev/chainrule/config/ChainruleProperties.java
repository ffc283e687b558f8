package dev.chainrule.config;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Every limit and setting of the service, under the {@code chainrule.} prefix (docs/operations.md, "Configuration").
 *
 * @param limits   what protects the service from requests that are too large
 * @param jobs     the training workers and their queue
 * @param security optional API keys
 * @param dataDir  where models, datasets, checkpoints and the embedded database live (default ./data)
 * @param models   how trained versions are kept in memory
 * @param cluster  how replicas sharing one database share the jobs
 * @param storage  where the arrays live: the data directory or an S3-compatible bucket
 * @param sweeps   hyperparameter sweeps: how many trials, and how much of the cluster they may take
 */
@ConfigurationProperties("chainrule")
public record ChainruleProperties(Limits limits, Jobs jobs, Security security, Path dataDir, Models models,
                                  Cluster cluster, Storage storage, Sweeps sweeps) {
    public static final String DEFAULT_DATA_DIR = "./data";

    public ChainruleProperties {
        dataDir = (dataDir == null ? Path.of(DEFAULT_DATA_DIR) : dataDir).toAbsolutePath().normalize();
        limits = limits == null ? new Limits(null, 0, 0, 0, 0, 0, 0, null, 0, 0, 0) : limits;
        jobs = jobs == null ? new Jobs(0, 0, 0, 0, 0, 0, null, null, 0) : jobs;
        security = security == null ? new Security(List.of()) : security;
        models = models == null ? new Models(0, null, 0) : models;
        cluster = cluster == null ? new Cluster(null, null, null, null, null) : cluster;
        cluster = cluster.replicaId() != null ? cluster : cluster.withReplicaId(Cluster.defaultReplicaId(dataDir));
        storage = storage == null ? new Storage(null, null, null, null, null) : storage;
        sweeps = sweeps == null ? new Sweeps(0, null, null) : sweeps;
        if (storage.cacheDir() == null) {
            storage = new Storage(storage.type(), dataDir.resolve("cache"), storage.cacheSize(), storage.orphanGrace(), storage.s3());
        }
    }


    /**
     * @param maxRequestSize  largest request body; a larger one gets 413 (default 64MB)
     * @param maxLayerWidth   most units in one layer, and the widest input (default 4096)
     * @param maxLayers       most layers in a definition (default 32)
     * @param maxParameters   most trainable numbers in one model (default 20,000,000)
     * @param maxEpochs       most epochs in one training job (default 10,000)
     * @param maxInlineRows   most rows of inline data in one training job (default 100,000)
     * @param maxPredictRows  most instances in one prediction request (default 10,000)
     * @param maxDatasetSize  largest dataset upload (POST /datasets), and largest CSV once a gzip upload is
     *                        decompressed; over it, 413 (default 1GB; maxRequestSize is for JSON bodies)
     * @param maxDatasetColumns most columns in an uploaded CSV, features and targets together (default 10,000)
     * @param maxPieces       most pieces per unit of a maxout layer (default 16; at least 2)
     * @param maxGzipRatio    how many times its compressed size a gzip dataset upload may inflate to (counted from
     *                        its first MB of CSV on); further, 413 at once instead of parsing a bomb up to
     *                        maxDatasetSize (default 200: numeric CSVs compress 5-100 times, a gzip -9 of repeated rows about 340)
     */
    public record Limits(DataSize maxRequestSize, int maxLayerWidth, int maxLayers, long maxParameters, int maxEpochs,
                         int maxInlineRows, int maxPredictRows, DataSize maxDatasetSize, int maxDatasetColumns,
                         int maxPieces, int maxGzipRatio) {
        public Limits {
            maxRequestSize = maxRequestSize == null ? DataSize.ofMegabytes(64) : maxRequestSize;
            maxLayerWidth = maxLayerWidth > 0 ? maxLayerWidth : 4096;
            maxLayers = maxLayers > 0 ? maxLayers : 32;
            maxParameters = maxParameters > 0 ? maxParameters : 20_000_000L;
            maxEpochs = maxEpochs > 0 ? maxEpochs : 10_000;
            maxInlineRows = maxInlineRows > 0 ? maxInlineRows : 100_000;
            maxPredictRows = maxPredictRows > 0 ? maxPredictRows : 10_000;
            maxDatasetSize = maxDatasetSize == null || maxDatasetSize.toBytes() <= 0 ? DataSize.ofGigabytes(1) : maxDatasetSize;
            // at least 2: one feature and one target
            maxDatasetColumns = maxDatasetColumns > 0 ? Math.max(2, maxDatasetColumns) : 10_000;
            maxPieces = maxPieces > 0 ? Math.max(2, maxPieces) : 16;
            maxGzipRatio = maxGzipRatio > 0 ? maxGzipRatio : 200;
        }
    }

    /**
     * @param workers       training jobs that run at once (default 2)
     * @param queueCapacity jobs that may wait for a worker; beyond it POST /train gets 429 (default 16)
     * @param blasThreads   threads the running jobs' matrix products share (default every core): a job alone uses
     *                      them all, n jobs split them (ComputeShares); OpenBLAS itself runs single-threaded
     * @param nd4jThreads   ND4J's own OpenMP threads for element-wise work (default 1: at these array sizes
     *                      more threads spin against OpenBLAS's instead of helping)
     * @param maxPendingEvents events a job's follower (an SSE stream) may be behind, not yet received; one more drops
     *                      it, so a stalled client costs a bounded queue (default 1000)
     * @param followerThreads threads that send jobs' events to their followers (default 8): a stalled client holds
     *                      one until its send fails, the others' events wait for the rest
     * @param checkpointInterval the least time between two checkpoints of a job (default 1s; 0: every epoch). An
     *                      epoch that ends sooner after the last checkpoint writes none, so a job of many quick epochs
     *                      does not spend its time writing (each checkpoint holds the whole history); a crash
     *                      redoes at most this much work
     * @param databaseRetryWindow how long a running job keeps going through a database outage (default 60s): its
     *                      writes retry with backoff meanwhile; past it the job stops on this replica, its record
     *                      still RUNNING, and whichever replica claims it once the database is back continues it from
     *                      its last checkpoint
     * @param scoringChunkRows rows a scoring job reads, runs forward and writes at a time (default 2048): its memory
     *                      is about this many rows of inputs and outputs, whatever the dataset's size
     */
    public record Jobs(int workers, int queueCapacity, int blasThreads, int nd4jThreads, int maxPendingEvents,
                       int followerThreads, java.time.Duration checkpointInterval,
                       java.time.Duration databaseRetryWindow, int scoringChunkRows) {
        public Jobs {
            scoringChunkRows = scoringChunkRows > 0 ? scoringChunkRows : 2048;
            workers = workers > 0 ? workers : 2;
            queueCapacity = queueCapacity > 0 ? queueCapacity : 16;
            blasThreads = blasThreads > 0 ? blasThreads : Runtime.getRuntime().availableProcessors();
            nd4jThreads = nd4jThreads > 0 ? nd4jThreads : 1;
            maxPendingEvents = maxPendingEvents > 0 ? maxPendingEvents : 1000;
            followerThreads = followerThreads > 0 ? followerThreads : 8;
            if (checkpointInterval == null) {
                checkpointInterval = java.time.Duration.ofSeconds(1);
            } else if (checkpointInterval.isNegative()) {
                throw new IllegalArgumentException("chainrule.jobs.checkpoint-interval must not be negative, got " + checkpointInterval);
            }
            if (databaseRetryWindow == null) {
                databaseRetryWindow = java.time.Duration.ofSeconds(60);
            } else if (databaseRetryWindow.isNegative()) {
                throw new IllegalArgumentException("chainrule.jobs.database-retry-window must not be negative, got " + databaseRetryWindow);
            }
        }
    }

    /**
     * @param cachedVersions trained versions kept loaded for predictions, least recently used dropped first
     *                       (default 16); the rest are read from their files when next asked for
     * @param versionLookupTtl how long a version looked up for a prediction (which version is the latest, and its
     *                         row) is reused without asking the database (default 1s). This process's own new versions
     *                         and deletions take effect at once; the setting bounds how long one made by another
     *                         process on the same database goes unseen. 0 asks the database every time.
     * @param maxAliases       most aliases one model may have (default 100): every alias and its history is listed
     *                         in one answer, so their number is bounded
     */
    public record Models(int cachedVersions, java.time.Duration versionLookupTtl, int maxAliases) {
        public Models {
            cachedVersions = cachedVersions > 0 ? cachedVersions : 16;
            maxAliases = maxAliases > 0 ? maxAliases : 100;
            if (versionLookupTtl == null) {
                versionLookupTtl = java.time.Duration.ofSeconds(1);
            } else if (versionLookupTtl.isNegative()) {
                throw new IllegalArgumentException("chainrule.models.version-lookup-ttl must not be negative, got " + versionLookupTtl);
            }
        }
    }

    /**
     * Replicas on one database share its job queue: each claims queued jobs for its idle workers and holds a claimed
     * job by a lease it renews; a job whose lease expired is claimed by any replica, which continues it from its last
     * checkpoint.
     *
     * @param replicaId            this replica's name in the jobs table, unique in the cluster (default: the host's
     *                             name and the data directory's path, so a process restarted in place is the same
     *                             replica and takes its jobs back at once)
     * @param leaseDuration        how long a claim holds without renewal (default 15s): a dead replica's jobs wait
     *                             this long at most before another takes them over
     * @param leaseRenewalInterval how often a replica renews its leases and its heartbeat, and learns of cancels from
     *                             other replicas (default 2s)
     * @param claimInterval        how often an idle replica looks for queued jobs submitted elsewhere (default 1s; a
     *                             job submitted to the replica itself is claimed at once)
     * @param eventPollInterval    how often a replica reads new epochs of jobs it follows for a client but another
     *                             replica runs (default 500ms)
     */
    public record Cluster(String replicaId, java.time.Duration leaseDuration, java.time.Duration leaseRenewalInterval,
                          java.time.Duration claimInterval, java.time.Duration eventPollInterval) {
        public Cluster {
            leaseDuration = positive(leaseDuration, java.time.Duration.ofSeconds(15), "lease-duration");
            leaseRenewalInterval = positive(leaseRenewalInterval, java.time.Duration.ofSeconds(2), "lease-renewal-interval");
            claimInterval = positive(claimInterval, java.time.Duration.ofSeconds(1), "claim-interval");
            eventPollInterval = positive(eventPollInterval, java.time.Duration.ofMillis(500), "event-poll-interval");
            if (leaseRenewalInterval.compareTo(leaseDuration) >= 0) {
                throw new IllegalArgumentException("chainrule.cluster.lease-renewal-interval (" + leaseRenewalInterval
                        + ") must be shorter than chainrule.cluster.lease-duration (" + leaseDuration + ")");
            }
            if (replicaId != null && (replicaId.isBlank() || replicaId.length() > 200)) {
                throw new IllegalArgumentException("chainrule.cluster.replica-id must be 1 to 200 characters");
            }
        }

        Cluster withReplicaId(String id) {
            return new Cluster(id, leaseDuration, leaseRenewalInterval, claimInterval, eventPollInterval);
        }

        static String defaultReplicaId(Path dataDir) {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                host = "localhost";
            }
            String id = host + ":" + dataDir;
            return id.length() <= 200 ? id : id.substring(0, 120) + "#" + Integer.toHexString(id.hashCode());
        }

        private static java.time.Duration positive(java.time.Duration value, java.time.Duration otherwise, String name) {
            if (value == null) {
                return otherwise;
            }
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("chainrule.cluster." + name + " must be positive, got " + value);
            }
            return value;
        }
    }

    /**
     * @param type        {@code local} (default): the objects are files under the data directory, which several
     *                    replicas may share as one volume; {@code s3}: an S3-compatible bucket
     * @param cacheDir    where objects downloaded from the bucket are kept for readers that need a local file
     *                    (default {@code <data-dir>/cache}); unused with {@code local}
     * @param cacheSize   the most bytes the cache keeps; the least recently used download goes first (default 10GB).
     *                    At least two of the largest datasets should fit, or a training job may evict the very file
     *                    another is about to open
     * @param orphanGrace how long an object no database row names is left alone before the orphan sweep removes it,
     *                    and the age of a temp file it removes (default 1h): longer than any write takes between
     *                    storing an object and inserting its row, on any replica. The sweep runs at startup and
     *                    every quarter of this
     * @param s3          the bucket, for {@code type: s3}
     */
    public record Storage(StorageType type, Path cacheDir, DataSize cacheSize, java.time.Duration orphanGrace, S3 s3) {
        public Storage {
            type = type == null ? StorageType.LOCAL : type;
            cacheDir = cacheDir == null ? null : cacheDir.toAbsolutePath().normalize();
            if (cacheSize == null) {
                cacheSize = DataSize.ofGigabytes(10);
            } else if (cacheSize.toBytes() <= 0) {
                throw new IllegalArgumentException("chainrule.storage.cache-size must be positive, got " + cacheSize);
            }
            if (orphanGrace == null) {
                orphanGrace = java.time.Duration.ofHours(1);
            } else if (orphanGrace.compareTo(java.time.Duration.ofSeconds(4)) < 0) {
                // a quarter of it is the sweep's period; and an object must outlive the write that stores it
                throw new IllegalArgumentException("chainrule.storage.orphan-grace must be at least 4s, got " + orphanGrace);
            }
            s3 = s3 == null ? new S3(null, null, null, null, false, null, null, null, null) : s3;
            if (type == StorageType.S3 && s3.bucket() == null) {
                throw new IllegalArgumentException("chainrule.storage.s3.bucket must be set when chainrule.storage.type is s3");
            }
        }
    }

    public enum StorageType {
        LOCAL, S3
    }

    /**
     * @param endpoint        the store's URL, e.g. {@code http://minio:9000}; unset for AWS S3 itself
     * @param region          the bucket's region; unset: the SDK's default region chain (AWS_REGION, the profile),
     *                        else us-east-1, which S3-compatible stores accept
     * @param bucket          the bucket (required with {@code type: s3}); it must exist
     * @param prefix          a folder inside the bucket for every key (default none), so that several services can
     *                        share one bucket
     * @param pathStyleAccess {@code http://host/bucket/key} rather than {@code http://bucket.host/key} (most
     *                        S3-compatible stores want it; default false)
     * @param requestChecksumCalculation  when the SDK sends a checksum of what it uploads: {@code when-supported}
     *                        (default, the SDK's) or {@code when-required} (for stores that reject the SDK's checksums)
     * @param responseChecksumValidation  when the SDK checks the checksum of what it downloads, likewise
     * @param connectionTimeout how long a request waits to connect to the store (default 2s): while it is down, a
     *                        request that needs it answers 503 after about this long rather than hanging
     * @param partSize        an object larger than this is uploaded in parts of this size (default 128MB; 5MB to 5GB,
     *                        S3's bounds); the largest object is 10,000 parts
     */
    public record S3(java.net.URI endpoint, String region, String bucket, String prefix, boolean pathStyleAccess,
                     ChecksumMode requestChecksumCalculation, ChecksumMode responseChecksumValidation, DataSize partSize,
                     java.time.Duration connectionTimeout) {
        public S3 {
            if (connectionTimeout == null) {
                connectionTimeout = java.time.Duration.ofSeconds(2);
            } else if (connectionTimeout.isNegative() || connectionTimeout.isZero()) {
                throw new IllegalArgumentException("chainrule.storage.s3.connection-timeout must be positive, got " + connectionTimeout);
            }
            if (partSize == null) {
                partSize = DataSize.ofMegabytes(128);
            } else if (partSize.toBytes() < DataSize.ofMegabytes(5).toBytes() || partSize.toBytes() > DataSize.ofGigabytes(5).toBytes()) {
                throw new IllegalArgumentException("chainrule.storage.s3.part-size must be 5MB to 5GB, got " + partSize);
            }
            region = region == null || region.isBlank() ? null : region.strip();
            bucket = bucket == null || bucket.isBlank() ? null : bucket.strip();
            prefix = prefix == null ? "" : prefix.strip().replaceAll("^/+", "");
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix = prefix + "/";
            }
            if (!prefix.matches("[A-Za-z0-9._/-]*") || prefix.contains("//") || prefix.contains("..")) {
                throw new IllegalArgumentException("chainrule.storage.s3.prefix must be folders of letters, digits, "
                        + "'.', '_' and '-' joined by '/', got '" + prefix + "'");
            }
            requestChecksumCalculation = requestChecksumCalculation == null ? ChecksumMode.WHEN_SUPPORTED : requestChecksumCalculation;
            responseChecksumValidation = responseChecksumValidation == null ? ChecksumMode.WHEN_SUPPORTED : responseChecksumValidation;
        }
    }

    public enum ChecksumMode {
        WHEN_SUPPORTED, WHEN_REQUIRED
    }

    /** @param apiKeys when empty, the API is open; otherwise every endpoint but health needs a key */
    public record Security(List<ApiKey> apiKeys) {
        public Security {
            apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
        }
    }

    /**
     * @param key  the bearer token
     * @param role read (list, get, predict) or admin (everything)
     * @param name who the key belongs to, recorded with what it changes (an alias's moves); default the role and
     *             the first 8 hex digits of the key's SHA-256, e.g. "admin-3f2a9c1d" (never the key itself)
     */
    public record ApiKey(String key, Role role, String name) {
        public static final int MAX_NAME_LENGTH = 100;

        /** The name, or the default one. */
        public String nameOrDefault() {
            if (name != null) {
                return name;
            }
            String fingerprint = java.util.HexFormat.of().formatHex(sha256(key), 0, 4);
            return (role == null ? "key" : role.name().toLowerCase(java.util.Locale.ROOT)) + "-" + fingerprint;
        }

        private static byte[] sha256(String text) {
            try {
                return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime has SHA-256", e);
            }
        }

        /** Never the key itself, so that a log line or a debugger view does not leak it. */
        @Override
        public String toString() {
            return "ApiKey[key=(hidden), role=" + role + ", name=" + name + "]";
        }
    }

    public enum Role {
        READ, ADMIN
    }

    /**
     * Hyperparameter sweeps (POST /sweeps): their trials wait in the sweep and enter the job queue only as the share
     * below allows, so a large sweep neither starves other users' jobs nor meets a full queue.
     *
     * @param maxTrials         most trials one sweep may plan (default 100); a larger grid or budget is refused
     * @param maxWorkerShare    the fraction of the cluster's workers (every live replica's together) that the trials
     *                          of all sweeps may hold at once, queued or running (default 0.5; in (0, 1]); at least one
     *                          trial always runs
     * @param reconcileInterval how often every replica looks for sweeps to advance (default 1s): it records the
     *                          trials whose jobs ended and admits waiting ones; a trial's end on a replica advances its
     *                          sweep at once as well
     */
    public record Sweeps(int maxTrials, Double maxWorkerShare, java.time.Duration reconcileInterval) {
        public Sweeps {
            maxTrials = maxTrials > 0 ? maxTrials : 100;
            if (maxWorkerShare == null) {
                maxWorkerShare = 0.5;
            } else if (!(maxWorkerShare > 0 && maxWorkerShare <= 1)) {
                throw new IllegalArgumentException("chainrule.sweeps.max-worker-share must be in (0, 1], got " + maxWorkerShare);
            }
            if (reconcileInterval == null) {
                reconcileInterval = java.time.Duration.ofSeconds(1);
            } else if (reconcileInterval.isNegative() || reconcileInterval.isZero()) {
                throw new IllegalArgumentException("chainrule.sweeps.reconcile-interval must be positive, got " + reconcileInterval);
            }
        }

        /** Trials that may hold a worker or a queue place at once, of a cluster of {@code workers} workers. */
        public int trialSlots(long workers) {
            return (int) Math.max(1, Math.floor(maxWorkerShare * workers + 1e-9));
        }
    }
}
