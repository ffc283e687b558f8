package dev.chainrule.bench;

import dev.chainrule.bench.EngineBenchmark.ThreadState;
import dev.chainrule.engine.kernel.ComputeThreads;
import dev.chainrule.engine.Network;
import dev.chainrule.engine.optim.OptimiserSettings;
import dev.chainrule.engine.training.Dataset;
import dev.chainrule.engine.training.Trainer;
import dev.chainrule.engine.training.TrainingConfig;
import dev.chainrule.engine.training.TrainingOutcome;
import dev.chainrule.engine.training.TrainingResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Several training jobs at once, as the service's worker pool runs them: N = 1 and N = 2 jobs, each on its own
 * thread with its own Network, data copy and Trainer, started together; per-job and aggregate samples/s under
 * each thread setting.
 *
 * <p>Thread settings are applied the way {@link ComputeThreads#configure} does (OpenBLAS's count, process-wide,
 * and OpenMP's count through NativeOps.setOmpNumThreads); libnd4j's Environment is left at ND4J's defaults.
 * OpenMP's count (omp_set_num_threads) belongs to the thread that sets it: a thread started later begins with
 * the process default (cores, or OMP_NUM_THREADS). So every setting names where OpenMP's count is set: on each
 * job thread as it starts, or only once on the launching thread, which is what the service does today
 * (Nd4jWarmUp calls ComputeThreads.configure on the main thread, jobs run on training-worker threads created
 * later). Each job reads the thread counts back on its own thread; the table shows what the jobs ran with.
 */
final class ConcurrentTraining {
    /** Where OpenMP's thread count is set. */
    enum Scope {
        /** setOmpNumThreads on every job thread before it trains. */
        JOB_THREAD,
        /** ComputeThreads.configure once, on the launching thread only (as Nd4jWarmUp does). */
        LAUNCHING_THREAD
    }

    record Setting(String name, String description, int ompThreads, int blasThreads, Scope scope) {
    }

    /** One setting at one job count: per-job and aggregate rates over the timed rounds. */
    record Cell(Setting setting, int jobs, Stats perJob, Stats aggregate, double[] aggregates,
                Set<String> seenByJobs, double[] job0Loss) {
    }

    record Result(int rows, int epochsPerJob, int timedRounds, List<Setting> settings, List<Cell> cells,
                  double warmUpSeconds, double measuredSeconds, String loadBefore, String loadAfter) {

        Cell cell(Setting setting, int jobs) {
            for (Cell c : cells) {
                if (c.setting().equals(setting) && c.jobs() == jobs) {
                    return c;
                }
            }
            throw new IllegalArgumentException(setting.name() + " x " + jobs);
        }

        /** aggregate(N = 2) / aggregate(N = 1), from the medians. */
        double ratio(Setting setting) {
            return cell(setting, 2).aggregate().median() / cell(setting, 1).aggregate().median();
        }

        /** The same ratio round by round (N = 1 and N = 2 run back to back in a round). */
        Stats ratioPerRound(Setting setting) {
            double[] two = cell(setting, 2).aggregates();
            double[] one = cell(setting, 1).aggregates();
            double[] r = new double[two.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = two[i] / one[i];
            }
            return Stats.of(r);
        }
    }

    static final int[] JOB_COUNTS = {1, 2};

    /** The settings measured: (a) to (c) of the thread policy, each set on every job thread, then the service's way. */
    static List<Setting> settings(ThreadState defaults, boolean quick) {
        List<Setting> all = new ArrayList<>();
        all.add(new Setting("omp1-blas1", "OpenMP 1 + BLAS 1 (the service's intended default with 2 workers on 2 cores)",
                1, 1, Scope.JOB_THREAD));
        all.add(new Setting("omp1-blas2", "OpenMP 1 + BLAS 2 (BLAS on every core)", 1, 2, Scope.JOB_THREAD));
        if (!quick) {
            all.add(new Setting("defaults", "ND4J's defaults (OpenMP " + defaults.ompThreads() + " + BLAS "
                    + defaults.blasThreads() + ")", defaults.ompThreads(), defaults.blasThreads(), Scope.JOB_THREAD));
        }
        all.add(new Setting("service-omp1-blas1", "ComputeThreads.configure(1, 1) on the launching thread only, "
                + "as Nd4jWarmUp does; job threads set nothing", 1, 1, Scope.LAUNCHING_THREAD));
        return all;
    }

    private final ThreadState defaults;
    private final List<Setting> settings;
    private final int epochsPerJob;
    private final int timedRounds;
    private final List<Dataset> jobData = new ArrayList<>();

    /**
     * @param train the first rows of MNIST's training set; each job gets its own copy, as each service job reads
     *              its data into memory of its own when it runs
     */
    ConcurrentTraining(ThreadState defaults, List<Setting> settings, Dataset train, int epochsPerJob, int timedRounds) {
        this.defaults = defaults;
        this.settings = settings;
        this.epochsPerJob = epochsPerJob;
        this.timedRounds = timedRounds;
        int maxJobs = JOB_COUNTS[JOB_COUNTS.length - 1];
        for (int j = 0; j < maxJobs; j++) {
            jobData.add(train.slice(0, train.size()));
        }
    }

    /**
     * Round 0 warms up; in each timed round every setting runs N = 1 then N = 2 (N = 2 first in even rounds),
     * so a change of machine load hits all alike. Leaves the process at ND4J's default thread counts.
     */
    Result run() throws InterruptedException {
        String loadBefore = EnvironmentInfo.loadAverage();
        Map<String, List<double[]>> perJob = new LinkedHashMap<>();
        Map<String, double[]> aggregate = new LinkedHashMap<>();
        Map<String, Set<String>> seen = new LinkedHashMap<>();
        Map<String, double[]> job0Loss = new LinkedHashMap<>();
        for (Setting s : settings) {
            for (int n : JOB_COUNTS) {
                perJob.put(key(s, n), new ArrayList<>());
                aggregate.put(key(s, n), new double[timedRounds]);
                seen.put(key(s, n), new LinkedHashSet<>());
                job0Loss.put(key(s, n), new double[timedRounds]);
            }
        }
        long t0 = System.nanoTime();
        long measuredStart = 0;
        for (int round = 0; round <= timedRounds; round++) {
            if (round == 1) {
                measuredStart = System.nanoTime();
            }
            for (Setting s : settings) {
                for (int i = 0; i < JOB_COUNTS.length; i++) {
                    int n = JOB_COUNTS[round % 2 == 0 ? JOB_COUNTS.length - 1 - i : i];
                    Outcome o = runJobs(s, n, round);
                    EngineBenchmark.log(String.format(Locale.ROOT, "concurrency round %d%s, '%s', N=%d: aggregate %.0f "
                                    + "samples/s, per job %s; job threads saw %s", round, round == 0 ? " (warm-up)" : "",
                            s.name(), n, o.aggregate, rates(o.perJob), o.seen));
                    if (round > 0) {
                        perJob.get(key(s, n)).add(o.perJob);
                        aggregate.get(key(s, n))[round - 1] = o.aggregate;
                        seen.get(key(s, n)).addAll(o.seen);
                        job0Loss.get(key(s, n))[round - 1] = o.job0Loss;
                    }
                }
            }
        }
        double warmUp = (measuredStart - t0) / 1e9;
        double measured = (System.nanoTime() - measuredStart) / 1e9;
        restoreDefaults();

        List<Cell> cells = new ArrayList<>();
        for (Setting s : settings) {
            for (int n : JOB_COUNTS) {
                List<double[]> rounds = perJob.get(key(s, n));
                double[] flat = new double[rounds.size() * n];
                for (int r = 0; r < rounds.size(); r++) {
                    System.arraycopy(rounds.get(r), 0, flat, r * n, n);
                }
                double[] agg = aggregate.get(key(s, n));
                cells.add(new Cell(s, n, Stats.of(flat), Stats.of(agg), agg, seen.get(key(s, n)), job0Loss.get(key(s, n))));
            }
        }
        return new Result(jobData.get(0).size(), epochsPerJob, timedRounds, settings, cells, warmUp, measured,
                loadBefore, EnvironmentInfo.loadAverage());
    }

    private record Outcome(double[] perJob, double aggregate, Set<String> seen, double job0Loss) {
    }

    /** N jobs at once: each on a new thread (its own Network, data and Trainer), released together. */
    private Outcome runJobs(Setting setting, int jobs, int round) throws InterruptedException {
        apply(setting);
        int rows = jobData.get(0).size();
        CountDownLatch ready = new CountDownLatch(jobs);
        CountDownLatch start = new CountDownLatch(1);
        long[] ends = new long[jobs];
        double[] losses = new double[jobs];
        String[] states = new String[jobs];
        Throwable[] failures = new Throwable[jobs];
        List<Thread> threads = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            final int job = j;
            Thread thread = new Thread(() -> {
                try {
                    if (setting.scope() == Scope.JOB_THREAD) {
                        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(setting.ompThreads());
                    }
                    ThreadState state = ThreadState.read();
                    states[job] = "OpenMP " + state.ompThreads() + " + BLAS " + state.blasThreads();
                    // job j's network and shuffle do not depend on N, so job 0's loss must be the same at N = 1 and 2
                    Network network = Network.initialised(EngineBenchmark.mlp(), EngineBenchmark.SEED + job);
                    Trainer trainer = new Trainer(network, TrainingConfig.of(epochsPerJob, EngineBenchmark.BATCH,
                            OptimiserSettings.sgd(EngineBenchmark.LEARNING_RATE), EngineBenchmark.SEED + round));
                    ready.countDown();
                    start.await();
                    TrainingResult result = trainer.fit(jobData.get(job));
                    ends[job] = System.nanoTime();
                    if (result.outcome() != TrainingOutcome.COMPLETED) {
                        throw new IllegalStateException("training did not complete: " + result.outcome() + " "
                                + result.failureReason());
                    }
                    losses[job] = result.lastEpoch().trainingLoss();
                } catch (Throwable t) {
                    failures[job] = t;
                    ready.countDown();
                }
            }, "concurrent-job-" + j);
            threads.add(thread);
            thread.start();
        }
        ready.await();
        long begin = System.nanoTime();
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        for (Throwable failure : failures) {
            if (failure != null) {
                throw new IllegalStateException("a concurrent training job failed", failure);
            }
        }
        double samplesPerJob = (double) rows * epochsPerJob;
        double[] perJob = new double[jobs];
        long last = begin;
        for (int j = 0; j < jobs; j++) {
            perJob[j] = samplesPerJob / ((ends[j] - begin) / 1e9);
            last = Math.max(last, ends[j]);
        }
        double aggregate = jobs * samplesPerJob / ((last - begin) / 1e9);
        return new Outcome(perJob, aggregate, new LinkedHashSet<>(List.of(states)), losses[0]);
    }

    /**
     * The launching thread's part: OpenBLAS's count (process-wide) and this thread's OpenMP count, exactly as
     * ComputeThreads.configure; libnd4j's Environment back at ND4J's defaults (the engine part of the benchmark
     * changes maxMasterThreads).
     */
    private void apply(Setting setting) {
        Nd4j.getEnvironment().setMaxMasterThreads(defaults.masterThreads());
        ComputeThreads.configure(setting.ompThreads(), setting.blasThreads());
    }

    private void restoreDefaults() {
        Nd4j.getEnvironment().setMaxMasterThreads(defaults.masterThreads());
        ComputeThreads.configure(defaults.ompThreads(), defaults.blasThreads());
    }

    private static String key(Setting s, int n) {
        return s.name() + "/" + n;
    }

    private static String rates(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", v));
        }
        return sb.toString();
    }
}
