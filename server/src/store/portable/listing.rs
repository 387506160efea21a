//! Lists and searches of contacts (portable statements, see `store`): the projection each
//! commit writes (`contact_search`, `search_terms`, `contact_tags`), kept to what the caller
//! may see by the contacts' access rows, all inside one statement so a page is one query.
//!
//! The statement is put together from the filters asked for, with a placeholder for every
//! value (never a value in the text): a query word is a range of terms (`term >= w AND
//! term < w + U+10FFFF`, which both backends' binary orders of text answer from the index),
//! and the caller's principals (everyone, themselves, their groups, their units with the
//! ancestors) are listed one placeholder each.

use std::sync::Arc;

use sync_core::access::Viewer;
use sync_core::ids::{ContactId, MemberId, TenantId};
use uuid::Uuid;

use super::{Backend, DRIVING_TERMS};
use crate::store::listing::{
    ContactPage, ContactQuery, ContactSummary, Cursor, LoadedContact, Order, Shelf, TagCount,
};
use crate::store::sql::cache::DocSource;
use crate::store::sql::codec::{self, uuid};
use crate::store::{StoreError, sql};

/// Most contacts one page holds, whatever the caller asks.
pub(crate) const MAX_PAGE: usize = 500;

/// A value for a placeholder.
enum Param {
    Id(Uuid),
    Text(String),
    Number(i64),
}

/// A statement being put together, with its values in placeholder order.
struct Statement {
    sql: String,
    params: Vec<Param>,
}

impl Statement {
    fn new(tenant: TenantId) -> Self {
        Self {
            sql: String::new(),
            params: vec![Param::Id(uuid(tenant.as_bytes()))],
        }
    }

    /// A placeholder for `param`, as `$N`.
    fn param(&mut self, param: Param) -> String {
        self.params.push(param);
        format!("${}", self.params.len())
    }

    fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }
}

/// Who `viewer` is as access rows name principals: everyone (the nil UUID), themselves, their
/// groups and their units (with the ancestors). A deactivated member is no one.
fn principals(viewer: &Viewer) -> Vec<Uuid> {
    if !viewer.active {
        return Vec::new();
    }
    let mut principals = vec![Uuid::nil(), uuid(viewer.member.as_bytes())];
    principals.extend(viewer.groups.iter().map(|group| uuid(group.as_bytes())));
    principals.extend(viewer.units.iter().map(|unit| uuid(unit.as_bytes())));
    principals
}

/// `AND EXISTS (an access row of the contact naming one of the viewer's principals)`.
fn visible_to(statement: &mut Statement, viewer: &Viewer, doc_column: &str) {
    let placeholders: Vec<String> = principals(viewer)
        .into_iter()
        .map(|principal| statement.param(Param::Id(principal)))
        .collect();
    statement.push(&format!(
        " AND EXISTS (SELECT 1 FROM contact_access a WHERE a.tenant_id = $1 \
         AND a.doc_id = {doc_column} AND a.principal IN ({}))",
        placeholders.join(", ")
    ));
}

/// The first string after every string starting with `prefix`, in code point order.
fn past_prefix(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}


fn lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) async fn list_contacts(
    store: &Backend,
    tenant: TenantId,
    viewer: &Viewer,
    query: &ContactQuery,
) -> Result<ContactPage, StoreError> {
    if !viewer.active {
        return Ok(ContactPage {
            contacts: Vec::new(),
            next: None,
        });
    }
    let limit = query.limit.clamp(1, MAX_PAGE);
    let bound = match query.order {
        Order::Name => SORTED_DRIVING_TERMS,
        Order::Changed => DRIVING_TERMS,
    };
    let driving = driving_word(store, tenant, &query.words, bound).await?;
    let mut rows = match (query.order, driving) {
        (Order::Name, Some((word, terms))) => {
            // The driving word's first candidates in name order, as many as a page usually
            // needs; more when the filters turned too many away, until they are all read.
            let mut candidates = 4 * (limit as i64 + 1);
            loop {
                let page = Page {
                    limit,
                    driving: Some(Driving::Sorted { word, candidates }),
                };
                let rows = fetch_page(store, tenant, viewer, query, page).await?;
                if rows.len() > limit || candidates >= terms {
                    break rows;
                }
                candidates *= 8;
            }
        }
        (_, driving) => {
            let page = Page {
                limit,
                driving: driving.map(|(word, _)| Driving::Listed { word }),
            };
            fetch_page(store, tenant, viewer, query, page).await?
        }
    };
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = match (more, rows.last()) {
        (true, Some(last)) => Some(match query.order {
            Order::Name => Cursor::Name(last.11.clone(), contact(last.0)),
            Order::Changed => Cursor::Changed(last.10, contact(last.0)),
        }),
        _ => None,
    };
    let contacts = rows
        .into_iter()
        .map(
            |(
                id,
                display_name,
                emails,
                phones,
                companies,
                tags,
                contact_type,
                level,
                archived,
                trashed_at_ms,
                changed_ms,
                _,
                owner,
            )| ContactSummary {
                id: contact(id),
                display_name,
                owner: MemberId::from_bytes(owner.into_bytes()),
                companies: lines(&companies),
                emails: lines(&emails),
                phones: lines(&phones),
                tags: lines(&tags),
                contact_type,
                level,
                archived,
                trashed_at_ms,
                changed_ms,
            },
        )
        .collect();
    Ok(ContactPage { contacts, next })
}

