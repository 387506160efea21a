-- What lists and searches read about each contact, so that neither loads a contact's
-- Automerge document (DESIGN.md section 3: a device never holds every document loaded), and
-- the company's members as the server last listed them, so history shows names offline.
-- Never edit this file once landed.

-- One row per contact on the device, rewritten in the transaction that stores the contact's
-- document (or removed with it). Lists hold one value a line, as the server's projection does.
CREATE TABLE projections (
    doc TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    -- `sync_core::search::sort_key`.
    sort_key TEXT NOT NULL,
    -- `sync_core::search::index_terms`, sorted by code point, one a line.
    terms TEXT NOT NULL,
    companies TEXT NOT NULL,
    emails TEXT NOT NULL,
    -- E.164, one a line.
    phones TEXT NOT NULL,
    -- Sorted, one a line.
    tags TEXT NOT NULL,
    contact_type TEXT NOT NULL,
    level TEXT,
    archived INTEGER NOT NULL,
    trashed_at_ms INTEGER,
    -- The newest time among the document's heads (the writers' clocks), ms since the epoch.
    changed_ms INTEGER NOT NULL,
    -- The owner, once the server told (NULL for a contact made here and not yet synced).
    owner TEXT
);

-- At most one row: the rules every row of `projections` was made with. A client whose
-- `sync_core::search::INDEX_VERSION` or account region differs makes every projection again
-- (and writes this row) before it searches; until then rows made by either rule may mix.
CREATE TABLE projection_rules (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    index_version INTEGER NOT NULL,
    region TEXT NOT NULL
);

-- The company's members as `GET /v1/members` last answered at a sync.
CREATE TABLE members (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    active INTEGER NOT NULL
);
