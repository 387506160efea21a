-- Each search term carries its contact's sort name, so the contacts a search word finds come
-- out of the terms' index already in name order: a page in name order joins only its own
-- rows to the contacts, however many contacts the word finds. Kept equal to
-- `contact_search.sort_name` by every commit (store::sql::projection).
ALTER TABLE search_terms ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';

UPDATE search_terms SET sort_name = coalesce(
    (SELECT s.sort_name FROM contact_search s
     WHERE s.tenant_id = search_terms.tenant_id AND s.doc_id = search_terms.doc_id),
    '');

CREATE INDEX search_terms_sorted ON search_terms (tenant_id, term, sort_name, doc_id);
