-- The device's replica: who it is, its documents, its outbox and where it stands in the feed.
-- Never edit this file once landed; add a new numbered migration instead.

-- Exactly one row: this device's identity and progress.
CREATE TABLE device (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- The Automerge actor id: 16 random bytes drawn once when the database is created, so
    -- every change this replica ever writes has the same, unique author.
    actor BLOB NOT NULL,
    -- The `to` of the last feed page applied.
    cursor INTEGER NOT NULL DEFAULT 0,
    -- When the device was last caught up with the server (ms since the Unix epoch, UTC).
    last_sync_ms INTEGER,
    -- Bumped by every transaction that changes the replica's content (documents, outbox,
    -- cursor, account), so another process sharing the file knows to reload. Writes that do
    -- not (the last-sync time, rotated tokens) leave it alone and cause no reload.
    generation INTEGER NOT NULL DEFAULT 0
);

-- At most one row: the signed-in account. Absent until `login`; edits work without it.
CREATE TABLE account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    server TEXT NOT NULL,
    tenant TEXT NOT NULL,
    member TEXT NOT NULL,
    device TEXT NOT NULL,
    access_token TEXT NOT NULL,
    -- Rotated on every use: the row is rewritten in one statement with the new access token.
    refresh_token TEXT NOT NULL,
    access_expires_ms INTEGER NOT NULL,
    -- While set and in the future, one process is refreshing the tokens; others wait for it
    -- instead of spending the same single-use refresh token (which the server would refuse).
    refresh_lease_ms INTEGER,
    -- ISO 3166-1 country that national phone numbers typed on this device are dialled in.
    default_region TEXT
);

-- Each document is stored as chunks (a whole save, then appended changes) that load, when
-- concatenated in `chunk` order, as the document: an edit writes only its own change.
CREATE TABLE doc_chunks (
    chunk INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX doc_chunks_by_doc ON doc_chunks (doc, chunk);

-- Owner and visibility of each contact, as the server last told (MessagePack `DocMeta`).
CREATE TABLE metas (
    doc TEXT PRIMARY KEY,
    meta BLOB NOT NULL
);

-- Local changes the server has not acknowledged, pushed in `id` order.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    doc TEXT NOT NULL,
    change BLOB NOT NULL
);

-- Contacts whose local changes the server refused, to tell the user.
CREATE TABLE rejections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
