-- What made each version (JSON): the job's settings, the seed, the data's checksum and shape, the version it
-- continued from, the service's version and commit. Null for versions stored before it was recorded.
ALTER TABLE model_versions ADD COLUMN provenance TEXT;
