//! A mailbox as an import: the senders and recipients of a folder, collected over IMAP with
//! the `mailbox` crate, become rows of a CSV in our own layout, stored as the import's file;
//! from there the import runs as any other. The credentials are used for the one connection
//! and never stored.

use interchange::{ExportFormat, ExportWriter};
use sync_core::contact::{Contact, Email};
use sync_core::ids::ItemId;

use super::ImportError;

/// Where and how to read the mailbox.
#[derive(Clone)]
pub struct MailboxRequest {
    /// The account (password included; never stored).
    pub account: ::mailbox::Account,
    /// Which messages.
    pub conditions: ::mailbox::Conditions,
}

/// The folders of the mailbox.
pub async fn folders(account: &::mailbox::Account) -> Result<Vec<String>, ImportError> {
    Ok(::mailbox::folders(account, &::mailbox::Limits::default()).await?)
}

/// Collect the correspondents and write them as a CSV file's bytes; also how many there are.
/// `region` is the company's (a Chinese or Korean name without a space splits there).
pub async fn collect(
    request: &MailboxRequest,
    region: &str,
) -> Result<(Vec<u8>, usize), ImportError> {
    let collection = ::mailbox::correspondents(
        &request.account,
        &request.conditions,
        &::mailbox::Limits::default(),
    )
    .await?;
    let count = collection.correspondents.len();
    let region = region.to_string();
    let bytes = tokio::task::spawn_blocking(move || {
        let mut writer = ExportWriter::new(ExportFormat::Csv, Vec::new())
            .map_err(|error| ImportError::Export(error.to_string()))?;
        for person in &collection.correspondents {
            writer
                .add(&contact_of(person, &region))
                .map_err(|error| ImportError::Export(error.to_string()))?;
        }
        writer
            .finish()
            .map_err(|error| ImportError::Export(error.to_string()))
    })
    .await??;
    Ok((bytes, count))
}

/// A correspondent as a contact: the display name split as a full name in a file is
/// (`interchange::split_name`: "Given Family", CJK family first), and the address.
fn contact_of(person: &::mailbox::Correspondent, region: &str) -> Contact {
    let mut contact = Contact::default();
    let name = person.display_name.as_deref().unwrap_or("").trim();
    if name.is_empty() {
        // No name: the address's local part stands in, so the row has a name.
        contact.name.given = person
            .email
            .split('@')
            .next()
            .unwrap_or(&person.email)
            .to_string();
    } else {
        (contact.name.given, contact.name.family) = interchange::split_name(name, Some(region));
    }
    contact.emails.push(Email {
        id: ItemId::from("e1"),
        label: String::new(),
        address: person.email.clone(),
    });
    contact
}
