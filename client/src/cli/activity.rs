//! `rolo activity` and `rolo tag`: the activity log and a contact's tags, edited offline.

use std::path::Path;

use clap::{Args, Subcommand};
use sync_core::contact::ActivityKind;

use crate::input::InputError;
use crate::view;

/// Arguments of `rolo activity`.
#[derive(Debug, Args)]
pub struct ActivityArgs {
    /// The contact's id, or the start of it.
    id: String,
    /// Log an entry; without it, the log is listed, newest first.
    #[command(subcommand)]
    action: Option<ActivityAction>,
    /// Print JSON (the REST API's shape).
    #[arg(long)]
    json: bool,
}

/// What to do with the activity log.
#[derive(Debug, Subcommand)]
pub enum ActivityAction {
    /// Log a call, visit, meeting or note (by you, now unless --at says when). Works
    /// offline; it is sent at the next sync.
    Add {
        /// call, visit, meeting or note.
        #[arg(long)]
        kind: String,
        /// What was said or agreed.
        #[arg(long)]
        text: String,
        /// When it happened, in ms since the Unix epoch (default: now).
        #[arg(long)]
        at_ms: Option<i64>,
    },
}

pub(super) async fn activity(home: &Path, args: ActivityArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    if let Some(ActivityAction::Add { kind, text, at_ms }) = args.action {
        let kind: ActivityKind = kind.parse().map_err(InputError::Field)?;
        let entry = replica.log_activity(id, kind, &text, at_ms).await?;
        replica.close().await?;
        if args.json {
            say!(
                "{}",
                serde_json::to_string_pretty(&view::history::activity_json(&entry))?
            );
        } else {
            say!("logged {} on {id}", entry.kind.as_str());
        }
        return Ok(());
    }
    let contact = replica
        .contact(id)
        .await?
        .ok_or(crate::Error::UnknownContact(id))?;
    let names = super::history::names(&mut replica).await?;
    replica.close().await?;
    let mut entries: Vec<_> = contact.activity.iter().collect();
    entries.sort_by(|a, b| (b.at_ms, &b.id).cmp(&(a.at_ms, &a.id)));
    if args.json {
        let all: Vec<_> = entries
            .iter()
            .map(|entry| view::history::activity_json(entry))
            .collect();
        say!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"activity": all}))?
        );
    } else {
        for entry in entries {
            say!("{}", view::history::activity_text(entry, &names));
        }
    }
    Ok(())
}

/// Arguments of `rolo tag`.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// The contact's id, or the start of it.
    id: String,
    /// Add or remove.
    #[command(subcommand)]
    action: TagAction,
}

/// Adding or removing tags on one contact.
#[derive(Debug, Subcommand)]
pub enum TagAction {
    /// Add tags. Works offline.
    Add {
        /// The tags.
        #[arg(required = true, num_args = 1..)]
        tags: Vec<String>,
    },
    /// Remove tags. Works offline.
    Remove {
        /// The tags.
        #[arg(required = true, num_args = 1..)]
        tags: Vec<String>,
    },
}

pub(super) async fn tag(home: &Path, args: TagArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    let changed = match &args.action {
        TagAction::Add { tags } => replica.add_tags(id, tags).await?,
        TagAction::Remove { tags } => replica.remove_tags(id, tags).await?,
    };
    let tags = replica
        .contact(id)
        .await?
        .map(|contact| contact.tag_list().join(", "))
        .unwrap_or_default();
    replica.close().await?;
    if changed {
        say!("{id} tags: {tags}");
    } else {
        say!("nothing to change in {id} (tags: {tags})");
    }
    Ok(())
}
