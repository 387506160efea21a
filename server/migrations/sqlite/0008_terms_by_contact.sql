-- Search terms kept in contact order, with one index in term order beside them.
--
-- The table was ordered by term, with two indexes: by contact (to forget a contact's terms)
-- and by term and sort name (searches in name order). Every term written went into three
-- trees, two of them ordered by term, where a bulk import's new rows land on nearly every
-- page. Ordered by contact, the table itself answers "this contact's terms" (deletes,
-- re-sorts, a search word checked on a candidate) and new contacts append to it; searches by
-- prefix go through `search_terms_sorted`, which holds every column they read.
CREATE TABLE search_terms_by_contact (
    tenant_id  BLOB NOT NULL,
    doc_id     BLOB NOT NULL,
    term       TEXT NOT NULL,
    sort_name  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, doc_id, term)
) STRICT, WITHOUT ROWID;

INSERT INTO search_terms_by_contact (tenant_id, doc_id, term, sort_name)
    SELECT tenant_id, doc_id, term, sort_name FROM search_terms;

DROP TABLE search_terms;
ALTER TABLE search_terms_by_contact RENAME TO search_terms;

CREATE INDEX search_terms_sorted ON search_terms (tenant_id, term, sort_name, doc_id);
