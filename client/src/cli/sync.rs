//! `rolo sync` and `rolo status`.

use std::path::Path;

use clap::Args;
use serde_json::json;

use sync_core::card::CardStatus;
use sync_core::wire::PresenceState;

use crate::replica::Event;
use crate::sync::{SyncEvent, SyncOptions, run_live, sync_once};
use crate::view::utc;

/// Arguments of `rolo sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Stay connected, applying changes as they happen, until interrupted (Ctrl-C).
    #[arg(long)]
    live: bool,
}

/// Arguments of `rolo status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub(super) async fn sync(home: &Path, args: SyncArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let options = SyncOptions::default();
    if args.live {
        let shutdown = async {
            // If the signal cannot be watched the process still ends on SIGINT's default.
            if let Err(error) = tokio::signal::ctrl_c().await {
                tracing::warn!(%error, "cannot watch for Ctrl-C");
                std::future::pending::<()>().await;
            }
        };
        run_live(&mut replica, &options, print_event, shutdown).await?;
    } else {
        let report = sync_once(&mut replica, &options).await?;
        for event in report.cards.into_iter().chain(report.rejected) {
            print_event(SyncEvent::Replica(event));
        }
        say!("synced; cursor {}", report.cursor);
    }
    replica.close().await?;
    Ok(())
}

fn print_event(event: SyncEvent) {
    match event {
        SyncEvent::Connected { member, head } => {
            say!("connected as member {member} (feed at {head})")
        }
        SyncEvent::Advanced { cursor } => say!("received changes (cursor {cursor})"),
        SyncEvent::CaughtUp { cursor } => say!("caught up (cursor {cursor})"),
        SyncEvent::Disconnected { reason, retry_in } => {
            say!(
                "disconnected: {reason}; retrying in {:.1} s",
                retry_in.as_secs_f64()
            )
        }
        SyncEvent::Replica(Event::Rejected { doc, rejection }) => say!(
            "the server refused your changes to {doc} ({}): {}; it now shows the server's version",
            rejection.code,
            rejection.message
        ),
        SyncEvent::Replica(Event::Presence { doc, state, member }) => {
            let who = member.map_or_else(|| "someone".to_string(), |m| m.to_string());
            let doing = match state {
                PresenceState::Viewing => "viewing",
                PresenceState::Editing => "editing",
                PresenceState::Left => "done with",
            };
            say!("{who} is {doing} {doc}")
        }
        SyncEvent::Replica(Event::CardDraft(draft)) => {
            let card = draft.card;
            match draft.status {
                CardStatus::Ready => {
                    say!("card {card} is read: review it with `rolo card show {card}`")
                }
                CardStatus::Failed => say!(
                    "card {card} could not be read: {}",
                    draft
                        .error
                        .as_ref()
                        .map_or("no reason given", |e| e.message.as_str())
                ),
                _ => {}
            }
        }
        SyncEvent::Replica(Event::CardUploaded(card)) => say!("card {card} uploaded"),
        SyncEvent::Replica(Event::UpgradeRequired) => {
            say!("the server needs a newer rolo to take your edits; they stay queued")
        }
        SyncEvent::Replica(Event::CardRefused {
            card,
            code,
            message,
        }) => say!(
            "the server refused card {card} ({code}): {message}; it will not be sent again \
             (`rolo card dismiss {card}` removes it)"
        ),
        SyncEvent::Replica(Event::CardUploadDeferred { card, error }) => {
            say!("card {card} not uploaded yet ({error}); it stays queued for the next sync")
        }
    }
}

pub(super) async fn status(home: &Path, args: StatusArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let status = replica.status().await?;
    replica.close().await?;
    if args.json {
        let rejections: Vec<_> = status
            .rejections
            .iter()
            .map(|r| json!({"doc": r.doc.to_string(), "code": r.code, "message": r.message, "at_ms": r.at_ms}))
            .collect();
        let value = json!({
            "cursor": status.cursor,
            "pending": status.pending,
            "last_sync_ms": status.last_sync_ms,
            "server": status.server,
            "member": status.member.map(|m| m.to_string()),
            "device": status.device.map(|d| d.to_string()),
            "contacts": status.contacts,
            "rejections": rejections,
        });
        say!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let or_none = |value: Option<String>| value.unwrap_or_else(|| "(not signed in)".into());
    say!("server     {}", or_none(status.server));
    say!(
        "member     {}",
        or_none(status.member.map(|m| m.to_string()))
    );
    say!(
        "device     {}",
        or_none(status.device.map(|d| d.to_string()))
    );
    say!("contacts   {}", status.contacts);
    say!("cursor     {}", status.cursor);
    say!("pending    {} unsent change(s)", status.pending);
    say!(
        "last sync  {}",
        status.last_sync_ms.map_or_else(|| "never".into(), utc)
    );
    for rejection in &status.rejections {
        say!(
            "refused    {} {} ({}): {}",
            utc(rejection.at_ms),
            rejection.doc,
            rejection.code,
            rejection.message
        );
    }
    Ok(())
}
