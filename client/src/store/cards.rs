//! Scanned cards: the upload queue (`card_uploads`) and the drafts with the rep's decisions
//! (`card_drafts`). See `migrations/0002_cards.sql`.

use sqlx::SqliteConnection;
use sync_core::card::CardDraft;
use sync_core::ids::{CardId, ContactId};

use crate::cards::{Card, CardState, Resolution, progress};
use crate::error::Error;
use crate::store::parse_id;

/// Photos waiting for the server.
pub(crate) struct Photos {
    pub front: Vec<u8>,
    pub back: Option<Vec<u8>>,
}

/// Queues a scan's photos.
pub(crate) async fn queue(
    connection: &mut SqliteConnection,
    card: CardId,
    photos: &Photos,
    at_ms: i64,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO card_uploads (card, front, back, queued_at_ms) VALUES (?, ?, ?, ?)")
        .bind(card.to_string())
        .bind(photos.front.as_slice())
        .bind(photos.back.as_deref())
        .bind(at_ms)
        .execute(connection)
        .await?;
    Ok(())
}

/// The cards whose photos still have to be sent, fewest failed attempts first, then oldest
/// scan first: a card the server keeps failing on goes to the back instead of holding up
/// the others. Ids only: the photos are read one card at a time, so a long queue never sits
/// in memory whole.
pub(crate) async fn uploads_due(connection: &mut SqliteConnection) -> Result<Vec<CardId>, Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT card FROM card_uploads WHERE refused_code IS NULL \
         ORDER BY attempts, queued_at_ms, card",
    )
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|(card,)| parse_id("card_uploads.card", card))
        .collect()
}

/// A queued card's photos, unless it left the queue meanwhile (another process uploaded or
/// dismissed it).
pub(crate) async fn photos(
    connection: &mut SqliteConnection,
    card: CardId,
) -> Result<Option<Photos>, Error> {
    let row: Option<(Vec<u8>, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT front, back FROM card_uploads WHERE card = ? AND refused_code IS NULL",
    )
    .bind(card.to_string())
    .fetch_optional(connection)
    .await?;
    Ok(row.map(|(front, back)| Photos { front, back }))
}

/// Records an upload attempt that may succeed later.
pub(crate) async fn upload_failed(
    connection: &mut SqliteConnection,
    card: CardId,
    error: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE card_uploads SET attempts = attempts + 1, last_error = ? WHERE card = ?")
        .bind(error)
        .bind(card.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

/// Records that the server refused the photos for good: kept for the rep to see, never sent
/// again, photos dropped (no retry could use them).
pub(crate) async fn upload_refused(
    connection: &mut SqliteConnection,
    card: CardId,
    code: &str,
    message: &str,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE card_uploads SET refused_code = ?, last_error = ?, front = x'', back = NULL \
         WHERE card = ?",
    )
    .bind(code)
    .bind(message)
    .bind(card.to_string())
    .execute(connection)
    .await?;
    Ok(())
}

/// Removes a card from the upload queue; returns whether it was there.
pub(crate) async fn remove_upload(
    connection: &mut SqliteConnection,
    card: CardId,
) -> Result<bool, Error> {
    let done = sqlx::query("DELETE FROM card_uploads WHERE card = ?")
        .bind(card.to_string())
        .execute(connection)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Stores a draft from the server (the upload's answer or a `card` frame). The server has the
/// photos, so the card leaves the upload queue. A draft less far along than the stored one is
/// ignored: answers can arrive out of order across processes.
pub(crate) async fn save_draft(
    connection: &mut SqliteConnection,
    draft: &CardDraft,
    now_ms: i64,
) -> Result<(), Error> {
    let card = draft.card.to_string();
    if let Some(stored) = load_draft(connection, draft.card).await?
        && progress(draft.status) < progress(stored.0.status)
    {
        return Ok(());
    }
    let queued: Option<(i64,)> =
        sqlx::query_as("SELECT queued_at_ms FROM card_uploads WHERE card = ?")
            .bind(&card)
            .fetch_optional(&mut *connection)
            .await?;
    let json = serde_json::to_string(draft).map_err(|error| Error::Corrupt {
        what: format!("the draft of card {card} could not be encoded: {error}"),
    })?;
    sqlx::query(
        "INSERT INTO card_drafts (card, scanned_at_ms, draft) VALUES (?, ?, ?) \
         ON CONFLICT (card) DO UPDATE SET draft = excluded.draft",
    )
    .bind(&card)
    .bind(queued.map_or(now_ms, |(at,)| at))
    .bind(json)
    .execute(&mut *connection)
    .await?;
    remove_upload(connection, draft.card).await?;
    Ok(())
}

/// A card's stored draft and the rep's decision.
pub(crate) async fn load_draft(
    connection: &mut SqliteConnection,
    card: CardId,
) -> Result<Option<(CardDraft, Resolution)>, Error> {
    let row: Option<DraftRow> = sqlx::query_as(
        "SELECT card, scanned_at_ms, draft, resolution, saved_as, done_reported \
         FROM card_drafts WHERE card = ?",
    )
    .bind(card.to_string())
    .fetch_optional(connection)
    .await?;
    row.map(|row| {
        let (draft, resolution) = (parse_draft(&row.2)?, parse_resolution(&row.3, &row.4)?);
        Ok((draft, resolution))
    })
    .transpose()
}

/// Records the rep's decision.
pub(crate) async fn resolve(
    connection: &mut SqliteConnection,
    card: CardId,
    resolution: Resolution,
) -> Result<(), Error> {
    let (word, saved_as) = match resolution {
        Resolution::Pending => ("pending", None),
        Resolution::Saved(contact) => ("saved", Some(contact.to_string())),
        Resolution::Dismissed => ("dismissed", None),
    };
    sqlx::query("UPDATE card_drafts SET resolution = ?, saved_as = ? WHERE card = ?")
        .bind(word)
        .bind(saved_as)
        .bind(card.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

/// Cards the rep decided about that the server has not been told of.
pub(crate) async fn to_report(connection: &mut SqliteConnection) -> Result<Vec<CardId>, Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT card FROM card_drafts WHERE resolution <> 'pending' AND done_reported = 0 \
         ORDER BY scanned_at_ms, card",
    )
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|(card,)| parse_id("card_drafts.card", card))
        .collect()
}

/// Uploaded cards the rep has not decided about whose reading has not finished yet, oldest
/// first.
pub(crate) async fn awaiting_reading(
    connection: &mut SqliteConnection,
) -> Result<Vec<CardId>, Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT card FROM card_drafts WHERE resolution = 'pending' \
         AND json_extract(draft, '$.status') IN ('queued', 'reading') \
         ORDER BY scanned_at_ms, card",
    )
    .fetch_all(connection)
    .await?;
    rows.iter()
        .map(|(card,)| parse_id("card_drafts.card", card))
        .collect()
}

