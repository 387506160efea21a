-- Business cards: the photos a device uploads, the reading job each one is, and the draft it
-- reads as; and the image blobs contacts refer to by hash.

CREATE TABLE cards (
    tenant_id        BLOB    NOT NULL REFERENCES tenants (id),
    -- Chosen by the device when the photo was taken: a retried upload is the same card.
    id               BLOB    NOT NULL,
    member_id        BLOB    NOT NULL,
    -- The scanning device, which the draft is synced to.
    device_id        BLOB    NOT NULL,
    -- queued | reading | ready | failed | done (sync_core::card::CardStatus).
    status           TEXT    NOT NULL,
    -- The photos as uploaded; cleared once read (the stored blobs are re-encoded copies).
    front            BLOB,
    back             BLOB,
    -- The reading (fields, region, images, duplicates) as JSON, once ready.
    reading          TEXT,
    error_code       TEXT,
    error_message    TEXT,
    -- Claims so far; a job failing this many times in a row is given up.
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- A queued job is not claimed before this (retries back off).
    next_attempt_ms  INTEGER NOT NULL,
    -- A job being read belongs to its worker until this; after it, another worker may take
    -- it (the first one died).
    lease_until_ms   INTEGER,
    created_ms       INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
) STRICT;

-- What a worker looks for.
CREATE INDEX cards_due ON cards (status, next_attempt_ms);
CREATE INDEX cards_member ON cards (tenant_id, member_id, created_ms);

-- Images stored once per tenant by the SHA-256 of their bytes.
CREATE TABLE blobs (
    tenant_id   BLOB    NOT NULL REFERENCES tenants (id),
    sha256      TEXT    NOT NULL,
    mime        TEXT    NOT NULL,
    data        BLOB    NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
) STRICT;
