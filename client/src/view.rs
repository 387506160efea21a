//! How a contact is shown: one line in a list, a page for `rolo show`, or JSON for scripts;
//! scanned cards likewise in [`card`].

use std::fmt::Write as _;

use serde_json::{Value, json};
use sync_core::contact::{Contact, CustomValue};
use sync_core::ids::ContactId;
use sync_core::wire::Visibility;

use crate::cards::side_name;
use crate::search::ContactSummary;

pub mod card;
pub mod history;
pub mod imports;

/// Characters of a contact id shown in lists: enough to be unique in any real address book,
/// and `rolo show`/`edit` accept any unique prefix.
const SHORT_ID: usize = 8;

/// One line for `rolo list` and `rolo search`: short id, display name, first company, first
/// phone and email, and `(archived)` or `(in the trash)` when it is.
pub fn summary_line(summary: &ContactSummary) -> String {
    let id = summary.id.to_string();
    let first = |values: &[String]| values.first().cloned().unwrap_or_default();
    let shelf = if summary.trashed_at_ms.is_some() {
        "  (in the trash)"
    } else if summary.archived {
        "  (archived)"
    } else {
        ""
    };
    format!(
        "{}  {:<24}  {:<20}  {:<16}  {}",
        &id[..SHORT_ID],
        summary.display_name,
        first(&summary.companies),
        first(&summary.phones),
        first(&summary.emails),
    )
    .trim_end()
    .to_string()
        + shelf
}

/// The contact as a page of text for a person, with each list item's id (which
/// `rolo edit --remove-phone` takes).
pub fn page(id: ContactId, contact: &Contact) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", contact.display_name());
    let mut line = |label: &str, text: String| {
        let _ = writeln!(out, "  {label:<10} {text}");
    };
    line("id", id.to_string());
    if contact.is_trashed() {
        line("status", "in the trash".into());
    } else if contact.lifecycle.archived {
        line("status", "archived".into());
    }
    for org in &contact.organizations {
        let parts: Vec<&str> = [&org.company, &org.title, &org.department]
            .into_iter()
            .map(String::as_str)
            .filter(|part| !part.is_empty())
            .collect();
        line("company", format!("{}  [{}]", parts.join(", "), org.id));
    }
    for phone in &contact.phones {
        line(
            "phone",
            format!(
                "{} {} ({})  [{}]",
                phone.label, phone.e164, phone.raw, phone.id
            ),
        );
    }
    for email in &contact.emails {
        line(
            "email",
            format!("{} {}  [{}]", email.label, email.address, email.id),
        );
    }
    for url in &contact.urls {
        line("url", format!("{} {}  [{}]", url.label, url.url, url.id));
    }
    // The card photos it was read from: the blob is fetched by its digest, not stored here.
    for image in &contact.card_images {
        line(
            "card",
            format!(
                "{} {} {} KB  sha256 {}  [{}]",
                side_name(&image.side),
                image.blob.mime,
                image.blob.bytes.div_ceil(1024),
                image.blob.sha256,
                image.id
            ),
        );
    }
    for date in &contact.dates {
        line(
            "date",
            format!("{} {}  [{}]", date.label, date.date, date.id),
        );
    }
    line("type", contact.contact_type.as_str().into());
    if let Some(level) = &contact.level {
        line("level", level.as_str().into());
    }
    if let Some(language) = &contact.language {
        line("language", language.clone());
    }
    let tags = contact.tag_list();
    if !tags.is_empty() {
        line("tags", tags.join(", "));
    }
    if !contact.notes.as_str().is_empty() {
        let _ = writeln!(out, "  notes");
        for text in contact.notes.as_str().lines() {
            let _ = writeln!(out, "    {text}");
        }
    }
    out
}

