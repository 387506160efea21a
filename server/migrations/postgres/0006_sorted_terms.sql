-- Each search term carries its contact's sort name, so the contacts a search word finds come
-- out of the terms' index already in name order: a page in name order joins only its own
-- rows to the contacts, however many contacts the word finds (a family name shared by 8,000
-- contacts of 100,000 took 250-900 ms when the whole name order was walked for it, ~15 ms
-- this way). Kept equal to `contact_search.sort_name` by every commit (store::sql::projection).
ALTER TABLE search_terms ADD COLUMN sort_name TEXT COLLATE "C" NOT NULL DEFAULT '';

UPDATE search_terms t SET sort_name = s.sort_name
    FROM contact_search s
    WHERE s.tenant_id = t.tenant_id AND s.doc_id = t.doc_id;

CREATE INDEX search_terms_sorted ON search_terms (tenant_id, term, sort_name, doc_id);