/// How a page is read: how many rows it holds (one more is asked for, to know whether a next
/// page exists) and which query word, if any, drives it.
struct Page {
    limit: usize,
    driving: Option<Driving>,
}

/// How the query word with the fewest terms (`word`, its index) finds a page's contacts.
enum Driving {
    /// In name order: its first `candidates` contacts, straight from the terms' index in name
    /// order (each term carries its contact's sort name), joined to the contacts one by one
    /// in that order, so that a page costs its own rows however many contacts the word finds.
    /// The candidates come first in the join (`CROSS JOIN` fixes SQLite's join order;
    /// Postgres plans it as an inner join) and are few, so sorting them again costs nothing.
    Sorted { word: usize, candidates: i64 },
    /// In order of change: its contacts as one list, sorted after the filters.
    Listed { word: usize },
}

type Row = (
    Uuid,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    bool,
    Option<i64>,
    i64,
    String,
    Uuid,
);

/// The rows of one page (one more than `page.limit` when a next page exists), in one statement.
async fn fetch_page(
    store: &Backend,
    tenant: TenantId,
    viewer: &Viewer,
    query: &ContactQuery,
    page: Page,
) -> Result<Vec<Row>, StoreError> {
    let mut statement = Statement::new(tenant);
    statement.push(
        "SELECT s.doc_id, s.display_name, s.emails, s.phones, s.companies, s.tags, \
         s.contact_type, s.level, s.archived, s.trashed_at_ms, s.changed_ms, s.sort_name, \
         d.owner FROM ",
    );
    let sorted_by = match page.driving {
        Some(Driving::Sorted { word, candidates }) => {
            let text = &query.words[word];
            let low = statement.param(Param::Text(text.clone()));
            let high = statement.param(Param::Text(past_prefix(text)));
            statement.push(&format!(
                "(SELECT DISTINCT t.sort_name, t.doc_id FROM search_terms t \
                 WHERE t.tenant_id = $1 AND t.term >= {low} AND t.term < {high}"
            ));
            if let Some(Cursor::Name(name, after)) = &query.after {
                let name = statement.param(Param::Text(name.clone()));
                let after = statement.param(Param::Id(uuid(after.as_bytes())));
                statement.push(&format!(" AND (t.sort_name, t.doc_id) > ({name}, {after})"));
            }
            let candidates = statement.param(Param::Number(candidates));
            statement.push(&format!(
                " ORDER BY t.sort_name, t.doc_id LIMIT {candidates}) c \
                 CROSS JOIN contact_search s CROSS JOIN documents d \
                 WHERE s.tenant_id = $1 AND s.doc_id = c.doc_id \
                 AND d.tenant_id = s.tenant_id AND d.id = s.doc_id"
            ));
            Some(word)
        }
        _ => {
            statement.push(
                "contact_search s JOIN documents d ON d.tenant_id = s.tenant_id \
                 AND d.id = s.doc_id WHERE s.tenant_id = $1",
            );
            None
        }
    };
    statement.push(" AND NOT d.purged");
    statement.push(match query.shelf {
        Shelf::Active => " AND NOT s.archived AND s.trashed_at_ms IS NULL",
        Shelf::Archived => " AND s.archived AND s.trashed_at_ms IS NULL",
        Shelf::Trash => " AND s.trashed_at_ms IS NOT NULL",
        Shelf::NotTrashed => " AND s.trashed_at_ms IS NULL",
    });
    visible_to(&mut statement, viewer, "s.doc_id");
    let listed_by = match page.driving {
        Some(Driving::Listed { word }) => Some(word),
        _ => None,
    };
    for (index, word) in query.words.iter().enumerate() {
        if sorted_by == Some(index) {
            continue;
        }
        if page.driving.is_none() || listed_by == Some(index) {
            // The candidates as one list: the driving word's few, or (walking the list's
            // order) a broad word's many, read once rather than per contact.
            let low = statement.param(Param::Text(word.clone()));
            let high = statement.param(Param::Text(past_prefix(word)));
            statement.push(&format!(
                " AND s.doc_id IN (SELECT t.doc_id FROM search_terms t WHERE t.tenant_id = $1 \
                 AND t.term >= {low} AND t.term < {high})"
            ));
        } else {
            // Checked on each of the driving word's few candidates, through its own terms.
            let condition = candidate_has_word!(statement, word);
            statement.push(&condition);
        }
    }
    if let Some(tag) = &query.tag {
        let tag = statement.param(Param::Text(tag.clone()));
        statement.push(&format!(
            " AND s.doc_id IN (SELECT g.doc_id FROM contact_tags g WHERE g.tenant_id = $1 \
             AND g.tag = {tag})"
        ));
    }
    if let Some(contact_type) = &query.contact_type {
        let contact_type = statement.param(Param::Text(contact_type.clone()));
        statement.push(&format!(" AND s.contact_type = {contact_type}"));
    }
    if let Some(level) = &query.level {
        let level = statement.param(Param::Text(level.clone()));
        statement.push(&format!(" AND s.level = {level}"));
    }
    if let Some(owner) = query.owner {
        let owner = statement.param(Param::Id(uuid(owner.as_bytes())));
        statement.push(&format!(" AND d.owner = {owner}"));
    }
    match (&query.order, &query.after) {
        // Kept to in the candidates above.
        (Order::Name, Some(Cursor::Name(..))) if sorted_by.is_some() => {}
        (Order::Name, Some(Cursor::Name(name, after))) => {
            let name = statement.param(Param::Text(name.clone()));
            let after = statement.param(Param::Id(uuid(after.as_bytes())));
            statement.push(&format!(" AND (s.sort_name, s.doc_id) > ({name}, {after})"));
        }
        (Order::Changed, Some(Cursor::Changed(changed, before))) => {
            let changed = statement.param(Param::Number(*changed));
            let before = statement.param(Param::Id(uuid(before.as_bytes())));
            statement.push(&format!(
                " AND (s.changed_ms, s.doc_id) < ({changed}, {before})"
            ));
        }
        (_, None) => {}
        (_, Some(_)) => {
            return Err(StoreError::Refused {
                field: "cursor".into(),
                reason: "the cursor is from a list in another order".into(),
            });
        }
    }
    // A driving word's contacts listed in order of change are sorted here, by an expression
    // rather than the bare column, which keeps SQLite from walking the whole order index
    // instead (Postgres plans by its statistics either way).
    statement.push(match (&query.order, &page.driving) {
        (Order::Name, Some(Driving::Sorted { .. })) => " ORDER BY c.sort_name, c.doc_id",
        (Order::Name, _) => " ORDER BY s.sort_name, s.doc_id",
        (Order::Changed, None) => " ORDER BY s.changed_ms DESC, s.doc_id DESC",
        (Order::Changed, Some(_)) => " ORDER BY s.changed_ms + 0 DESC, s.doc_id DESC",
    });
    // One more than the page: whether a next page exists, without a second query.
    let extra = statement.param(Param::Number((page.limit + 1) as i64));
    statement.push(&format!(" LIMIT {extra}"));

    let mut select = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(statement.sql));
    for param in statement.params {
        select = match param {
            Param::Id(id) => select.bind(id),
            Param::Text(text) => select.bind(text),
            Param::Number(number) => select.bind(number),
        };
    }
    Ok(select.fetch_all(store.reads()).await?)
}

