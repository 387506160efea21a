-- Accounts: tenants, their members and groups, devices, refresh tokens and signing keys.
--
-- Every index starts with tenant_id, so a tenant's rows sit together and the tables shard
-- cleanly by tenant (Citus); the exceptions are lookups that happen before the tenant is
-- known, each marked.

CREATE TABLE tenants (
    id          UUID        NOT NULL PRIMARY KEY,
    name        TEXT        NOT NULL,
    -- Default region for phone numbers (ISO 3166 alpha-2).
    region      TEXT        NOT NULL,
    -- The latest feed seq. Committing transactions lock this row (SELECT … FOR UPDATE) to
    -- allocate seqs, so commit order equals seq order on every node.
    last_seq    BIGINT      NOT NULL DEFAULT 0,
    -- Feed rows up to here were dropped; a device with an older cursor resynchronises.
    feed_floor  BIGINT      NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE members (
    tenant_id      UUID        NOT NULL REFERENCES tenants (id),
    id             UUID        NOT NULL,
    email          TEXT        NOT NULL,
    name           TEXT        NOT NULL,
    role           TEXT        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    password_hash  TEXT        NOT NULL,
    active         BOOLEAN     NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

-- Not led by tenant_id: logging in finds the tenant from the email, which is unique server-wide.
CREATE UNIQUE INDEX members_email ON members (email);

CREATE TABLE groups (
    tenant_id   UUID        NOT NULL REFERENCES tenants (id),
    id          UUID        NOT NULL,
    name        TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE group_members (
    tenant_id  UUID NOT NULL,
    group_id   UUID NOT NULL,
    member_id  UUID NOT NULL,
    PRIMARY KEY (tenant_id, group_id, member_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);

CREATE INDEX group_members_member ON group_members (tenant_id, member_id);

CREATE TABLE devices (
    tenant_id   UUID        NOT NULL,
    id          UUID        NOT NULL,
    member_id   UUID        NOT NULL,
    name        TEXT        NOT NULL,
    revoked     BOOLEAN     NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);

CREATE INDEX devices_member ON devices (tenant_id, member_id);

-- Only the SHA-256 of each token is kept. Spent tokens stay until they expire, so a replay
-- is recognised as theft rather than as an unknown token.
CREATE TABLE refresh_tokens (
    -- Not led by tenant_id: a refresh presents only the token.
    hash        BYTEA       NOT NULL PRIMARY KEY,
    tenant_id   UUID        NOT NULL,
    member_id   UUID        NOT NULL,
    device_id   UUID        NOT NULL,
    -- Seconds since the Unix epoch (UTC), as the Store trait speaks them, so both stores
    -- accept the same range.
    expires_at  BIGINT      NOT NULL,
    spent       BOOLEAN     NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
);

CREATE INDEX refresh_tokens_device ON refresh_tokens (tenant_id, device_id);

-- Server-wide: every node signs and checks access tokens with these.
CREATE TABLE signing_keys (
    kid         TEXT        NOT NULL PRIMARY KEY,
    secret      BYTEA       NOT NULL,
    -- At most one key signs new tokens; older ones still verify until retired.
    current     BOOLEAN     NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX signing_keys_current ON signing_keys (current) WHERE current;