/// The contact as JSON: every field, enumerations in their stored lowercase form, dates in
/// ISO form.
pub fn json(id: ContactId, contact: &Contact) -> Value {
    let name = &contact.name;
    json!({
        "id": id.to_string(),
        "display_name": contact.display_name(),
        "name": {
            "prefix": name.prefix, "given": name.given, "middle": name.middle,
            "family": name.family, "suffix": name.suffix,
            "phonetic_given": name.phonetic_given, "phonetic_family": name.phonetic_family,
            "nickname": name.nickname,
        },
        "phones": contact.phones.iter().map(|p| json!({
            "id": p.id.as_str(), "label": p.label, "e164": p.e164, "raw": p.raw,
        })).collect::<Vec<_>>(),
        "emails": contact.emails.iter().map(|e| json!({
            "id": e.id.as_str(), "label": e.label, "address": e.address,
        })).collect::<Vec<_>>(),
        "addresses": contact.addresses.iter().map(|a| json!({
            "id": a.id.as_str(), "label": a.label, "street": a.street, "city": a.city,
            "region": a.region, "postal_code": a.postal_code, "country": a.country,
        })).collect::<Vec<_>>(),
        "organizations": contact.organizations.iter().map(|o| json!({
            "id": o.id.as_str(), "company": o.company, "department": o.department,
            "title": o.title,
        })).collect::<Vec<_>>(),
        "dates": contact.dates.iter().map(|d| json!({
            "id": d.id.as_str(), "label": d.label, "date": d.date.to_string(),
        })).collect::<Vec<_>>(),
        "urls": contact.urls.iter().map(|u| json!({
            "id": u.id.as_str(), "label": u.label, "url": u.url,
        })).collect::<Vec<_>>(),
        "social": contact.social.iter().map(|s| json!({
            "id": s.id.as_str(), "network": s.network.as_str(), "handle": s.handle,
        })).collect::<Vec<_>>(),
        "type": contact.contact_type.as_str(),
        "level": contact.level.as_ref().map(|level| level.as_str()),
        "language": contact.language,
        "tags": contact.tag_list(),
        "notes": contact.notes.as_str(),
        // The shape of a card draft's `images`, so a script can match the two.
        "card_images": contact.card_images.iter().map(|i| json!({
            "id": i.id.as_str(), "side": side_name(&i.side),
            "blob": {"sha256": i.blob.sha256, "mime": i.blob.mime, "bytes": i.blob.bytes},
        })).collect::<Vec<_>>(),
        "custom": contact.custom.iter().map(|(key, value)| (key.clone(), custom(value)))
            .collect::<serde_json::Map<_, _>>(),
        "activity": contact.activity.iter().map(|a| json!({
            "id": a.id.as_str(), "kind": a.kind.as_str(), "at_ms": a.at_ms, "by": a.by,
            "text": a.text,
        })).collect::<Vec<_>>(),
        "lifecycle": {
            "archived": contact.lifecycle.archived,
            "trashed_at_ms": contact.lifecycle.trashed_at_ms,
            "merged_into": contact.lifecycle.merged_into,
        },
    })
}

fn custom(value: &CustomValue) -> Value {
    match value {
        CustomValue::Text(text) => json!({"text": text}),
        CustomValue::Number(number) => json!({"number": number}),
        CustomValue::Bool(flag) => json!({"bool": flag}),
        CustomValue::Date(date) => json!({"date": date.to_string()}),
        // A value of a type a newer client wrote: shown by its type, kept as written.
        CustomValue::Unknown { kind, .. } => json!({ kind.as_str(): null }),
    }
}

/// Who may see a contact, for a person: `everyone`, `only its owner`, or the members (by name
/// when known) and how many groups and units.
pub fn visibility_text(visibility: &Visibility, names: &history::Names) -> String {
    match visibility {
        Visibility::All => "everyone".into(),
        Visibility::Members {
            members,
            groups,
            units,
        } => {
            let mut parts: Vec<String> = members
                .iter()
                .map(|m| names.get(m).cloned().unwrap_or_else(|| m.to_string()))
                .collect();
            if !groups.is_empty() {
                parts.push(format!("{} groups", groups.len()));
            }
            if !units.is_empty() {
                parts.push(format!("{} org units", units.len()));
            }
            if parts.is_empty() {
                "only its owner".into()
            } else {
                parts.join(", ")
            }
        }
    }
}

/// A time (ms since the Unix epoch) as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil: exact for the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_images_are_shown_as_a_draft_shows_them() {
        use sync_core::contact::{BlobRef, CardImage, CardSide};
        use sync_core::ids::ItemId;

        let image = CardImage {
            id: ItemId::from("c1"),
            side: CardSide::Front,
            blob: BlobRef {
                sha256: "ab".repeat(32),
                mime: "image/jpeg".into(),
                bytes: 48_213,
            },
        };
        let mut contact = Contact::default();
        contact.card_images.push(image.clone());
        let id = ContactId::from_u128(7);
        let shown = json(id, &contact);
        assert_eq!(
            shown["card_images"],
            serde_json::to_value([&image]).unwrap(),
            "the same shape as a card draft's `images`"
        );
        let page = page(id, &contact);
        assert!(
            page.contains(&format!(
                "front image/jpeg 48 KB  sha256 {}",
                "ab".repeat(32)
            )),
            "{page}"
        );
    }

    #[test]
    fn utc_prints_calendar_time() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_767_225_599_000), "2025-12-31 23:59:59 UTC");
    }
}