/// A search word matching at most this many terms drives a list in name order: its terms come
/// out of their index in name order and are sorted there, without touching the contacts (a
/// word of 12,500 terms of 100,000 contacts took ~15 ms on Postgres). Beyond it the word is
/// so common that walking the name order meets its contacts soon.
const SORTED_DRIVING_TERMS: i64 = 20_000;

/// The query word that matches the fewest terms, if it matches few enough (`bound`) to drive
/// the search: its contacts are found first and sorted, instead of walking the list in order
/// until a page is full. Each word is counted only up to the bound, through the terms' index.
async fn driving_word(
    store: &Backend,
    tenant: TenantId,
    words: &[String],
    bound: i64,
) -> Result<Option<(usize, i64)>, StoreError> {
    let mut fewest: Option<(usize, i64)> = None;
    for (index, word) in words.iter().enumerate() {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE tenant_id = $1 \
             AND term >= $2 AND term < $3 LIMIT $4) bounded",
        )
        .bind(uuid(tenant.as_bytes()))
        .bind(word)
        .bind(past_prefix(word))
        .bind(bound + 1)
        .fetch_one(store.reads())
        .await?;
        if count <= bound && fewest.is_none_or(|(_, least)| count < least) {
            fewest = Some((index, count));
        }
    }
    Ok(fewest)
}

