package dev.chainrule.bench;

/**
 * How much to measure. Quick is a smoke run for CI (about a minute on two quiet cores); full is what the
 * results files are made with.
 *
 * <p>Everything is measured in rounds: round 0 warms up and calibrates, rounds 1..timedEpochs are timed. In each
 * round every thread setting in turn trains one epoch, runs its inference chunks and its GEMM chunks.
 *
 * @param trainingRows          rows per training epoch (the first ones of MNIST's training set; 60000 = all)
 * @param timedEpochs           timed rounds: training epochs after the warm-up one, per thread setting
 * @param gemmChunkMillis       length of one timed chunk of calls to one GEMM
 * @param gemmChunksPerRound    timed chunks per GEMM shape and round
 * @param inferenceChunkMillis  length of one timed chunk of forward passes
 * @param breakdownBatches      timed minibatches of the hot-loop breakdown (HotLoop, after 50 untimed ones)
 * @param concurrencyRows       rows each concurrent training job trains on (the first ones of MNIST's training set)
 * @param concurrencyEpochs     epochs of each concurrent training job
 * @param concurrencyRounds     timed rounds of the concurrent-training measurement (after a warm-up round)
 */
record Plan(String mode, int trainingRows, int timedEpochs, double gemmChunkMillis, int gemmChunksPerRound,
            double inferenceChunkMillis, int breakdownBatches, int concurrencyRows,
            int concurrencyEpochs, int concurrencyRounds) {

    static Plan quick() {
        return new Plan("quick", 12800, 2, 40, 1, 250, 150, 12800, 1, 2);
    }

    static Plan full() {
        return new Plan("full", 60000, 5, 150, 2, 750, 938, 12800, 2, 7);
    }
}
