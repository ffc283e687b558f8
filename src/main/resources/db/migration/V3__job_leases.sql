-- Many replicas, one database: a job is run by whichever replica claims it. A claim sets the owner, a lease
-- expiry on the database's clock, and a new attempt number; every later write of the job's state names the owner
-- and the attempt, so a replica that lost its lease (frozen, partitioned, presumed dead) changes no row.
ALTER TABLE jobs ADD COLUMN owner VARCHAR(200);
ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lease_expires_at TIMESTAMP WITH TIME ZONE;
-- asked by a cancel on any replica; the owner learns it at its next lease renewal
ALTER TABLE jobs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;

-- One row per finished epoch, written by the job's owner: what followers on every replica read, in order.
CREATE TABLE job_events (
    job_id     VARCHAR(36)              NOT NULL,
    epoch      INTEGER                  NOT NULL,
    -- the EpochReport, JSON
    report     TEXT                     NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (job_id, epoch)
);

-- The replicas alive now and their workers: the queue's bound is theirs together plus chainrule.jobs.queue-capacity.
CREATE TABLE replicas (
    id         VARCHAR(200)             PRIMARY KEY,
    workers    INTEGER                  NOT NULL,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Submissions take turns on this row, so the count of queued and running jobs and the insert are one atomic step.
CREATE TABLE job_queue_lock (
    id INTEGER PRIMARY KEY
);
INSERT INTO job_queue_lock (id) VALUES (1);
