-- Bulk imports (issue 18): an uploaded file (or a mailbox's correspondents) read into contacts
-- as a job that survives a restart, and the rows that could not be imported, for the error
-- file. The file itself lives in the server's import folder (`ROLO_IMPORT_DIR`), named by id.

CREATE TABLE imports (
    tenant_id    UUID    NOT NULL REFERENCES tenants (id),
    id           UUID    NOT NULL,
    -- Who uploaded it: the contacts are theirs, duplicates are looked for among what they see.
    member_id    UUID    NOT NULL,
    file_name    TEXT    NOT NULL,
    -- csv | xlsx | xls | txt | vcard | mailbox, as detected or chosen.
    format       TEXT    NOT NULL,
    -- The WHATWG name of the text encoding (UTF-8 for workbooks and vCards).
    encoding     TEXT    NOT NULL,
    -- The layout recognised (rolo, google, outlook, linkedin, hubspot, vcard, unknown).
    layout       TEXT    NOT NULL,
    -- The headers, a JSON list of strings.
    columns      TEXT    NOT NULL,
    -- Column -> field, JSON (interchange's Mapping).
    mapping      TEXT    NOT NULL,
    -- duplicates, tags, visibility, selected lines, region: JSON.
    options      TEXT    NOT NULL,
    -- preview | running | done | failed | cancelled.
    state        TEXT    NOT NULL,
    -- Records in the file, and how each one handled so far ended.
    total        BIGINT  NOT NULL DEFAULT 0,
    done         BIGINT  NOT NULL DEFAULT 0,
    imported     BIGINT  NOT NULL DEFAULT 0,
    merged       BIGINT  NOT NULL DEFAULT 0,
    replaced     BIGINT  NOT NULL DEFAULT 0,
    skipped      BIGINT  NOT NULL DEFAULT 0,
    failed       BIGINT  NOT NULL DEFAULT 0,
    -- Records read and settled, in file order: a resumed job skips this many.
    position     BIGINT  NOT NULL DEFAULT 0,
    -- When it started (ms): the time written into every change it makes, so a batch made
    -- again after a restart is byte for byte the one already committed.
    started_ms   BIGINT,
    -- Why the whole import failed (an unreadable file), when it did.
    error        TEXT,
    created_ms   BIGINT  NOT NULL,
    updated_ms   BIGINT  NOT NULL,
    finished_ms  BIGINT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
);

CREATE INDEX imports_member ON imports (tenant_id, member_id, created_ms);

-- The rows that could not be imported, with why: the error file is the uploaded file's
-- records at these lines, with the message in an added column.
CREATE TABLE import_failures (
    tenant_id  UUID    NOT NULL,
    import_id  UUID    NOT NULL,
    -- The record's line (row, card number) as the reader numbers it.
    line       BIGINT  NOT NULL,
    message    TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, import_id, line),
    FOREIGN KEY (tenant_id, import_id) REFERENCES imports (tenant_id, id) ON DELETE CASCADE
);
