-- Teams: org units, who may see each contact in a form SQL can filter by, and the projection
-- lists and searches read (lifecycle, type, level, sort keys, search terms, tags).

-- Bumped by every change of who is in which group or unit, or active, in the transaction
-- that makes it: a node holding members' access (their groups and units) knows it is stale
-- when the tenant's generation moved (it is read with the tenant's head).
ALTER TABLE tenants ADD COLUMN access_gen BIGINT NOT NULL DEFAULT 0;

-- Departments, a tree: sharing a contact with a unit shares it with the unit's members and
-- the members of every unit below it.
CREATE TABLE units (
    tenant_id   UUID        NOT NULL REFERENCES tenants (id),
    id          UUID        NOT NULL,
    name        TEXT        NOT NULL,
    parent_id   UUID,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES units (tenant_id, id)
);

CREATE INDEX units_parent ON units (tenant_id, parent_id);

CREATE TABLE unit_members (
    tenant_id  UUID NOT NULL,
    unit_id    UUID NOT NULL,
    member_id  UUID NOT NULL,
    PRIMARY KEY (tenant_id, unit_id, member_id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);

CREATE INDEX unit_members_member ON unit_members (tenant_id, member_id);

-- documents.owner and documents.visibility as rows: one per principal who may see the
-- contact (its owner, each member, group and unit listed; the nil UUID for everyone), so a
-- list or search keeps to what the caller may see inside SQL.
CREATE TABLE contact_access (
    tenant_id  UUID NOT NULL,
    doc_id     UUID NOT NULL,
    principal  UUID NOT NULL,
    PRIMARY KEY (tenant_id, doc_id, principal),
    FOREIGN KEY (tenant_id, doc_id) REFERENCES documents (tenant_id, id)
);

CREATE INDEX contact_access_principal ON contact_access (tenant_id, principal, doc_id);

-- What lists filter and sort by, filled from the hydrated contact at each commit.
ALTER TABLE contact_search ADD COLUMN sort_name TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE contact_search ADD COLUMN contact_type TEXT NOT NULL DEFAULT 'lead';
ALTER TABLE contact_search ADD COLUMN level TEXT;
ALTER TABLE contact_search ADD COLUMN archived BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE contact_search ADD COLUMN trashed_at_ms BIGINT;
-- When the contact last changed (ms since the Unix epoch, the server's clock at commit).
ALTER TABLE contact_search ADD COLUMN changed_ms BIGINT NOT NULL DEFAULT 0;
-- The search terms as of the last commit, one a line: a commit rewrites `search_terms` only
-- when they change, which most edits (notes, activity) do not.
ALTER TABLE contact_search ADD COLUMN terms TEXT NOT NULL DEFAULT '';

CREATE INDEX contact_search_sort ON contact_search (tenant_id, sort_name, doc_id);
-- The default list (neither archived nor trashed) and the archive shelf, in name order: a
-- shelf walks its own index instead of skipping the other shelves' contacts (an empty
-- archive of 100,000 contacts took 450 ms on SQLite through the index above).
CREATE INDEX contact_search_active ON contact_search (tenant_id, sort_name, doc_id)
    WHERE NOT archived AND trashed_at_ms IS NULL;
CREATE INDEX contact_search_archived ON contact_search (tenant_id, sort_name, doc_id)
    WHERE archived AND trashed_at_ms IS NULL;
CREATE INDEX contact_search_changed ON contact_search (tenant_id, changed_ms, doc_id);
CREATE INDEX contact_search_trashed ON contact_search (tenant_id, trashed_at_ms)
    WHERE trashed_at_ms IS NOT NULL;

-- Every term of every contact (sync_core::search), searched by prefix as a range: the C
-- collation orders by code point, so the terms starting with a prefix sit together.
CREATE TABLE search_terms (
    tenant_id  UUID                NOT NULL,
    term       TEXT COLLATE "C"    NOT NULL,
    doc_id     UUID                NOT NULL,
    PRIMARY KEY (tenant_id, term, doc_id)
);

CREATE INDEX search_terms_doc ON search_terms (tenant_id, doc_id);

-- Each contact's tags, for listing by tag and counting tags across the company.
CREATE TABLE contact_tags (
    tenant_id  UUID NOT NULL,
    tag        TEXT NOT NULL,
    doc_id     UUID NOT NULL,
    PRIMARY KEY (tenant_id, tag, doc_id)
);

CREATE INDEX contact_tags_doc ON contact_tags (tenant_id, doc_id);

-- The rows above for contacts stored before this migration: filled in from their documents
-- at start-up (store::sql::projection).
INSERT INTO pending_backfills (name) VALUES ('contact_projection');
