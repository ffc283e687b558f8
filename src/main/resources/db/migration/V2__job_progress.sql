-- Minibatches a job has run, so a finished job shows its progress after a restart.
ALTER TABLE jobs ADD COLUMN batches_done BIGINT NOT NULL DEFAULT 0;
