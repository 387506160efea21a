//! `rolo show`, `add`, `edit`, `delete`, `restore`, `archive` and `unarchive`: local commands
//! that never need the network.

use std::path::Path;

use clap::Args;

use crate::input::{EditOp, InputError, NewContact};
use crate::replica::Replica;
use crate::view;

/// Arguments of `rolo show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The contact's id, or the start of it.
    id: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A command that takes only a contact id.
#[derive(Debug, Args)]
pub struct IdArgs {
    /// The contact's id, or the start of it.
    pub(super) id: String,
}

/// Arguments of `rolo add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Given (first) name.
    #[arg(long)]
    given: Option<String>,
    /// Family (last) name.
    #[arg(long)]
    family: Option<String>,
    /// What colleagues call them.
    #[arg(long)]
    nickname: Option<String>,
    /// Company.
    #[arg(long)]
    company: Option<String>,
    /// Department.
    #[arg(long)]
    department: Option<String>,
    /// Job title.
    #[arg(long)]
    title: Option<String>,
    /// A phone number, optionally labelled: `work=+81 3-1234-5678`. Repeatable.
    #[arg(long = "phone")]
    phones: Vec<String>,
    /// An email address, optionally labelled: `home=aiko@example.jp`. Repeatable.
    #[arg(long = "email")]
    emails: Vec<String>,
    /// A web site, optionally labelled. Repeatable.
    #[arg(long = "url")]
    urls: Vec<String>,
    /// A tag. Repeatable.
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Birthday: YYYY-MM-DD, or --MM-DD without the year.
    #[arg(long, allow_hyphen_values = true)]
    birthday: Option<String>,
    /// lead, prospect, customer, partner or other.
    #[arg(long = "type")]
    contact_type: Option<String>,
    /// primary, secondary or tertiary.
    #[arg(long)]
    level: Option<String>,
    /// Notes.
    #[arg(long)]
    note: Option<String>,
    /// Country of phone numbers typed without a country code (default: the account's).
    #[arg(long)]
    region: Option<String>,
    /// Only you see it (otherwise everyone in the company does). Sent with the contact
    /// itself, so no colleague ever receives it.
    #[arg(long)]
    private: bool,
}

/// Arguments of `rolo edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The contact's id, or the start of it.
    id: String,
    /// Set a field: `name.given=Aiko`, `title=Buyer`, `type=customer`; an empty value
    /// clears it. Repeatable.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    sets: Vec<String>,
    /// Add a phone number, optionally labelled. Repeatable.
    #[arg(long = "add-phone")]
    add_phones: Vec<String>,
    /// Remove the phone with this item id (shown by `rolo show`). Repeatable.
    #[arg(long = "remove-phone", value_name = "ITEM_ID")]
    remove_phones: Vec<String>,
    /// Add an email address, optionally labelled. Repeatable.
    #[arg(long = "add-email")]
    add_emails: Vec<String>,
    /// Remove the email with this item id. Repeatable.
    #[arg(long = "remove-email", value_name = "ITEM_ID")]
    remove_emails: Vec<String>,
    /// Add a web site, optionally labelled. Repeatable.
    #[arg(long = "add-url")]
    add_urls: Vec<String>,
    /// Remove the web site with this item id. Repeatable.
    #[arg(long = "remove-url", value_name = "ITEM_ID")]
    remove_urls: Vec<String>,
    /// Add a tag. Repeatable.
    #[arg(long = "add-tag")]
    add_tags: Vec<String>,
    /// Remove a tag. Repeatable.
    #[arg(long = "remove-tag")]
    remove_tags: Vec<String>,
    /// Add a line at the end of the notes.
    #[arg(long)]
    note: Option<String>,
    /// Country of phone numbers typed without a country code (default: the account's).
    #[arg(long)]
    region: Option<String>,
}

pub(super) async fn show(home: &Path, args: ShowArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    let contact = replica
        .contact(id)
        .await?
        .ok_or(crate::Error::UnknownContact(id))?;
    let meta = replica.meta(id).await?;
    let names = super::history::names(&mut replica).await?;
    replica.close().await?;
    if args.json {
        let mut shown = view::json(id, &contact);
        if let Some(meta) = &meta {
            shown["owner"] = meta.owner.to_string().into();
            shown["visibility"] = crate::api::sharing::visibility_json(&meta.visibility);
        }
        say!("{}", serde_json::to_string_pretty(&shown)?);
    } else {
        say!("{}", view::page(id, &contact).trim_end());
        if let Some(meta) = &meta {
            let owner = names
                .get(&meta.owner)
                .cloned()
                .unwrap_or_else(|| meta.owner.to_string());
            say!("  {:<10} {owner}", "owner");
            say!(
                "  {:<10} {}",
                "shared",
                view::visibility_text(&meta.visibility, &names)
            );
        }
    }
    Ok(())
}

