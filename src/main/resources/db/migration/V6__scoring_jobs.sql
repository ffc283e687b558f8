-- Scoring a stored dataset with one version is a job like training: same table, queue, workers, leases and cancel.
-- Portable SQL: H2 and PostgreSQL.

-- TRAINING or SCORING; a scoring job's spec column holds its dataset, version and row count (JSON)
ALTER TABLE jobs ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'TRAINING';
-- the dataset a scoring job reads (a training job names its own in training_dataset_id / validation_dataset_id)
ALTER TABLE jobs ADD COLUMN scored_dataset_id VARCHAR(36);
-- a finished scoring job's result: the key of its float32 file of outputs, written whole before this row names it
ALTER TABLE jobs ADD COLUMN result_file VARCHAR(500);
-- what the result holds (JSON): rows, columns, metrics (with the confusion matrix) or why there are none
ALTER TABLE jobs ADD COLUMN result_summary TEXT;
CREATE INDEX jobs_scored_dataset ON jobs (scored_dataset_id);
