package dev.chainrule.api.sweep;

import dev.chainrule.config.ChainruleProperties;
import dev.chainrule.sweep.Sweep;
import dev.chainrule.sweep.SweepNotFoundException;
import dev.chainrule.sweep.SweepService;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The open /sweeps/{id}/events streams: each reads its sweep's newly recorded trial ends from the database every
 * {@code chainrule.cluster.event-poll-interval} (whichever replica recorded them), on one shared thread.
 */
@Component
class SweepStreams {
    /** A stream lives at most this long; a client reconnects (with Last-Event-ID) for longer sweeps. */
    static final long STREAM_TIMEOUT_MILLIS = 60 * 60 * 1000L;

    private final SweepService sweeps;
    private final long pollMillis;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sweep-events");
        thread.setDaemon(true);
        return thread;
    });

    SweepStreams(SweepService sweeps, ChainruleProperties properties) {
        this.sweeps = sweeps;
        this.pollMillis = properties.cluster().eventPollInterval().toMillis();
    }

    SseEmitter open(String sweepId, int afterOrder) {
        SseEmitter emitter = new SseEmitter(STREAM_TIMEOUT_MILLIS);
        int[] sent = {afterOrder};
        AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
        Runnable stop = () -> {
            ScheduledFuture<?> running = task.get();
            if (running != null) {
                running.cancel(false);
            }
        };
        emitter.onCompletion(stop);
        emitter.onTimeout(stop);
        emitter.onError(e -> stop.run());
        task.set(poller.scheduleWithFixedDelay(() -> {
            try {
                // read the state first: a sweep finished by then has recorded every trial the read below returns
                Sweep sweep = sweeps.get(sweepId);
                List<Sweep.Trial> ended = sweeps.finishedAfter(sweepId, sent[0]);
                for (Sweep.Trial trial : ended) {
                    emitter.send(SseEmitter.event().name("trial").id(sweepId + "/" + trial.finishedOrder())
                            .data(SweepResponse.TrialView.of(trial), MediaType.APPLICATION_JSON));
                    sent[0] = trial.finishedOrder();
                }
                if (sweep.finishedAt() != null) {
                    emitter.send(SseEmitter.event().name("end").id(sweepId + "/end")
                            .data(SweepResponse.of(sweeps.get(sweepId)), MediaType.APPLICATION_JSON));
                    stop.run();
                    emitter.complete();
                }
            } catch (SweepNotFoundException e) {
                stop.run();
                emitter.complete(); // deleted meanwhile
            } catch (IOException | IllegalStateException e) {
                stop.run();
                emitter.completeWithError(e); // the client went away
            } catch (RuntimeException e) {
                // the database is unreachable for a moment: the next poll tries again
            }
        }, 0, pollMillis, TimeUnit.MILLISECONDS));
        return emitter;
    }

    /** Lets a step in progress end (an interrupt inside a write would close the embedded database's file). */
    @PreDestroy
    void stop() throws InterruptedException {
        poller.shutdown();
        poller.awaitTermination(30, TimeUnit.SECONDS);
    }
}
