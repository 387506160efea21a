-- Contacts: one Automerge document per contact, its raw changes, the per-tenant change feed
-- and a search projection.

CREATE TABLE documents (
    tenant_id   UUID        NOT NULL REFERENCES tenants (id),
    id          UUID        NOT NULL,
    owner       UUID        NOT NULL,
    -- sync_core::wire::Visibility as MessagePack: who besides the owner may see the contact.
    visibility  BYTEA       NOT NULL,
    -- The compacted document (ContactDoc::save), what a grant sends; empty once purged.
    snapshot    BYTEA       NOT NULL,
    -- The document's heads, 32 bytes each.
    heads       BYTEA       NOT NULL,
    -- The seq of the latest feed row that changed the content: validates cached copies, so
    -- no node uses a document another node has changed since.
    last_seq    BIGINT      NOT NULL,
    -- Deleted for good: the row stays as a tombstone so a late push gets `not_found`.
    purged      BOOLEAN     NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, owner) REFERENCES members (tenant_id, id)
);

-- Every accepted change, by hash: storing one twice is a no-op, which is what makes a
-- re-push after a lost ack harmless.
CREATE TABLE changes (
    tenant_id  UUID  NOT NULL,
    doc_id     UUID  NOT NULL,
    hash       BYTEA NOT NULL,
    bytes      BYTEA NOT NULL,
    PRIMARY KEY (tenant_id, doc_id, hash),
    FOREIGN KEY (tenant_id, doc_id) REFERENCES documents (tenant_id, id)
);

CREATE TABLE feed (
    tenant_id   UUID        NOT NULL REFERENCES tenants (id),
    -- Allocated from tenants.last_seq inside the committing transaction.
    seq         BIGINT      NOT NULL,
    doc_id      UUID        NOT NULL,
    -- sync_core::feed::RowKind as MessagePack.
    kind        BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq),
    FOREIGN KEY (tenant_id, doc_id) REFERENCES documents (tenant_id, id)
);

-- A purge erases the contact's changes from its feed rows.
CREATE INDEX feed_doc ON feed (tenant_id, doc_id);

-- Filled from the hydrated contact at each commit, for search and sorted lists.
CREATE TABLE contact_search (
    tenant_id     UUID NOT NULL,
    doc_id        UUID NOT NULL,
    display_name  TEXT NOT NULL,
    -- One value per line.
    emails        TEXT NOT NULL,
    phones        TEXT NOT NULL,
    companies     TEXT NOT NULL,
    tags          TEXT NOT NULL,
    PRIMARY KEY (tenant_id, doc_id),
    FOREIGN KEY (tenant_id, doc_id) REFERENCES documents (tenant_id, id)
);

CREATE INDEX contact_search_name ON contact_search (tenant_id, display_name);
