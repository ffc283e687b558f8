package dev.chainrule.bench;

/**
 * Times a repeated call in chunks: {@link #calibrate} warms it up and finds how many calls fill one chunk of
 * the target length; each {@link #chunk} then gives one calls/second figure. Chunks of different thread
 * settings are interleaved by the caller, so a change in machine load hits every setting alike. This is for the
 * macro runs' interleaved rounds (systems and thread settings side by side, medians and per-round ratios); single
 * calls measured alone are JMH's (dev.chainrule.bench.micro, bench/run.sh --micro).
 */
final class Timing {
    private Timing() {
    }

    /** Warm-up (at least 20 calls and a quarter of a chunk), then calls per chunk from a tenth of one. */
    static long calibrate(Runnable call, double chunkMillis) {
        long warmUpEnd = System.nanoTime() + (long) (chunkMillis * 0.25e6);
        int warm = 0;
        while (warm < 20 || System.nanoTime() < warmUpEnd) {
            call.run();
            warm++;
        }
        long start = System.nanoTime();
        long calls = 0;
        long tenth = (long) (chunkMillis * 0.1e6);
        while (System.nanoTime() - start < tenth || calls < 3) {
            call.run();
            calls++;
        }
        double nanosPerCall = (System.nanoTime() - start) / (double) calls;
        return Math.max(3, (long) (chunkMillis * 1e6 / nanosPerCall));
    }

    /** Calls per second over one chunk of {@code calls} calls. */
    static double chunk(Runnable call, long calls) {
        long t0 = System.nanoTime();
        for (long i = 0; i < calls; i++) {
            call.run();
        }
        return calls * 1e9 / (System.nanoTime() - t0);
    }

    /** Each rate times a per-call quantity (samples, GFLOP). */
    static Stats scaled(double[] callsPerSecond, int used, double perCall) {
        double[] out = new double[used];
        for (int i = 0; i < used; i++) {
            out[i] = callsPerSecond[i] * perCall;
        }
        return Stats.of(out);
    }
}
