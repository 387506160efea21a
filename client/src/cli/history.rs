//! `rolo history` and `rolo revert`: a contact's revisions read from this device's copy, and
//! putting a field (or the whole contact) back as it was; both work offline.

use std::path::Path;

use clap::Args;
use sync_core::history::HistoryOptions;

use crate::replica::Replica;
use crate::view;
use crate::view::history::Names;

/// How far back `rolo history` looks without --all (as the REST API does).
const DEFAULT_DAYS: i64 = 60;

/// Arguments of `rolo history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The contact's id, or the start of it.
    id: String,
    /// Every revision, not only those of the last 60 days (the first is always shown).
    #[arg(long)]
    all: bool,
    /// At most this many revisions, newest first.
    #[arg(long)]
    limit: Option<usize>,
    /// Print JSON (the REST API's shape).
    #[arg(long)]
    json: bool,
}

/// Arguments of `rolo revert`.
#[derive(Debug, Args)]
pub struct RevertArgs {
    /// The contact's id, or the start of it.
    id: String,
    /// The revision (its hash, or the start of it, as `rolo history` shows).
    revision: String,
    /// Only this field, as `rolo history` names it: name.given, type, notes, tags.vip,
    /// phones[ITEM], phones[ITEM].label, … (default: the whole contact; its archive and trash
    /// state and activity log are kept).
    #[arg(long)]
    field: Option<String>,
}

pub(super) async fn history(home: &Path, args: HistoryArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    let since_ms = (!args.all).then(|| crate::account::now_ms() - DEFAULT_DAYS * 86_400_000);
    let options = HistoryOptions {
        since_ms,
        limit: args.limit,
        after: None,
    };
    let page = replica.history(id, &options).await?;
    let names = names(&mut replica).await?;
    replica.close().await?;
    if args.json {
        let revisions: Vec<_> = page
            .revisions
            .iter()
            .map(|revision| view::history::revision_json(revision, &names))
            .collect();
        let next = page.next.map(|hash| hash.to_string());
        say!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"revisions": revisions, "next_cursor": next})
            )?
        );
    } else {
        for revision in &page.revisions {
            say!("{}", view::history::revision_text(revision, &names));
        }
    }
    Ok(())
}

pub(super) async fn revert(home: &Path, args: RevertArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve(&args.id).await?;
    let revision = replica.resolve_revision(id, &args.revision).await?;
    let changed = replica.revert(id, revision, args.field.as_deref()).await?;
    replica.close().await?;
    let what = args.field.as_deref().unwrap_or("the contact");
    let short = &revision.to_string()[..view::history::SHORT_REVISION];
    if changed {
        say!("{what} of {id} is as it was at {short} again (sent at the next sync)");
    } else {
        say!("{what} of {id} is already as it was at {short}");
    }
    Ok(())
}

/// Member names as the device last fetched them.
pub(super) async fn names(replica: &mut Replica) -> anyhow::Result<Names> {
    Ok(replica
        .members()
        .await?
        .into_iter()
        .map(|member| (member.id, member.name))
        .collect())
}
