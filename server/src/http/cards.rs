//! Business cards: upload the photos of one card, follow its reading, report it reviewed, and
//! fetch stored card images.
//!
//! The upload is `multipart/form-data` with a `front` part and optionally a `back` part. Each
//! is read with a size cap and its header checked (format, declared pixels, memory needed)
//! before anything is stored, so a 30 MB file, a non-image or a 100,000 × 100,000 PNG is
//! refused at once with an error naming the part; damaged pixel data is found by the reader,
//! and the card then ends `failed` with the reason. The card id comes from the device, which
//! makes a retried upload harmless: it answers the card as it stands.

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sync_core::card::CardDraft;
use sync_core::ids::CardId;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::accounts::Authenticated;
use super::error::{ApiError, ErrorBody};
use super::extract::{Multipart, Path};
use crate::cards::child::refusal;
use crate::cards::worker::now_ms;
use crate::state::AppState;
use crate::store::cards::NewCard;

/// Largest photo accepted: DESIGN's image limit. A phone's photo of a card is 2-6 MB.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// The card routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(
            routes!(upload, one)
                // Two photos and the multipart framing; each photo is capped on its own below.
                .layer(DefaultBodyLimit::max(2 * MAX_PHOTO_BYTES + 64 * 1024)),
        )
        .routes(routes!(list))
        .routes(routes!(done))
        .routes(routes!(blob))
}

/// The photos of one card, as `multipart/form-data` parts (a description for the OpenAPI
/// document; the handler reads the parts itself).
#[derive(ToSchema)]
#[allow(dead_code)]
struct CardUpload {
    /// The card's front: JPEG, PNG or GIF, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    front: Vec<u8>,
    /// Its back, if it has one.
    #[schema(value_type = Option<String>, format = Binary)]
    back: Option<Vec<u8>>,
}

/// A card's reading, as `sync_core::card::CardDraft` serialises it (a description for the
/// OpenAPI document).
#[derive(ToSchema)]
#[schema(as = CardDraft)]
#[allow(dead_code)]
struct CardDraftSchema {
    /// The card's id, chosen by the device.
    card: String,
    /// `queued`, `reading`, `ready`, `failed` or `done`.
    status: String,
    /// Fields read, the most confident of each kind first: `{kind, label, value, raw,
    /// confidence, source, bbox}`.
    fields: Vec<serde_json::Value>,
    /// The country national phone numbers were read in, when inferred.
    region: Option<String>,
    /// The stored photos: `{id, side, blob: {sha256, mime, bytes}}`.
    images: Vec<serde_json::Value>,
    /// Contacts the member sees that share an email or phone with the draft.
    duplicates: Vec<String>,
    /// Why it could not be read: `{code, message}`.
    error: Option<serde_json::Value>,
}

fn parse_card(id: &str) -> Result<CardId, ApiError> {
    id.parse()
        .map_err(|error: sync_core::ids::IdParseError| ApiError::bad("card", error.to_string()))
}

/// Upload the photos of a card to be read; the id comes from the device, so a retried upload
/// answers the card as it stands.
#[utoipa::path(
    put, path = "/v1/cards/{card}", tag = "cards",
    params(("card" = String, Path, description = "The card's id, chosen by the device")),
    request_body(content = CardUpload, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Accepted: a worker will read it", body = CardDraftSchema),
        (status = 200, description = "Uploaded before: the card as it stands", body = CardDraftSchema),
        (status = 400, description = "A part missing or unknown (`photo_missing`, `bad_request`)", body = ErrorBody),
        (status = 409, description = "Another member's card has this id", body = ErrorBody),
        (status = 413, description = "A photo over the limit (`photo_too_large`)", body = ErrorBody),
        (status = 415, description = "Not an image (`photo_not_image`) or not multipart", body = ErrorBody),
        (status = 422, description = "Too many pixels or damaged (`photo_too_many_pixels`, `photo_corrupt`)", body = ErrorBody),
    )
)]
async fn upload(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
    Path(id): Path<String>,
    Multipart(mut multipart): Multipart,
) -> Result<Response, ApiError> {
    let card = parse_card(&id)?;
    if let Some(existing) = state.store.card(claims.tenant, card).await? {
        if existing.member != claims.member {
            return Err(ApiError::Conflict(format!("card id {card}")));
        }
        return Ok((StatusCode::OK, Json(existing.draft())).into_response());
    }
    let (mut front, mut back) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(bad_upload)? {
        let name = field.name().unwrap_or_default().to_string();
        let slot = match name.as_str() {
            "front" => &mut front,
            "back" => &mut back,
            _ => {
                return Err(ApiError::bad(
                    name,
                    "unknown part: a card upload has `front` and optionally `back`",
                ));
            }
        };
        if slot.is_some() {
            return Err(ApiError::bad(name, "sent twice"));
        }
        let photo = read_photo(&name, field).await?;
        ocr::decode::check_header(&photo).map_err(|error| {
            let (code, message) = refusal(&error);
            ApiError::Photo {
                field: name.clone(),
                code,
                message,
            }
        })?;
        *slot = Some(photo.to_vec());
    }
    let front = front.ok_or_else(|| ApiError::Photo {
        field: "front".into(),
        code: "photo_missing",
        message: "a card upload needs a `front` photo".into(),
    })?;
    let new = NewCard {
        card,
        member: claims.member,
        device: claims.device,
        front,
        back,
        now_ms: now_ms(),
    };
    let (record, created) = state.store.create_card(claims.tenant, &new).await?;
    if created {
        metrics::counter!("rolo_cards_uploaded_total").increment(1);
        state.card_jobs.notify_one();
    }
    let status = if created {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(record.draft())).into_response())
}

