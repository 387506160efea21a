//! What only the server may do to contacts, over REST: who may see one, who owns it, deleting
//! it for good, emptying the trash, and renaming or deleting a tag across the company. The
//! server records each in the feed, so every device learns of it at its next sync.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use sync_core::ids::{ContactId, MemberId};
use sync_core::wire::Visibility;

use super::rest::Rest;
use crate::error::Error;

/// A tag and how many contacts the caller may see carry it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// How many contacts (not in the trash) carry it.
    pub count: u64,
}

#[derive(Deserialize)]
struct Tags {
    tags: Vec<TagCount>,
}

#[derive(Deserialize)]
struct Touched {
    contacts: u64,
}

#[derive(Deserialize)]
struct Purged {
    purged: u64,
}

/// Who may see a contact, in the REST API's shape: `{"all": true}`, or `{"all": false,
/// "members": […], "groups": […], "units": […]}`.
pub fn visibility_json(visibility: &Visibility) -> serde_json::Value {
    match visibility {
        Visibility::All => json!({"all": true}),
        Visibility::Members {
            members,
            groups,
            units,
        } => json!({
            "all": false,
            "members": members.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "groups": groups.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "units": units.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
    }
}

impl Rest {
    /// `PUT /v1/contacts/{id}/visibility`: who besides its owner may see the contact. Devices
    /// that may no longer see it drop it at their next sync; those that now may receive it.
    pub async fn set_visibility(
        &self,
        id: ContactId,
        visibility: &Visibility,
    ) -> Result<(), Error> {
        let body = visibility_json(visibility);
        let id = id.to_string();
        self.send(
            Method::PUT,
            &["v1", "contacts", &id, "visibility"],
            Some(&body),
        )
        .await?;
        Ok(())
    }

    /// `PUT /v1/contacts/{id}/owner`: hands the contact to another member.
    pub async fn transfer(&self, id: ContactId, owner: MemberId) -> Result<(), Error> {
        let body = json!({ "owner": owner.to_string() });
        let id = id.to_string();
        self.send(Method::PUT, &["v1", "contacts", &id, "owner"], Some(&body))
            .await?;
        Ok(())
    }

    /// `DELETE /v1/contacts/{id}`: deletes the contact for good, on the server and (at their
    /// next sync) on every device.
    pub async fn purge(&self, id: ContactId) -> Result<(), Error> {
        let id = id.to_string();
        self.send(Method::DELETE, &["v1", "contacts", &id], None)
            .await?;
        Ok(())
    }

    /// `DELETE /v1/trash`: purges every contact in the trash the caller may delete; returns
    /// how many.
    pub async fn empty_trash(&self) -> Result<u64, Error> {
        let purged: Purged = self.fetch(Method::DELETE, &["v1", "trash"], None).await?;
        Ok(purged.purged)
    }

    /// `GET /v1/tags`: the tags on the contacts the caller may see, with their counts.
    pub async fn tags(&self) -> Result<Vec<TagCount>, Error> {
        let tags: Tags = self.fetch(Method::GET, &["v1", "tags"], None).await?;
        Ok(tags.tags)
    }

    /// `PUT /v1/tags/{tag}`: renames a tag on every contact of the company; returns how many
    /// contacts changed.
    pub async fn rename_tag(&self, tag: &str, name: &str) -> Result<u64, Error> {
        let body = json!({ "name": name });
        let touched: Touched = self
            .fetch(Method::PUT, &["v1", "tags", tag], Some(&body))
            .await?;
        Ok(touched.contacts)
    }

    /// `DELETE /v1/tags/{tag}`: removes a tag from every contact of the company; returns how
    /// many contacts changed.
    pub async fn delete_tag(&self, tag: &str) -> Result<u64, Error> {
        let touched: Touched = self
            .fetch(Method::DELETE, &["v1", "tags", tag], None)
            .await?;
        Ok(touched.contacts)
    }
}
