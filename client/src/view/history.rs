//! How a contact's history and activity log are shown: text for a person (`rolo history`,
//! `rolo activity`), JSON in the REST API's shapes for scripts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};
use sync_core::contact::Activity;
use sync_core::history::{ChangeKind, FieldChange, Revision};
use sync_core::ids::MemberId;

use super::utc;

/// Characters of a revision hash shown: `rolo revert` takes any unique prefix of four or more.
pub const SHORT_REVISION: usize = 8;

/// Member names by id, to show who made a change (the ids of members not listed are shown).
pub type Names = BTreeMap<MemberId, String>;

fn who(names: &Names, member: Option<MemberId>) -> String {
    match member {
        Some(member) => names
            .get(&member)
            .cloned()
            .unwrap_or_else(|| member.to_string()),
        None => "someone unknown".into(),
    }
}

/// One revision as a few lines: its short hash, when, the event, who and on which device (or
/// through which door), then each field it changed, `path: old → new`.
pub fn revision_text(revision: &Revision, names: &Names) -> String {
    let hash = revision.hash.to_string();
    let when = revision.at_ms.map_or_else(|| "(no time)".to_string(), utc);
    let by = revision.attribution.as_ref();
    let mut out = format!(
        "{}  {when}  {} by {}",
        &hash[..SHORT_REVISION],
        revision.event.as_str(),
        who(names, by.map(|by| by.member))
    );
    if let Some(by) = by {
        match by.device {
            Some(device) => {
                let _ = write!(out, " on device {device}");
            }
            None => {
                let via = serde_json::to_value(by.via).unwrap_or_default();
                let _ = write!(out, " via {}", via.as_str().unwrap_or("server"));
            }
        }
    }
    if let Some(detail) = by.and_then(|by| by.detail.as_ref()) {
        let _ = write!(out, " ({detail})");
    }
    for change in &revision.changes {
        let _ = write!(out, "\n    {}", change_text(change));
    }
    out
}

/// `path: old → new`, with `(none)` for an absent side.
pub fn change_text(change: &FieldChange) -> String {
    let side = |value: &Option<String>| value.clone().unwrap_or_else(|| "(none)".to_string());
    format!(
        "{}: {} → {}",
        change.path,
        side(&change.old).replace('\n', "⏎"),
        side(&change.new).replace('\n', "⏎")
    )
}

/// A revision in the REST API's shape (`GET /v1/contacts/{id}/history`).
pub fn revision_json(revision: &Revision, names: &Names) -> Value {
    let by = revision.attribution.as_ref();
    let member = by.map(|by| by.member);
    json!({
        "id": revision.hash.to_string(),
        "at_ms": revision.at_ms,
        "member": member.map(|m| m.to_string()),
        "member_name": member.and_then(|m| names.get(&m).cloned()),
        "device": by.and_then(|by| by.device).map(|d| d.to_string()),
        "via": by.map(|by| by.via),
        "event": revision.event.as_str(),
        "detail": by.and_then(|by| by.detail.clone()),
        "changes": revision.changes.iter().map(|change| json!({
            "path": change.path,
            "kind": match change.kind() {
                ChangeKind::Added => "added",
                ChangeKind::Removed => "removed",
                ChangeKind::Changed => "changed",
            },
            "old": change.old,
            "new": change.new,
        })).collect::<Vec<_>>(),
    })
}

/// One activity entry as a line: when, what kind, who, the text.
pub fn activity_text(entry: &Activity, names: &Names) -> String {
    let by = entry
        .by
        .parse::<MemberId>()
        .ok()
        .map_or_else(|| entry.by.clone(), |member| who(names, Some(member)));
    let by = if by.is_empty() {
        "someone unknown".into()
    } else {
        by
    };
    format!(
        "{}  {:<8} by {by}: {}",
        utc(entry.at_ms),
        entry.kind.as_str(),
        entry.text.replace('\n', "⏎")
    )
}

/// An activity entry in the REST API's shape.
pub fn activity_json(entry: &Activity) -> Value {
    json!({
        "id": entry.id.as_str(),
        "kind": entry.kind.as_str(),
        "at_ms": entry.at_ms,
        "by": entry.by,
        "text": entry.text,
    })
}
