-- Accounts: tenants, their members and groups, devices, refresh tokens and signing keys.
--
-- Ids are UUIDs stored as 16-byte blobs; timestamps are seconds since the Unix epoch (UTC).
-- Every index starts with tenant_id, so a tenant's rows sit together (and shard cleanly on
-- Postgres); the exceptions are lookups that happen before the tenant is known, each marked.

CREATE TABLE tenants (
    id          BLOB    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- Default region for phone numbers (ISO 3166 alpha-2).
    region      TEXT    NOT NULL,
    -- The latest feed seq, advanced inside each committing transaction.
    last_seq    INTEGER NOT NULL DEFAULT 0,
    -- Feed rows up to here were dropped; a device with an older cursor resynchronises.
    feed_floor  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

CREATE TABLE members (
    tenant_id      BLOB    NOT NULL REFERENCES tenants (id),
    id             BLOB    NOT NULL,
    email          TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    password_hash  TEXT    NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (tenant_id, id)
) STRICT;

-- Not led by tenant_id: logging in finds the tenant from the email, which is unique server-wide.
CREATE UNIQUE INDEX members_email ON members (email);

CREATE TABLE groups (
    tenant_id   BLOB    NOT NULL REFERENCES tenants (id),
    id          BLOB    NOT NULL,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
) STRICT;

CREATE TABLE group_members (
    tenant_id  BLOB NOT NULL,
    group_id   BLOB NOT NULL,
    member_id  BLOB NOT NULL,
    PRIMARY KEY (tenant_id, group_id, member_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX group_members_member ON group_members (tenant_id, member_id);

CREATE TABLE devices (
    tenant_id   BLOB    NOT NULL,
    id          BLOB    NOT NULL,
    member_id   BLOB    NOT NULL,
    name        TEXT    NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL DEFAULT (unixepoch()),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
) STRICT;

CREATE INDEX devices_member ON devices (tenant_id, member_id);

-- Only the SHA-256 of each token is kept. Spent tokens stay until they expire, so a replay
-- is recognised as theft rather than as an unknown token.
CREATE TABLE refresh_tokens (
    -- Not led by tenant_id: a refresh presents only the token.
    hash        BLOB    NOT NULL PRIMARY KEY,
    tenant_id   BLOB    NOT NULL,
    member_id   BLOB    NOT NULL,
    device_id   BLOB    NOT NULL,
    -- Seconds since the Unix epoch (UTC).
    expires_at  INTEGER NOT NULL,
    spent       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL DEFAULT (unixepoch()),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
) STRICT;

CREATE INDEX refresh_tokens_device ON refresh_tokens (tenant_id, device_id);

-- Server-wide: every node signs and checks access tokens with these.
CREATE TABLE signing_keys (
    kid         TEXT    NOT NULL PRIMARY KEY,
    secret      BLOB    NOT NULL,
    -- At most one key signs new tokens; older ones still verify until retired.
    current     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL DEFAULT (unixepoch())
) STRICT;

CREATE UNIQUE INDEX signing_keys_current ON signing_keys (current) WHERE current;
