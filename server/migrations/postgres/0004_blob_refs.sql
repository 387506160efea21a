-- Who holds each stored image, so an image is served only through a holder the member may
-- see and deleted when nothing holds it any more (store::sql::blobs).

CREATE TABLE blob_refs (
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    sha256       TEXT NOT NULL,
    -- 'contact' (holder_id is documents.id: its photo or a card image) or 'card' (holder_id
    -- is cards.id: the scan the image was read from).
    holder_kind  TEXT NOT NULL CHECK (holder_kind IN ('contact', 'card')),
    holder_id    UUID NOT NULL,
    PRIMARY KEY (tenant_id, sha256, holder_kind, holder_id)
);

-- A commit, a purge or a sweep of cards lets go of one holder's refs.
CREATE INDEX blob_refs_holder ON blob_refs (tenant_id, holder_id);

-- The hashes a contact holds as of its last commit, one a line: a commit rewrites its refs
-- only when this changes. NULL: not known yet (a contact stored before this migration; the
-- server fills these in from the documents at start-up, see pending_backfills).
ALTER TABLE documents ADD COLUMN blobs TEXT;
UPDATE documents SET blobs = '' WHERE purged;

-- A card's images are listed in its reading.
INSERT INTO blob_refs (tenant_id, sha256, holder_kind, holder_id)
SELECT DISTINCT cards.tenant_id, image -> 'blob' ->> 'sha256', 'card', cards.id
FROM cards, json_array_elements(cards.reading::json -> 'images') AS image
WHERE cards.reading IS NOT NULL
  AND image -> 'blob' ->> 'sha256' IS NOT NULL;

-- One-time jobs the server runs at start-up after the migrations, crossed off when done:
-- work SQL cannot do (reading Automerge documents).
CREATE TABLE pending_backfills (
    name  TEXT PRIMARY KEY
);

INSERT INTO pending_backfills (name) VALUES ('contact_blob_refs');
