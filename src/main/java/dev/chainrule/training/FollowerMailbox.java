package dev.chainrule.training;

import dev.chainrule.engine.training.EpochReport;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One follower's events of one job, handed to it in order, one at a time, on a shared executor. The job only
 * appends here (under its lock, which costs it no more than a queue insertion); the follower is called outside that
 * lock on a delivery thread, so one that is slow or stalled (an SSE client that stopped reading, whose send blocks)
 * holds up nothing but its own deliveries.
 *
 * <p>A follower may be at most {@code maxPendingEvents} live events behind: the events handed to it since it followed
 * that it has not finished receiving, the one it is receiving included. The one that would put it past that
 * bound drops it instead: what waits is discarded, and once the call it is in returns it is told
 * {@link JobEvents#dropped} and nothing more. The replay of the epochs it followed into is not counted: it is the
 * job's history, which the job keeps anyway, and a late follower of a long job must not be dropped for reading it.
 */
final class FollowerMailbox {
    private static final Logger log = LoggerFactory.getLogger(FollowerMailbox.class);
    /** Events delivered in one turn on a delivery thread before the mailbox lets other followers have it. */
    private static final int EVENTS_PER_TURN = 64;

    /** The shared executor the service owns, and the bound on a follower's live events behind. */
    record Delivery(Executor executor, int maxPendingEvents) {
        Delivery {
            if (maxPendingEvents < 1) {
                throw new IllegalArgumentException("maxPendingEvents must be at least 1, got " + maxPendingEvents);
            }
        }
    }

    private enum Kind { EPOCH, END, DROPPED }

    private record Event(Kind kind, EpochReport epoch, boolean live) {
    }

    private final TrainingJob job;
    private final JobEvents follower;
    private final Delivery delivery;
    // guarded by this
    /** The epochs the follower followed into, and how many of them have been taken for delivery. */
    private List<EpochReport> replay = List.of();
    private int replayed;
    /** Live events (and the end of a job that had ended when followed), after the replay. */
    private final ArrayDeque<Event> waiting = new ArrayDeque<>();
    /** Live events handed over and not yet delivered, the one in delivery included. */
    private int behind;
    /** A turn is queued on the executor or running. */
    private boolean scheduled;
    /** Nothing more goes in: the end was handed over, or the follower left, was dropped or failed. */
    private boolean closed;

    FollowerMailbox(TrainingJob job, JobEvents follower, Delivery delivery) {
        this.job = job;
        this.follower = follower;
        this.delivery = delivery;
    }

    /**
     * What the follower gets first, before any live event.
     *
     * @param history the job's epochs so far
     * @param ended   whether the job has ended already: its end follows the history, and nothing more
     */
    synchronized void replay(List<EpochReport> history, boolean ended) {
        replay = List.copyOf(history); // a reference per epoch, however far the follower is from reading them
        if (ended) {
            waiting.add(new Event(Kind.END, null, false));
            closed = true;
        }
        schedule();
    }

    JobEvents follower() {
        return follower;
    }

    /** A live epoch; false when the follower is no longer to be told anything (dropped now, or before). */
    synchronized boolean epochFinished(EpochReport report) {
        return offer(new Event(Kind.EPOCH, report, true));
    }

    /** The job's end, the last event (unless it drops the follower instead). */
    synchronized void jobFinished() {
        offer(new Event(Kind.END, null, true));
        closed = true;
    }

    /** The follower left (its stream completed): what waits is discarded; a call in progress finishes. */
    synchronized void close() {
        closed = true;
        discardWaiting();
    }

    private void discardWaiting() {
        replay = List.of();
        replayed = 0;
        waiting.clear();
    }

    /** The next event to deliver, or null. */
    private Event next() {
        if (replayed < replay.size()) {
            return new Event(Kind.EPOCH, replay.get(replayed++), false);
        }
        return waiting.poll();
    }

    private boolean offer(Event event) {
        if (closed) {
            return false;
        }
        if (behind == delivery.maxPendingEvents()) {
            // this one would put it past the bound: drop it rather than queue for it without limit
            log.info("job {}: a follower fell more than {} events behind and is dropped", job.id(), behind);
            discardWaiting();
            waiting.add(new Event(Kind.DROPPED, null, false));
            closed = true;
            schedule();
            return false;
        }
        behind++;
        waiting.add(event);
        schedule();
        return true;
    }

    private void schedule() {
        if (scheduled || (replayed == replay.size() && waiting.isEmpty())) {
            return;
        }
        scheduled = true;
        try {
            delivery.executor().execute(this::deliverTurn);
        } catch (RejectedExecutionException e) {
            // the service is shutting down: nothing more is delivered
            scheduled = false;
            closed = true;
            discardWaiting();
        }
    }

    /** Delivers what waits, in order, one event at a time, outside every lock but the follower's own. */
    private void deliverTurn() {
        for (int delivered = 0; delivered < EVENTS_PER_TURN; delivered++) {
            Event event;
            synchronized (this) {
                event = next();
                if (event == null) {
                    scheduled = false;
                    return;
                }
            }
            try {
                switch (event.kind()) {
                    case EPOCH -> follower.epochFinished(job, event.epoch());
                    case END -> follower.jobFinished(job);
                    case DROPPED -> follower.dropped(job);
                }
            } catch (RuntimeException e) {
                log.warn("job {}: a follower failed to take an event and is told no more", job.id(), e);
                close();
            }
            synchronized (this) {
                if (event.live()) {
                    behind--;
                }
            }
        }
        synchronized (this) {
            scheduled = false;
            schedule(); // whatever still waits goes behind the other followers' turns
        }
    }
}
