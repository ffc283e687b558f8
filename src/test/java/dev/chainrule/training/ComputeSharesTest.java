package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.chainrule.engine.kernel.ComputeThreads;
import org.junit.jupiter.api.Test;

/** How the engine's threads are split among the jobs running on a replica, and re-split as they start and end. */
class ComputeSharesTest {

    @Test
    void aJobAloneGetsEveryThread() {
        ComputeShares shares = new ComputeShares(8);
        try (ComputeShares.Share only = shares.join()) {
            assertThat(only.getAsInt()).isEqualTo(8);
        }
        assertThat(shares.runningJobs()).isZero();
    }

    @Test
    void runningJobsSplitTheThreadsAndTheSplitFollowsThemAsTheyStartAndEnd() {
        ComputeShares shares = new ComputeShares(2);
        ComputeShares.Share first = shares.join();
        assertThat(first.getAsInt()).isEqualTo(2);
        ComputeShares.Share second = shares.join();
        assertThat(first.getAsInt()).isEqualTo(1);
        assertThat(second.getAsInt()).isEqualTo(1);
        first.close();
        assertThat(second.getAsInt()).as("alone again: every thread").isEqualTo(2);
        assertThat(first.getAsInt()).as("an ended job's share").isEqualTo(1);
        second.close();
    }

    @Test
    void anUnevenSplitGivesTheRemainderToTheEarlierJobsAndNeverOversubscribes() {
        ComputeShares shares = new ComputeShares(5);
        ComputeShares.Share a = shares.join();
        ComputeShares.Share b = shares.join();
        assertThat(a.getAsInt() + b.getAsInt()).isEqualTo(5);
        assertThat(a.getAsInt()).isEqualTo(3);
        assertThat(b.getAsInt()).isEqualTo(2);
        ComputeShares.Share c = shares.join();
        assertThat(new int[] {a.getAsInt(), b.getAsInt(), c.getAsInt()}).containsExactly(2, 2, 1);
        a.close();
        assertThat(new int[] {b.getAsInt(), c.getAsInt()}).containsExactly(3, 2);
        b.close(); // the engine counts running jobs for everything in this JVM
        c.close();
    }

    @Test
    void predictionsComputingNowKeepTheirThreadsFromTheJobs() {
        ComputeShares shares = new ComputeShares(4);
        try (ComputeShares.Share job = shares.join()) {
            assertThat(job.getAsInt()).isEqualTo(4);
            ComputeThreads.predictions(1);
            try {
                assertThat(job.getAsInt()).as("one prediction running").isEqualTo(3);
                ComputeThreads.predictions(1);
                assertThat(job.getAsInt()).as("two").isEqualTo(2);
                ComputeThreads.predictions(5);
                assertThat(job.getAsInt()).as("more predictions than threads: the job still computes").isEqualTo(1);
                ComputeThreads.predictions(-6);
            } finally {
                ComputeThreads.predictions(-1);
            }
            assertThat(job.getAsInt()).as("predictions done").isEqualTo(4);
        }
    }

    @Test
    void moreJobsThanThreadsComputeOnOneEach() {
        ComputeShares shares = new ComputeShares(2);
        ComputeShares.Share[] jobs = {shares.join(), shares.join(), shares.join()};
        for (ComputeShares.Share job : jobs) {
            assertThat(job.getAsInt()).isEqualTo(1);
        }
        for (ComputeShares.Share job : jobs) {
            job.close();
        }
    }

    @Test
    void atLeastOneThreadToShare() {
        assertThatThrownBy(() -> new ComputeShares(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }
}
