-- Each contact's messaging handles ("network:handle", lowercase, one a line), so an import
-- finds a duplicate among the stored contacts by handle as it does by email or phone. The
-- projection backfill fills the column in from the documents at the next start-up.
ALTER TABLE contact_search ADD COLUMN handles TEXT NOT NULL DEFAULT '';

INSERT INTO pending_backfills (name) VALUES ('contact_projection') ON CONFLICT DO NOTHING;
