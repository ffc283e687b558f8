package dev.chainrule.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The workers under split products: each part once, failures back to the caller, never a wait on another caller. */
class PartWorkersTest {

    @Test
    void everyPartRunsOnceAndTheLastGoToTheWorkers() {
        PartWorkers workers = new PartWorkers(2);
        try {
            for (int round = 0; round < 1000; round++) { // rounds back to back, and after the workers' watch ran out
                Map<Integer, String> ranOn = new ConcurrentHashMap<>();
                List<Integer> runs = new CopyOnWriteArrayList<>();
                workers.runInParts(4, part -> {
                    runs.add(part);
                    ranOn.put(part, Thread.currentThread().getName());
                });
                assertThat(runs).containsExactlyInAnyOrder(0, 1, 2, 3);
                String caller = Thread.currentThread().getName();
                assertThat(ranOn.get(0)).isEqualTo(caller);
                assertThat(ranOn.get(1)).isEqualTo(caller);
                assertThat(ranOn.get(2)).startsWith("engine-compute-");
                assertThat(ranOn.get(3)).startsWith("engine-compute-").isNotEqualTo(ranOn.get(2));
                if (round % 250 == 0) {
                    sleepPastTheWatch();
                }
            }
        } finally {
            workers.shutdown();
        }
    }

    @Test
    void aWorkersFailureReachesTheCallerAndTheWorkerStaysUsable() {
        PartWorkers workers = new PartWorkers(1);
        try {
            assertThatThrownBy(() -> workers.runInParts(2, part -> {
                if (part == 1) {
                    throw new IllegalStateException("part " + part + " failed");
                }
            })).isInstanceOf(IllegalStateException.class).hasMessage("part 1 failed");

            List<String> threads = new CopyOnWriteArrayList<>();
            workers.runInParts(2, part -> threads.add(part + " " + Thread.currentThread().getName()));
            assertThat(threads).containsExactlyInAnyOrder("0 " + Thread.currentThread().getName(), "1 engine-compute-1");
        } finally {
            workers.shutdown();
        }
    }

    @Test
    void aCallerFindingNoIdleWorkerRunsItsPartsItself() throws Exception {
        PartWorkers workers = new PartWorkers(1);
        CountDownLatch workerBusy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> firstCallerFailed = new AtomicReference<>();
        Thread first = new Thread(() -> {
            try {
                workers.runInParts(2, part -> {
                    if (part == 1) {
                        workerBusy.countDown();
                        await(release);
                    }
                });
            } catch (Throwable e) {
                firstCallerFailed.set(e);
            }
        }, "first-caller");
        first.start();
        try {
            assertThat(workerBusy.await(10, TimeUnit.SECONDS)).isTrue();
            List<String> threads = new CopyOnWriteArrayList<>();
            workers.runInParts(3, part -> threads.add(Thread.currentThread().getName()));
            assertThat(threads).as("the one worker is busy with the first caller's part").hasSize(3)
                    .containsOnly(Thread.currentThread().getName());
        } finally {
            release.countDown();
            first.join(10_000);
            workers.shutdown();
        }
        assertThat(first.isAlive()).isFalse();
        assertThat(firstCallerFailed.get()).isNull();
    }

    @Test
    void shutDownWorkersEndAndLeaveEveryPartToTheCaller() throws InterruptedException {
        PartWorkers workers = new PartWorkers(1);
        AtomicReference<Thread> ranPartOne = new AtomicReference<>();
        workers.runInParts(2, part -> {
            if (part == 1) {
                ranPartOne.set(Thread.currentThread());
            }
        });
        Thread worker = ranPartOne.get();
        assertThat(worker).isNotEqualTo(Thread.currentThread());
        workers.shutdown();
        worker.join(10_000);
        assertThat(worker.isAlive()).isFalse();

        List<String> threads = new CopyOnWriteArrayList<>();
        workers.runInParts(2, part -> threads.add(Thread.currentThread().getName()));
        assertThat(threads).containsOnly(Thread.currentThread().getName()).hasSize(2);
    }

    private static void sleepPastTheWatch() {
        try {
            TimeUnit.NANOSECONDS.sleep(3 * PartWorkers.WATCH_NANOS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