pub(super) async fn add(home: &Path, args: AddArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let region = region(&mut replica, args.region.clone()).await?;
    let new = NewContact {
        given: args.given,
        family: args.family,
        nickname: args.nickname,
        company: args.company,
        department: args.department,
        title: args.title,
        phones: args.phones,
        emails: args.emails,
        urls: args.urls,
        tags: args.tags,
        birthday: args.birthday,
        contact_type: args.contact_type,
        level: args.level,
        notes: args.note,
    };
    let contact = new.to_contact(region.as_deref())?;
    let visibility = args.private.then(sync_core::wire::Visibility::private);
    let id = replica.create_visible_to(&contact, visibility).await?;
    replica.close().await?;
    // Only the id on standard output, so scripts can capture it.
    say!("{id}");
    Ok(())
}

pub(super) async fn edit(home: &Path, args: EditArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    let region = region(&mut replica, args.region.clone()).await?;
    let ops = edit_ops(&args, region.as_deref())?;
    let current = replica
        .contact(id)
        .await?
        .ok_or(crate::Error::UnknownContact(id))?;
    for op in &ops {
        op.check(&current)?;
    }
    let changed = replica
        .edit(id, |contact| ops.iter().for_each(|op| op.apply(contact)))
        .await?;
    replica.close().await?;
    if changed {
        say!("saved {id}");
    } else {
        say!("nothing to change in {id}");
    }
    Ok(())
}

fn edit_ops(args: &EditArgs, region: Option<&str>) -> Result<Vec<EditOp>, InputError> {
    let mut ops = Vec::new();
    for assignment in &args.sets {
        ops.push(EditOp::set(assignment)?);
    }
    for raw in &args.add_phones {
        ops.push(EditOp::add_phone(raw, region)?);
    }
    ops.extend(
        args.remove_phones
            .iter()
            .map(|raw| EditOp::remove_phone(raw)),
    );
    for raw in &args.add_emails {
        ops.push(EditOp::add_email(raw)?);
    }
    ops.extend(
        args.remove_emails
            .iter()
            .map(|raw| EditOp::remove_email(raw)),
    );
    for raw in &args.add_urls {
        ops.push(EditOp::add_url(raw)?);
    }
    ops.extend(args.remove_urls.iter().map(|raw| EditOp::remove_url(raw)));
    ops.extend(args.add_tags.iter().map(|tag| EditOp::AddTag(tag.clone())));
    ops.extend(
        args.remove_tags
            .iter()
            .map(|tag| EditOp::RemoveTag(tag.clone())),
    );
    ops.extend(
        args.note
            .iter()
            .map(|text| EditOp::AppendNote(text.clone())),
    );
    Ok(ops)
}

pub(super) async fn delete(home: &Path, args: IdArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    replica.trash(id).await?;
    replica.close().await?;
    say!("moved {id} to the trash (`rolo restore {id}` takes it back)");
    Ok(())
}

pub(super) async fn restore(home: &Path, args: IdArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    replica.restore(id).await?;
    replica.close().await?;
    say!("restored {id}");
    Ok(())
}

pub(super) async fn archive(home: &Path, args: IdArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    let changed = replica.archive(id).await?;
    replica.close().await?;
    if changed {
        say!(
            "archived {id} (`rolo list --archived` shows it, `rolo unarchive {id}` takes it back)"
        );
    } else {
        say!("{id} is already archived");
    }
    Ok(())
}

pub(super) async fn unarchive(home: &Path, args: IdArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    let changed = replica.unarchive(id).await?;
    replica.close().await?;
    if changed {
        say!("took {id} out of the archive");
    } else {
        say!("{id} is not archived");
    }
    Ok(())
}

/// The region for phone numbers: the flag, else the account's default.
async fn region(replica: &mut Replica, given: Option<String>) -> anyhow::Result<Option<String>> {
    if given.is_some() {
        return Ok(given);
    }
    Ok(replica
        .account()
        .await?
        .and_then(|account| account.default_region))
}
