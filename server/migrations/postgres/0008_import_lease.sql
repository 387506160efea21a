-- Several server nodes share one database, and each used to resume every `running` import at
-- start-up: two nodes, two jobs on the same file. A running import now has one runner (a
-- server process, by a random id it picks at start-up) holding a lease that its job renews
-- with every batch; a node takes over an import only when its lease ran out (its runner
-- died or lost the database) and the uploaded file is in its own import folder.
ALTER TABLE imports ADD COLUMN runner UUID;
ALTER TABLE imports ADD COLUMN lease_until_ms BIGINT;
-- When the uploaded file was deleted, some days after the import ended (ROLO_IMPORT_KEEP_DAYS):
-- the import's summary and failed rows stay, the error file and the preview can no longer be
-- made from it.
ALTER TABLE imports ADD COLUMN file_deleted_ms BIGINT;
