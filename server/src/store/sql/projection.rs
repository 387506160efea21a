//! What lists and searches read about a contact, written beside its document at every commit
//! (`contact_search`, `search_terms`, `contact_tags`): the name shown and sorted by, its type,
//! level and lifecycle, when it last changed, its tags, and its search terms
//! (`sync_core::search`, the same rules a device searches its own replica with).
//!
//! Working out a contact's terms costs tens of microseconds (phone numbers are parsed and
//! formatted), and most edits (notes, activity, a title) change none of them. So the stored
//! terms start with a fingerprint of everything they are made from; a commit whose contact
//! has the same fingerprint keeps the stored terms and rewrites no `search_terms` row.

use std::hash::{Hash, Hasher};

use sync_core::contact::Contact;
use sync_core::search;

/// Forget one search term of a contact: `$1` tenant, `$2` term, `$3` contact. (A contact's
/// terms are forgotten one by one, as its `terms` column lists them: SQLite keeps its term
/// rows in one tree, in term order, with no way to find a contact's but by their terms.)
pub(crate) const DELETE_TERM: &str =
    "DELETE FROM search_terms WHERE tenant_id = $1 AND term = $2 AND doc_id = $3";

/// Record one search term: `$1` tenant, `$2` term, `$3` contact, with the contact's sort name
/// as its `contact_search` row holds it (written first, in the same transaction).
pub(crate) const INSERT_TERM: &str = "INSERT INTO search_terms (tenant_id, term, doc_id, sort_name) \
     SELECT $1, $2, $3, sort_name FROM contact_search WHERE tenant_id = $1 AND doc_id = $3 \
     ON CONFLICT DO NOTHING";

/// Forget a contact's tags: `$1` tenant, `$2` contact.
pub(crate) const DELETE_TAGS: &str =
    "DELETE FROM contact_tags WHERE tenant_id = $1 AND doc_id = $2";

/// Forget one tag of a contact: `$1` tenant, `$2` tag, `$3` contact.
pub(crate) const DELETE_TAG: &str =
    "DELETE FROM contact_tags WHERE tenant_id = $1 AND tag = $2 AND doc_id = $3";

/// Record one tag: `$1` tenant, `$2` tag, `$3` contact.
pub(crate) const INSERT_TAG: &str = "INSERT INTO contact_tags (tenant_id, tag, doc_id) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// Write a contact's list and search columns: `$1` tenant, `$2` contact, then the fields of a
/// [`Projection`] in its order (`display_name` … `terms`).
pub(crate) const UPSERT: &str = "INSERT INTO contact_search \
     (tenant_id, doc_id, display_name, emails, phones, companies, tags, sort_name, \
     contact_type, level, archived, trashed_at_ms, changed_ms, terms, handles) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
     ON CONFLICT (tenant_id, doc_id) DO UPDATE SET \
     display_name = excluded.display_name, emails = excluded.emails, \
     phones = excluded.phones, companies = excluded.companies, tags = excluded.tags, \
     sort_name = excluded.sort_name, contact_type = excluded.contact_type, \
     level = excluded.level, archived = excluded.archived, \
     trashed_at_ms = excluded.trashed_at_ms, changed_ms = excluded.changed_ms, \
     terms = excluded.terms, handles = excluded.handles";

/// Record one principal who may see a contact: `$1` tenant, `$2` contact, `$3` principal.
pub(crate) const INSERT_ACCESS: &str = "INSERT INTO contact_access (tenant_id, doc_id, principal) \
     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// The `terms` column of `contact` in a company whose phone region is `region`: its
/// fingerprint, then its search terms, one a line.
pub(crate) fn terms_of(contact: &Contact, region: &str) -> String {
    terms_column(fingerprint(contact, region), contact, region)
}

fn terms_column(fingerprint: String, contact: &Contact, region: &str) -> String {
    let mut text = fingerprint;
    for term in search::index_terms(contact, region) {
        text.push('\n');
        text.push_str(&term);
    }
    text
}

/// A contact's list and search columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Projection {
    /// The name shown in lists.
    pub display_name: String,
    /// Email addresses, one a line (duplicate detection reads them).
    pub emails: String,
    /// Phone numbers in E.164, one a line (duplicate detection reads them).
    pub phones: String,
    /// Company names, one a line.
    pub companies: String,
    /// Tags, one a line, sorted.
    pub tags: String,
    /// What lists sort by name with (`search::sort_key`).
    pub sort_name: String,
    /// `lead`, `prospect`, `customer`, `partner`, `other` (or a newer client's value).
    pub contact_type: String,
    /// `primary`, `secondary`, `tertiary`, or none.
    pub level: Option<String>,
    /// Hidden from the default list.
    pub archived: bool,
    /// When it went to the trash (ms since the Unix epoch), if it is there.
    pub trashed_at_ms: Option<i64>,
    /// When it last changed (ms since the Unix epoch, the server's clock at commit).
    pub changed_ms: i64,
    /// The fingerprint line, then one search term a line.
    pub terms: String,
    /// Messaging handles as `network:handle`, lowercase, one a line (duplicate detection
    /// reads them).
    pub handles: String,
}

