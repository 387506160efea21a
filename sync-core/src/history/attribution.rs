//! Who made a change: the attribution every Rolo writer puts in an Automerge change's
//! `message`, and the time it puts in the change's `time`.
//!
//! The message is a short JSON object (docs/protocol.md section 15.1), so the TypeScript
//! client writes it with `JSON.stringify` and `Automerge.change(doc, {message, time}, …)`:
//!
//! ```text
//! {"m":"0190a5c3-7b1e-4a2f-9c3d-5e6f7a8b9c0d","d":"0190a5c3-7b1e-4a2f-9c3d-000000000001"}
//! {"m":"…","via":"api"}
//! {"m":"…","via":"api","event":"owner_transferred","detail":"0190a5c3-…"}
//! ```
//!
//! `m` and `d` are abbreviated because they ride on every change (a one-field edit is ~110
//! bytes); the rarer keys are spelled out. Readers ignore keys they do not know, so fields can
//! be added later without a protocol version.

use serde::{Deserialize, Serialize};

use crate::ids::{DeviceId, MemberId};

/// Who made a change, on which device, and through which door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// The member the change was made by (or, for `via: server`, on behalf of).
    pub member: MemberId,
    /// The device that made it; absent for writes the server made (`api`, `import`, `server`).
    pub device: Option<DeviceId>,
    /// How the change was made.
    pub via: Via,
    /// What happened, when the change says so itself: the server's empty changes that record
    /// an event outside the document ([`Event::VisibilityChanged`], [`Event::OwnerTransferred`])
    /// and combines ([`Event::Combined`]). Absent, the history derives the event from what the
    /// change did.
    pub event: Option<Event>,
    /// A short detail for the event, for display: the new owner's member id, the new
    /// visibility (`all`, `private`, `3 members`).
    pub detail: Option<String>,
}

/// How a change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A device's own edit (the phone app, the web app, the CLI).
    #[default]
    App,
    /// A REST write the server made for the member.
    Api,
    /// An import (CSV, vCard) the server ran for the member.
    Import,
    /// The server on its own account (a job such as emptying the trash, or an owner or
    /// visibility change an admin made).
    Server,
}

/// What a revision did, as a user reads it in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The contact was created (the document's first change).
    Added,
    /// Fields were changed.
    Edited,
    /// Another contact was combined into this one, or this one into another.
    Combined,
    /// Moved to the trash.
    Deleted,
    /// Taken back out of the trash.
    Restored,
    /// Archived.
    Archived,
    /// Taken out of the archive.
    Unarchived,
    /// Who may see the contact changed (recorded by the server: visibility is not in the
    /// document).
    VisibilityChanged,
    /// The contact got a new owner (recorded by the server).
    OwnerTransferred,
}

impl Event {
    /// The event's name in messages and the API: `added`, `visibility_changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Edited => "edited",
            Self::Combined => "combined",
            Self::Deleted => "deleted",
            Self::Restored => "restored",
            Self::Archived => "archived",
            Self::Unarchived => "unarchived",
            Self::VisibilityChanged => "visibility_changed",
            Self::OwnerTransferred => "owner_transferred",
        }
    }
}

/// The JSON form of an [`Attribution`] (docs/protocol.md section 15.1).
#[derive(Serialize, Deserialize)]
struct Wire {
    m: MemberId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    d: Option<DeviceId>,
    #[serde(default, skip_serializing_if = "is_app")]
    via: Via,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

fn is_app(via: &Via) -> bool {
    *via == Via::App
}

/// A change message that claims to be an attribution (a JSON object) but is not a valid one,
/// or an attribution a device may not push.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributionError {
    /// The bytes are not an Automerge change.
    #[error("not an Automerge change: {reason}")]
    NotAChange {
        /// What Automerge said.
        reason: String,
    },
    /// The message is a JSON object but not a valid attribution.
    #[error("the change's attribution {message:?} is malformed: {reason}")]
    Malformed {
        /// The message as written.
        message: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The attribution names another member than the one pushing.
    #[error("the change says it was made by member {named}, but member {pushed_by} pushed it")]
    WrongMember {
        /// The member the attribution names.
        named: MemberId,
        /// The member who pushed.
        pushed_by: MemberId,
    },
    /// The attribution names another device (or none) than the one pushing.
    #[error("the change says it was made on device {named:?}, but device {pushed_by} pushed it")]
    WrongDevice {
        /// The device the attribution names.
        named: Option<DeviceId>,
        /// The device that pushed.
        pushed_by: DeviceId,
    },
    /// The attribution claims something only the server may write (`via` other than `app`,
    /// or a visibility or owner event).
    #[error("a device may not push a change attributed {what}; only the server writes those")]
    ServerOnly {
        /// What the change claimed.
        what: String,
    },
}

impl Attribution {
    /// A device's own edit.
    pub fn app(member: MemberId, device: DeviceId) -> Self {
        Self {
            member,
            device: Some(device),
            via: Via::App,
            event: None,
            detail: None,
        }
    }

