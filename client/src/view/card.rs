//! How a scanned card is shown: a line for `rolo card list`, a page for `rolo card show`, or
//! JSON for scripts.

use std::fmt::Write as _;

use serde_json::{Value, json};
use sync_core::card::{CardDraft, Field, FieldKind, Source};

use super::{SHORT_ID, utc};
use crate::cards::{Card, CardState, Duplicate, side_name};

/// One line: short id, state, when scanned, and what the card says (or what went wrong).
pub fn list_line(card: &Card) -> String {
    let id = card.id.to_string();
    format!(
        "{}  {:<9}  {}  {}",
        &id[..SHORT_ID],
        card.state.as_str(),
        utc(card.scanned_at_ms),
        summary(card)
    )
    .trim_end()
    .to_string()
}

/// What the card is about, in a few words.
fn summary(card: &Card) -> String {
    match (&card.state, &card.draft) {
        (CardState::Saved(contact), _) => format!("saved as {contact}"),
        (CardState::Queued | CardState::Refused { .. }, _) => {
            let tries = match card.upload_attempts {
                0 => String::new(),
                n => format!("{n} failed upload(s); "),
            };
            format!("{tries}{}", card.last_error.as_deref().unwrap_or_default())
        }
        (CardState::Failed, Some(draft)) => draft
            .error
            .as_ref()
            .map(|error| error.message.clone())
            .unwrap_or_default(),
        (_, Some(draft)) => headline(draft),
        (_, None) => String::new(),
    }
}

/// The name and company the draft reads, else its first email.
fn headline(draft: &CardDraft) -> String {
    let value = |kind| {
        draft
            .fields
            .iter()
            .find(|field| field.kind == kind)
            .map(|field| field.value.as_str())
    };
    let parts: Vec<&str> = [
        FieldKind::GivenName,
        FieldKind::FamilyName,
        FieldKind::Company,
    ]
    .into_iter()
    .filter_map(value)
    .collect();
    if parts.is_empty() {
        value(FieldKind::Email).unwrap_or_default().to_string()
    } else {
        parts.join(" ")
    }
}

/// The card as a page: its state, each field numbered (the numbers `rolo card save --drop`
/// takes) with confidence and source, its photos and the contacts it may already be.
pub fn page(card: &Card, duplicates: &[Duplicate]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "card {}", card.id);
    let mut line = |label: &str, text: String| {
        let _ = writeln!(out, "  {label:<10} {text}");
    };
    line("status", card.state.as_str().into());
    line("scanned", utc(card.scanned_at_ms));
    match &card.state {
        CardState::Saved(contact) => line("saved as", contact.to_string()),
        CardState::Refused { code } => line(
            "refused",
            format!("{code}: {}", card.last_error.as_deref().unwrap_or_default()),
        ),
        CardState::Queued if card.upload_attempts > 0 => line(
            "upload",
            format!(
                "{} failed attempt(s), last: {}",
                card.upload_attempts,
                card.last_error.as_deref().unwrap_or_default()
            ),
        ),
        _ => {}
    }
    let Some(draft) = &card.draft else {
        return out;
    };
    if let Some(error) = &draft.error {
        line("error", format!("{} ({})", error.message, error.code));
    }
    if let Some(region) = &draft.region {
        line("region", region.clone());
    }
    for image in &draft.images {
        line(
            "photo",
            format!(
                "{} {} {} KB  sha256 {}",
                side_name(&image.side),
                image.blob.mime,
                image.blob.bytes.div_ceil(1024),
                image.blob.sha256
            ),
        );
    }
    if !draft.fields.is_empty() {
        let _ = writeln!(out, "  fields");
        for (index, field) in draft.fields.iter().enumerate() {
            let _ = writeln!(out, "    {index:>2}  {}", field_line(field));
        }
    }
    for duplicate in duplicates {
        let _ = writeln!(out, "  {}", duplicate_line(duplicate));
    }
    if card.state == CardState::Ready {
        let short = &card.id.to_string()[..SHORT_ID];
        let _ = writeln!(
            out,
            "  save it with `rolo card save {short}` (--into CONTACT to add it to a contact, \
             --drop N,... to leave fields out)"
        );
    }
    out
}

/// `phone (work)  +4681234567  0.97 ocr  as printed "08-123 45 67"`.
fn field_line(field: &Field) -> String {
    let mut kind = kind_name(field.kind);
    if !field.label.is_empty() {
        kind = format!("{kind} ({})", field.label);
    }
    let source = match field.source {
        Source::Ocr => "ocr",
        Source::Qr => "qr",
    };
    let value = field.value.replace('\n', ", ");
    let mut text = format!("{kind:<20} {value:<32} {:.2} {source}", field.confidence);
    if field.raw != field.value && !field.raw.is_empty() {
        let _ = write!(text, "  as printed {:?}", field.raw);
    }
    if let Some(problem) = &field.problem {
        let _ = write!(text, "  TO FIX: {problem} (--fix N=NUMBER or --drop N)");
    }
    text
}

/// `looks like contact Mara Lindqvist (0a1b2c3d) (same email mara@nordkap.example)`.
fn duplicate_line(duplicate: &Duplicate) -> String {
    let id = duplicate.contact.to_string();
    let who = match &duplicate.name {
        Some(name) => format!("{name} ({})", &id[..SHORT_ID]),
        None => format!("{id} (not on this device yet)"),
    };
    if duplicate.same.is_empty() {
        format!("looks like contact {who}")
    } else {
        format!(
            "looks like contact {who} (same {})",
            duplicate.same.join(", same ")
        )
    }
}

/// The field kind as stored (`given_name`, `phone`, …).
fn kind_name(kind: FieldKind) -> String {
    match serde_json::to_value(kind) {
        Ok(Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

/// The card as JSON: its state, the draft as the server sent it, and possible duplicates.
pub fn json(card: &Card, duplicates: &[Duplicate]) -> Value {
    let saved_as = match &card.state {
        CardState::Saved(contact) => Some(contact.to_string()),
        _ => None,
    };
    let refused = match &card.state {
        CardState::Refused { code } => Some(code.as_str()),
        _ => None,
    };
    json!({
        "id": card.id.to_string(),
        "state": card.state.as_str(),
        "saved_as": saved_as,
        "refused": refused,
        "scanned_at_ms": card.scanned_at_ms,
        "upload_attempts": card.upload_attempts,
        "last_error": card.last_error,
        "done_reported": card.done_reported,
        "draft": card.draft,
        "duplicates": duplicates.iter().map(|d| json!({
            "contact": d.contact.to_string(), "name": d.name, "same": d.same,
        })).collect::<Vec<_>>(),
    })
}