impl Projection {
    /// The projection of `contact` in a company whose phone region is `region`, committed at
    /// `changed_ms`. `stored_terms` is the `terms` column as stored, reused when its
    /// fingerprint still matches.
    pub(crate) fn of(
        contact: &Contact,
        region: &str,
        changed_ms: i64,
        stored_terms: Option<&str>,
    ) -> Self {
        let lines = |values: Vec<&str>| values.join("\n");
        let fingerprint = fingerprint(contact, region);
        let terms = match stored_terms {
            Some(stored) if stored.lines().next() == Some(fingerprint.as_str()) => {
                stored.to_string()
            }
            _ => terms_column(fingerprint, contact, region),
        };
        Self {
            display_name: contact.display_name(),
            emails: lines(contact.emails.iter().map(|e| e.address.as_str()).collect()),
            phones: lines(contact.phones.iter().map(|p| p.e164.as_str()).collect()),
            companies: lines(
                contact
                    .organizations
                    .iter()
                    .map(|o| o.company.as_str())
                    .filter(|company| !company.is_empty())
                    .collect(),
            ),
            tags: lines(contact.tag_list()),
            sort_name: search::sort_key(contact),
            contact_type: contact.contact_type.as_str().to_string(),
            level: contact
                .level
                .as_ref()
                .map(|level| level.as_str().to_string()),
            archived: contact.lifecycle.archived,
            trashed_at_ms: contact.lifecycle.trashed_at_ms,
            changed_ms,
            terms,
            handles: lines(handle_keys(contact).iter().map(String::as_str).collect()),
        }
    }

    /// The search terms, without the fingerprint line.
    pub(crate) fn term_list(&self) -> impl Iterator<Item = &str> {
        term_lines(&self.terms)
    }

    /// The tags, one each.
    pub(crate) fn tag_list(&self) -> impl Iterator<Item = &str> {
        tag_lines(&self.tags)
    }
}

/// How a contact's rows of one kind (search terms, tags) change from those `stored` (a column
/// as stored, `None` when there is no row yet) to `now`: the values to delete and to insert.
/// Most edits change a word or two of a contact's fifty terms, and rewriting them all would
/// cost a commit fifty deletes and fifty inserts where two of each do.
pub(crate) fn row_changes<'a>(
    stored: Option<impl Iterator<Item = &'a str>>,
    now: impl Iterator<Item = &'a str>,
) -> (Vec<&'a str>, Vec<&'a str>) {
    let before: std::collections::BTreeSet<&str> = stored.into_iter().flatten().collect();
    let after: std::collections::BTreeSet<&str> = now.collect();
    (
        before.difference(&after).copied().collect(),
        after.difference(&before).copied().collect(),
    )
}

/// A contact's messaging handles as duplicate detection compares them: `network:handle`,
/// trimmed and lowercase (an import's rows are keyed the same way).
pub(crate) fn handle_keys(contact: &Contact) -> Vec<String> {
    contact
        .social
        .iter()
        .filter(|social| !social.handle.trim().is_empty())
        .map(|social| {
            format!(
                "{}:{}",
                social.network.as_str().to_lowercase(),
                social.handle.trim().to_lowercase()
            )
        })
        .collect()
}

/// The lines of a stored `tags` column.
pub(crate) fn tag_lines(tags: &str) -> impl Iterator<Item = &str> {
    tags.lines().filter(|tag| !tag.is_empty())
}

/// The fingerprint line of a stored `terms` column.
pub(crate) fn fingerprint_line(terms: &str) -> &str {
    terms.lines().next().unwrap_or_default()
}

/// The terms of a stored `terms` column, without its fingerprint line.
pub(crate) fn term_lines(terms: &str) -> impl Iterator<Item = &str> {
    terms.lines().skip(1).filter(|term| !term.is_empty())
}

/// A line naming everything a contact's terms are made from: the index's version, the
/// region, and the fields `search::index_terms` reads.
fn fingerprint(contact: &Contact, region: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    search::INDEX_VERSION.hash(&mut hasher);
    region.hash(&mut hasher);
    let name = &contact.name;
    for part in [
        &name.prefix,
        &name.given,
        &name.middle,
        &name.family,
        &name.suffix,
        &name.phonetic_given,
        &name.phonetic_family,
        &name.nickname,
    ] {
        part.hash(&mut hasher);
    }
    for phone in &contact.phones {
        (&phone.e164, &phone.raw).hash(&mut hasher);
    }
    for email in &contact.emails {
        email.address.hash(&mut hasher);
    }
    for organization in &contact.organizations {
        (&organization.company, &organization.department).hash(&mut hasher);
    }
    for tag in contact.tag_list() {
        tag.hash(&mut hasher);
    }
    format!("#{}:{:016x}", search::INDEX_VERSION, hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(given: &str) -> Contact {
        let mut contact = Contact::default();
        contact.name.given = given.into();
        contact.name.family = "Tanaka".into();
        contact
    }

    #[test]
    fn terms_are_reused_while_nothing_they_come_from_changed() {
        let before = Projection::of(&named("Aiko"), "JP", 1, None);
        assert!(before.term_list().any(|term| term == "aiko"));
        let mut edited = named("Aiko");
        edited.notes = "called about the order".into();
        // Stored terms that could not come from this contact: reused, so the fingerprint alone
        // decided.
        let stored = format!("{}\nsentinel", before.terms.lines().next().unwrap());
        let after = Projection::of(&edited, "JP", 2, Some(&stored));
        assert_eq!(after.term_list().collect::<Vec<_>>(), ["sentinel"]);
        let renamed = Projection::of(&named("Hiro"), "JP", 3, Some(&stored));
        assert!(renamed.term_list().any(|term| term == "hiro"));
        assert!(!renamed.term_list().any(|term| term == "sentinel"));
    }
}