/// Records that the server was told.
pub(crate) async fn reported(connection: &mut SqliteConnection, card: CardId) -> Result<(), Error> {
    sqlx::query("UPDATE card_drafts SET done_reported = 1 WHERE card = ?")
        .bind(card.to_string())
        .execute(connection)
        .await?;
    Ok(())
}

type UploadRow = (String, i64, i64, Option<String>, Option<String>);
type DraftRow = (String, i64, String, String, Option<String>, bool);

/// Every card, newest scan first.
pub(crate) async fn list(connection: &mut SqliteConnection) -> Result<Vec<Card>, Error> {
    let uploads: Vec<UploadRow> = sqlx::query_as(
        "SELECT card, queued_at_ms, attempts, last_error, refused_code FROM card_uploads",
    )
    .fetch_all(&mut *connection)
    .await?;
    let drafts: Vec<DraftRow> = sqlx::query_as(
        "SELECT card, scanned_at_ms, draft, resolution, saved_as, done_reported FROM card_drafts",
    )
    .fetch_all(&mut *connection)
    .await?;
    let mut cards = Vec::with_capacity(uploads.len() + drafts.len());
    for row in uploads {
        cards.push(upload_card(row)?);
    }
    for row in drafts {
        cards.push(draft_card(row)?);
    }
    cards.sort_by_key(|card| std::cmp::Reverse((card.scanned_at_ms, card.id)));
    Ok(cards)
}

fn upload_card(
    (card, queued_at_ms, attempts, last_error, refused): UploadRow,
) -> Result<Card, Error> {
    Ok(Card {
        id: parse_id("card_uploads.card", &card)?,
        scanned_at_ms: queued_at_ms,
        state: match refused {
            Some(code) => CardState::Refused { code },
            None => CardState::Queued,
        },
        draft: None,
        upload_attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        last_error,
        done_reported: false,
    })
}

fn draft_card(
    (card, scanned_at_ms, draft, resolution, saved_as, reported): DraftRow,
) -> Result<Card, Error> {
    let draft = parse_draft(&draft)?;
    let resolution = parse_resolution(&resolution, &saved_as)?;
    Ok(Card {
        id: parse_id("card_drafts.card", &card)?,
        scanned_at_ms,
        state: resolution.state(&draft),
        draft: Some(draft),
        upload_attempts: 0,
        last_error: None,
        done_reported: reported,
    })
}

fn parse_draft(json: &str) -> Result<CardDraft, Error> {
    serde_json::from_str(json).map_err(|error| Error::Corrupt {
        what: format!("a stored card draft: {error}"),
    })
}

fn parse_resolution(word: &str, saved_as: &Option<String>) -> Result<Resolution, Error> {
    match (word, saved_as) {
        ("pending", _) => Ok(Resolution::Pending),
        ("dismissed", _) => Ok(Resolution::Dismissed),
        ("saved", Some(contact)) => {
            let contact: ContactId = parse_id("card_drafts.saved_as", contact)?;
            Ok(Resolution::Saved(contact))
        }
        _ => Err(Error::Corrupt {
            what: format!("card resolution {word:?}"),
        }),
    }
}