fn contact(id: Uuid) -> ContactId {
    ContactId::from_bytes(id.into_bytes())
}

pub(super) async fn tags(
    store: &Backend,
    tenant: TenantId,
    viewer: &Viewer,
) -> Result<Vec<TagCount>, StoreError> {
    if !viewer.active {
        return Ok(Vec::new());
    }
    let mut statement = Statement::new(tenant);
    statement.push(
        "SELECT g.tag, count(*) FROM contact_tags g \
         JOIN contact_search s ON s.tenant_id = g.tenant_id AND s.doc_id = g.doc_id \
         WHERE g.tenant_id = $1 AND s.trashed_at_ms IS NULL",
    );
    visible_to(&mut statement, viewer, "g.doc_id");
    statement.push(" GROUP BY g.tag ORDER BY g.tag");
    let mut select = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(statement.sql));
    for param in statement.params {
        select = match param {
            Param::Id(id) => select.bind(id),
            Param::Text(text) => select.bind(text),
            Param::Number(number) => select.bind(number),
        };
    }
    Ok(select
        .fetch_all(store.reads())
        .await?
        .into_iter()
        .map(|(tag, count)| TagCount {
            tag,
            count: count.max(0) as u64,
        })
        .collect())
}

pub(super) async fn contacts_tagged(
    store: &Backend,
    tenant: TenantId,
    tag: &str,
) -> Result<Vec<ContactId>, StoreError> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT doc_id FROM contact_tags WHERE tenant_id = $1 AND tag = $2 ORDER BY doc_id",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(tag)
    .fetch_all(store.reads())
    .await?;
    Ok(ids.into_iter().map(contact).collect())
}

pub(super) async fn trashed_before(
    store: &Backend,
    before_ms: i64,
    limit: usize,
) -> Result<Vec<(TenantId, ContactId)>, StoreError> {
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "SELECT tenant_id, doc_id FROM contact_search \
         WHERE trashed_at_ms IS NOT NULL AND trashed_at_ms < $1 LIMIT $2",
    )
    .bind(before_ms)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(store.reads())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(tenant, doc)| (TenantId::from_bytes(tenant.into_bytes()), contact(doc)))
        .collect())
}

pub(super) async fn load_contact(
    store: &Backend,
    tenant: TenantId,
    doc: ContactId,
) -> Result<Option<LoadedContact>, StoreError> {
    let row: Option<(Uuid, Vec<u8>, i64, bool)> = sqlx::query_as(
        "SELECT owner, visibility, last_seq, purged FROM documents \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(doc.as_bytes()))
    .fetch_optional(store.reads())
    .await?;
    let Some((owner, visibility, last_seq, false)) = row else {
        return Ok(None);
    };
    let meta = codec::decode_meta(owner, &visibility)?;
    let last_seq = codec::seq_from_sql(last_seq)?;
    if let Some(cached) = store.cache.get(tenant, doc, last_seq) {
        return Ok(Some(LoadedContact { meta, doc: cached }));
    }
    let saved: Option<(Vec<u8>, i64)> = sqlx::query_as(
        "SELECT snapshot, last_seq FROM documents \
         WHERE tenant_id = $1 AND id = $2 AND NOT purged",
    )
    .bind(uuid(tenant.as_bytes()))
    .bind(uuid(doc.as_bytes()))
    .fetch_optional(store.reads())
    .await?;
    let Some((snapshot, last_seq)) = saved else {
        return Ok(None);
    };
    let last_seq = codec::seq_from_sql(last_seq)?;
    let (loaded, _) = sql::off_thread(move || DocSource::Saved(snapshot).open(doc)).await?;
    store.cache.put(tenant, doc, last_seq, Arc::clone(&loaded));
    Ok(Some(LoadedContact { meta, doc: loaded }))
}
