//! `GET /v1/contacts`: list and search the contacts the caller may see, filtered, sorted and
//! paged with an opaque cursor.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use sync_core::contact::{ContactType, Level};
use sync_core::ids::{ContactId, IdParseError, MemberId};
use sync_core::search::Query;

use super::ContactCaller;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Query as QueryString;
use crate::state::AppState;
use crate::store::listing::{ContactQuery, ContactSummary, Cursor, Order, Shelf};

/// Contacts in a page unless the caller asks for another number.
const DEFAULT_LIMIT: usize = 50;
/// Most contacts in a page.
const MAX_LIMIT: usize = 500;

/// What to list: every parameter is optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search text: name parts (any part, phonetic reading, accents and case ignored, CJK and
    /// kana), email, phone in any format, company, tag.
    pub(crate) q: Option<String>,
    /// Only this type (`lead`, `prospect`, `customer`, `partner`, `other`).
    #[serde(rename = "type")]
    pub(crate) contact_type: Option<String>,
    /// Only this level (`primary`, `secondary`, `tertiary`).
    pub(crate) level: Option<String>,
    /// Only contacts this member owns.
    pub(crate) owner: Option<String>,
    /// Only contacts with this tag.
    pub(crate) tag: Option<String>,
    /// `active` (default), `archived`, `trash`, or `all` (everything not in the trash).
    pub(crate) shelf: Option<String>,
    /// `name` (default) or `changed` (most recent first).
    pub(crate) sort: Option<String>,
    /// Contacts per page: 50 unless given, at most 500.
    pub(crate) limit: Option<usize>,
    /// Where the previous page ended: its `next_cursor`.
    pub(crate) cursor: Option<String>,
}

/// A page of contacts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactList {
    /// The contacts, in order.
    contacts: Vec<Summary>,
    /// Pass as `cursor` for the next page; null on the last one.
    next_cursor: Option<String>,
}

/// List or search contacts.
#[utoipa::path(
    get, path = "/v1/contacts", tag = "contacts",
    params(ListParams),
    responses(
        (status = 200, description = "A page of the contacts the caller may see", body = ContactList),
        (status = 400, description = "A parameter does not read (`field` names it)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    QueryString(params): QueryString<ListParams>,
) -> Result<Json<ContactList>, ApiError> {
    let region = state.store.tenant_region(caller.tenant).await?;
    let query = params.read(&region)?;
    let page = crate::contacts::list(state.store.as_ref(), &caller, &query).await?;
    Ok(Json(ContactList {
        contacts: page.contacts.into_iter().map(Summary::from).collect(),
        next_cursor: page.next.as_ref().map(cursor_text),
    }))
}

impl ListParams {
    /// The store's query; `region` reads phone numbers typed in national form.
    pub(crate) fn read(self, region: &str) -> Result<ContactQuery, ApiError> {
        let enum_error = |error: sync_core::validate::FieldError| {
            let field = error.field().to_string();
            ApiError::bad(field, error.to_string())
        };
        let words = self
            .q
            .map(|text| Query::parse(&text, region).words().to_vec())
            .unwrap_or_default();
        let contact_type = self
            .contact_type
            .map(|text| text.parse::<ContactType>().map_err(enum_error))
            .transpose()?
            .map(|value| value.as_str().to_string());
        let level = self
            .level
            .map(|text| text.parse::<Level>().map_err(enum_error))
            .transpose()?
            .map(|value| value.as_str().to_string());
        let owner = self
            .owner
            .map(|text| {
                text.trim()
                    .parse::<MemberId>()
                    .map_err(|error: IdParseError| ApiError::bad("owner", error.to_string()))
            })
            .transpose()?;
        let shelf = match self.shelf.as_deref().map(str::trim) {
            None | Some("" | "active") => Shelf::Active,
            Some("archived") => Shelf::Archived,
            Some("trash") => Shelf::Trash,
            Some("all") => Shelf::NotTrashed,
            Some(_) => {
                return Err(ApiError::bad(
                    "shelf",
                    "must be active, archived, trash or all",
                ));
            }
        };
        let order = match self.sort.as_deref().map(str::trim) {
            None | Some("" | "name") => Order::Name,
            Some("changed") => Order::Changed,
            Some(_) => return Err(ApiError::bad("sort", "must be name or changed")),
        };
        let after = self.cursor.as_deref().map(read_cursor).transpose()?;
        Ok(ContactQuery {
            words,
            contact_type,
            level,
            owner,
            tag: self.tag.filter(|tag| !tag.is_empty()),
            shelf,
            order,
            after,
            limit: self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        })
    }
}

/// A cursor as the client holds it: `n<hex of the name>.<id>` or `c<ms>.<id>`. Opaque to the
/// client and safe in a URL as it stands.
fn cursor_text(cursor: &Cursor) -> String {
    match cursor {
        Cursor::Name(name, id) => format!("n{}.{id}", hex::encode(name)),
        Cursor::Changed(ms, id) => format!("c{ms}.{id}"),
    }
}

fn read_cursor(text: &str) -> Result<Cursor, ApiError> {
    let bad = || ApiError::bad("cursor", "is not a cursor this list gave");
    let (head, id) = text.rsplit_once('.').ok_or_else(bad)?;
    let id: ContactId = id.parse().map_err(|_| bad())?;
    match head.split_at_checked(1) {
        Some(("n", name)) => {
            let name =
                String::from_utf8(hex::decode(name).map_err(|_| bad())?).map_err(|_| bad())?;
            Ok(Cursor::Name(name, id))
        }
        Some(("c", ms)) => Ok(Cursor::Changed(ms.parse().map_err(|_| bad())?, id)),
        _ => Err(bad()),
    }
}

/// One contact in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    /// The contact's id.
    pub id: String,
    /// The name lists show.
    pub display_name: String,
    /// The member who owns it.
    pub owner: String,
    /// Its companies.
    pub companies: Vec<String>,
    /// Its email addresses.
    pub emails: Vec<String>,
    /// Its phone numbers, E.164.
    pub phones: Vec<String>,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its type.
    #[serde(rename = "type")]
    pub contact_type: String,
    /// Its level, or null.
    pub level: Option<String>,
    /// Archived.
    pub archived: bool,
    /// In the trash since, or null.
    pub trashed_at_ms: Option<i64>,
    /// Last changed, ms since the Unix epoch.
    pub changed_ms: i64,
}

impl From<ContactSummary> for Summary {
    fn from(summary: ContactSummary) -> Self {
        Self {
            id: summary.id.to_string(),
            display_name: summary.display_name,
            owner: summary.owner.to_string(),
            companies: summary.companies,
            emails: summary.emails,
            phones: summary.phones,
            tags: summary.tags,
            contact_type: summary.contact_type,
            level: summary.level,
            archived: summary.archived,
            trashed_at_ms: summary.trashed_at_ms,
            changed_ms: summary.changed_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_given() {
        let id = ContactId::from_u128(9);
        for cursor in [
            Cursor::Name("tanaka aiko 田中".into(), id),
            Cursor::Changed(1_700_000_000_000, id),
        ] {
            assert_eq!(read_cursor(&cursor_text(&cursor)).unwrap(), cursor);
        }
        assert_eq!(read_cursor("nzz.x").unwrap_err().field(), Some("cursor"));
    }
}