    /// A write the server makes for `member`, with no device.
    pub fn server_side(member: MemberId, via: Via) -> Self {
        Self {
            member,
            device: None,
            via,
            event: None,
            detail: None,
        }
    }

    /// The same attribution, saying what happened.
    pub fn with_event(mut self, event: Event, detail: Option<String>) -> Self {
        self.event = Some(event);
        self.detail = detail;
        self
    }

    /// The change message that carries this attribution.
    pub fn to_message(&self) -> String {
        let wire = Wire {
            m: self.member,
            d: self.device,
            via: self.via,
            event: self.event,
            detail: self.detail.clone(),
        };
        serde_json::to_string(&wire).expect("an attribution always serialises")
    }

    /// Read a change message. `Ok(None)` when the message is not an attribution at all (free
    /// text from another Automerge writer: it reads as unknown attribution); an error when it
    /// is a JSON object that is not a valid attribution.
    pub fn from_message(message: &str) -> Result<Option<Self>, AttributionError> {
        if !message.trim_start().starts_with('{') {
            return Ok(None);
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(message) else {
            // Text that merely starts with a brace is still free text.
            return Ok(None);
        };
        let wire: Wire =
            serde_json::from_value(value).map_err(|error| AttributionError::Malformed {
                message: message.to_string(),
                reason: error.to_string(),
            })?;
        Ok(Some(Self {
            member: wire.m,
            device: wire.d,
            via: wire.via,
            event: wire.event,
            detail: wire.detail,
        }))
    }
}

/// The attribution a change carries: `None` for a change without a message (an older
/// client) or with a message that is not an attribution, or a malformed one.
pub(crate) fn attribution_of(message: Option<&str>) -> Option<Attribution> {
    message.and_then(|message| Attribution::from_message(message).ok().flatten())
}

/// Check the attribution of a change a device pushes: it must name the pushing member and
/// device, or be absent (older clients, free-text messages). A device may only write
/// `via: app` and, of the explicit events, only `combined`; the rest are the server's.
pub fn check_attribution(
    change: &[u8],
    member: MemberId,
    device: DeviceId,
) -> Result<(), AttributionError> {
    let change =
        automerge::Change::try_from(change).map_err(|error| AttributionError::NotAChange {
            reason: error.to_string(),
        })?;
    let Some(message) = change.message() else {
        return Ok(());
    };
    let Some(attribution) = Attribution::from_message(message)? else {
        return Ok(());
    };
    if attribution.member != member {
        return Err(AttributionError::WrongMember {
            named: attribution.member,
            pushed_by: member,
        });
    }
    if attribution.device != Some(device) {
        return Err(AttributionError::WrongDevice {
            named: attribution.device,
            pushed_by: device,
        });
    }
    if attribution.via != Via::App {
        return Err(AttributionError::ServerOnly {
            what: format!("via {:?}", attribution.via).to_lowercase(),
        });
    }
    match attribution.event {
        None | Some(Event::Combined) => Ok(()),
        Some(event) => Err(AttributionError::ServerOnly {
            what: format!("event {}", event.as_str()),
        }),
    }
}

/// Changes written before a client set a time carry 0; Automerge's own default (and
/// @automerge/automerge's) is seconds since the epoch, Rolo writes milliseconds. A time below
/// 10^11 cannot be milliseconds of a real edit (it would be 1973) but is seconds until the
/// year 5138, so it is read as seconds.
pub(crate) fn time_ms(time: i64) -> Option<i64> {
    const SECONDS_BELOW: i64 = 100_000_000_000;
    match time {
        ..=0 => None,
        seconds if seconds < SECONDS_BELOW => Some(seconds * 1000),
        millis => Some(millis),
    }
}
