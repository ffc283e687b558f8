package dev.chainrule.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The job's phase line, as operators and bench/http/train_overhead.py read it. */
class JobTimingsTest {

    @Test
    void theLineNamesEachPhaseInOrderWithItsMillisecondsThenTheLappedStepsCpuTime() {
        JobTimings timings = new JobTimings();
        timings.queued(Instant.parse("2026-12-06T10:00:00Z"), Instant.parse("2026-12-06T10:00:01.250Z"));
        timings.lap("read");
        timings.add("epoch-records", 2_000_000);
        timings.checkpointWritten(3_000_000);
        timings.checkpointWritten(4_000_000);
        timings.add("epochs", 1_500_000_000L);
        timings.mark();
        timings.lap("version");

        String line = timings.line();
        assertThat(line).startsWith("queued=1250 read=");
        assertThat(line).contains(" epoch-records=2 checkpoints=7 epochs=1500 version=", " checkpoint-count=2 total=");
        assertThat(Pattern.compile(" cpu: read=\\d+ version=\\d+$").matcher(line).find()).as(line).isTrue();
        assertThat(timings.nanos("checkpoints")).isEqualTo(7_000_000);
        assertThat(timings.nanos("statistics")).isZero();
    }

    @Test
    void aJobWithoutItsRecordsTimesLeavesTheWaitOut() {
        JobTimings timings = new JobTimings();
        timings.queued(null, Instant.now());
        assertThat(timings.line()).startsWith("checkpoint-count=0 total=");
    }
}