/// A part's bytes, refusing it as soon as it passes [`MAX_PHOTO_BYTES`] (the rest is never
/// read).
async fn read_photo(name: &str, mut field: Field<'_>) -> Result<Bytes, ApiError> {
    let too_large = || ApiError::Photo {
        field: name.to_string(),
        code: "photo_too_large",
        message: format!("a card photo may be at most {MAX_PHOTO_BYTES} bytes"),
    };
    let mut photo = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|error| {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            bad_upload(error)
        }
    })? {
        if photo.len() + chunk.len() > MAX_PHOTO_BYTES {
            return Err(too_large());
        }
        photo.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(photo))
}

fn bad_upload(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::Photo {
            field: "body".into(),
            code: "photo_too_large",
            message: format!(
                "the upload is over the limit of two photos of {MAX_PHOTO_BYTES} bytes"
            ),
        };
    }
    ApiError::bad(
        "body",
        format!("not a readable multipart upload: {}", error.body_text()),
    )
}

/// One of the caller's cards.
#[utoipa::path(
    get, path = "/v1/cards/{card}", tag = "cards",
    params(("card" = String, Path, description = "The card's id")),
    responses(
        (status = 200, description = "The card's reading", body = CardDraftSchema),
        (status = 404, description = "No such card of the caller's", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<CardDraft>, ApiError> {
    let card = parse_card(&id)?;
    match state.store.card(claims.tenant, card).await? {
        Some(record) if record.member == claims.member => Ok(Json(record.draft())),
        _ => Err(ApiError::NotFound(format!("card {card}"))),
    }
}

/// The caller's cards.
#[utoipa::path(
    get, path = "/v1/cards", tag = "cards",
    responses((status = 200, description = "The caller's cards", body = Vec<CardDraftSchema>))
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
) -> Result<Json<Vec<CardDraft>>, ApiError> {
    let cards = state.store.cards_of(claims.tenant, claims.member).await?;
    Ok(Json(cards.iter().map(|record| record.draft()).collect()))
}

/// Report a card reviewed (saved or dismissed): it is no longer offered.
#[utoipa::path(
    post, path = "/v1/cards/{card}/done", tag = "cards",
    params(("card" = String, Path, description = "The card's id")),
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such card of the caller's", body = ErrorBody),
    )
)]
async fn done(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let card = parse_card(&id)?;
    if state
        .store
        .card_done(claims.tenant, claims.member, card, now_ms())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("card {card}")))
    }
}

/// A stored image, for a member who may see a contact holding it or who scanned the card it
/// was read from; knowing the hash is not enough. Anyone else gets `not_found`, as for a hash
/// nothing is stored under (never `forbidden`: that would confirm the image exists).
#[utoipa::path(
    get, path = "/v1/blobs/{sha256}", tag = "cards",
    params(("sha256" = String, Path, description = "The image's SHA-256, lowercase hex")),
    responses(
        (status = 200, description = "The image's bytes", content_type = "image/*", body = Vec<u8>),
        (status = 400, description = "Not 64 lowercase hexadecimal digits", body = ErrorBody),
        (status = 404, description = "No such image, or none the caller may fetch", body = ErrorBody),
    )
)]
async fn blob(
    State(state): State<AppState>,
    Authenticated(claims): Authenticated,
    Path(sha256): Path<String>,
) -> Result<Response, ApiError> {
    let well_formed = sha256.len() == 64
        && sha256
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
    if !well_formed {
        return Err(ApiError::bad(
            "sha256",
            "expected 64 lowercase hexadecimal digits",
        ));
    }
    match state
        .store
        .blob_for(claims.tenant, claims.member, &sha256)
        .await?
    {
        Some((mime, data)) => Ok((
            [
                (header::CONTENT_TYPE, mime),
                // Content-addressed: the bytes behind a hash never change.
                (
                    header::CACHE_CONTROL,
                    "private, max-age=31536000, immutable".to_string(),
                ),
            ],
            data,
        )
            .into_response()),
        None => Err(ApiError::NotFound(format!("image {sha256}"))),
    }
}
