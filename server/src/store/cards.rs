//! Business cards in the store: the upload, the reading job with its lease, the draft, and the
//! image blobs contacts refer to by hash (who may fetch one: `sql::blobs`).
//!
//! A card is one row from upload to review. Workers on any node claim due rows with a lease
//! (Postgres: `FOR UPDATE SKIP LOCKED`, so two workers never take one card; SQLite: the single
//! writer gives the same guarantee). A worker that dies leaves its lease to expire and the card
//! is taken again; a worker finishing late finds `attempts` moved on and its result is dropped.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sync_core::card::{CardDraft, CardError, CardStatus, Field};
use sync_core::contact::CardImage;
use sync_core::ids::{CardId, ContactId, DeviceId, MemberId, TenantId};
use uuid::Uuid;

use super::StoreError;

/// A card as uploaded.
#[derive(Debug, Clone)]
pub struct NewCard {
    /// The device's id for the card.
    pub card: CardId,
    /// Who scanned it.
    pub member: MemberId,
    /// From which device (the draft goes back to it).
    pub device: DeviceId,
    /// The front photo, as uploaded.
    pub front: Vec<u8>,
    /// The back photo, if taken.
    pub back: Option<Vec<u8>>,
    /// Milliseconds since the Unix epoch.
    pub now_ms: i64,
}

/// What a card read as, kept until the rep has reviewed it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CardReading {
    /// The fields of front and back.
    pub fields: Vec<Field>,
    /// The phone region the card was read in.
    pub region: Option<String>,
    /// The stored photos.
    pub images: Vec<CardImage>,
    /// Contacts sharing an email or phone with the card, visible to the scanning member.
    pub duplicates: Vec<ContactId>,
}

/// A card's row.
#[derive(Debug, Clone, PartialEq)]
pub struct CardRecord {
    /// The tenant.
    pub tenant: TenantId,
    /// The card.
    pub card: CardId,
    /// Who scanned it.
    pub member: MemberId,
    /// From which device.
    pub device: DeviceId,
    /// Where it is.
    pub status: CardStatus,
    /// Its reading, once ready.
    pub reading: Option<CardReading>,
    /// Why it failed, when it did (or why the last attempt failed, while retrying).
    pub error: Option<CardError>,
    /// Claims so far.
    pub attempts: u32,
}

impl CardRecord {
    /// The draft as the device and the API see it.
    pub fn draft(&self) -> CardDraft {
        let reading = self.reading.clone().unwrap_or_default();
        CardDraft {
            card: self.card,
            status: self.status,
            fields: reading.fields,
            region: reading.region,
            images: reading.images,
            duplicates: reading.duplicates,
            error: match self.status {
                CardStatus::Failed => self.error.clone(),
                _ => None,
            },
        }
    }
}

/// A claimed card, for a worker to read.
#[derive(Debug, Clone)]
pub struct CardJob {
    /// The tenant.
    pub tenant: TenantId,
    /// The card.
    pub card: CardId,
    /// Who scanned it (duplicates are looked for among what they may see).
    pub member: MemberId,
    /// From which device.
    pub device: DeviceId,
    /// The front photo.
    pub front: Vec<u8>,
    /// The back photo.
    pub back: Option<Vec<u8>>,
    /// This claim's number: the result is stored only if no later claim was made.
    pub attempts: u32,
}

/// An image to store by its hash.
#[derive(Debug, Clone)]
pub struct NewBlob {
    /// Lowercase hex SHA-256 of `data`.
    pub sha256: String,
    /// Its media type.
    pub mime: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// How a claimed card ended.
#[derive(Debug, Clone)]
pub enum CardOutcome {
    /// Read: store the images and the reading; the card is ready for review.
    Read {
        /// The reading, whose images are `blobs`.
        reading: CardReading,
        /// The re-encoded photos.
        blobs: Vec<NewBlob>,
    },
    /// It can never be read (not an image, corrupt): no retry.
    Failed(CardError),
    /// This attempt failed (timeout, crash); try again from `at_ms`.
    Retry {
        /// What went wrong.
        error: CardError,
        /// Not before this, in ms since the Unix epoch.
        at_ms: i64,
    },
}

/// The columns every card query selects, in this order (a macro so queries can `concat!` it
/// into one static string).
macro_rules! card_columns {
    () => {
        "tenant_id, id, member_id, device_id, status, reading, error_code, error_message, attempts"
    };
}
pub(crate) use card_columns;

/// A card row as selected by [`card_columns`].
pub(crate) type CardRow = (
    Uuid,
    Uuid,
    Uuid,
    Uuid,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

/// A job row: the card's ids, its photos and its claim number.
pub(crate) type JobRow = (
    Uuid,
    Uuid,
    Uuid,
    Uuid,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    i64,
);

/// The stored spelling of a status.
pub(crate) fn status_name(status: CardStatus) -> &'static str {
    match status {
        CardStatus::Queued => "queued",
        CardStatus::Reading => "reading",
        CardStatus::Ready => "ready",
        CardStatus::Failed => "failed",
        CardStatus::Done => "done",
    }
}

fn parse_status(name: &str) -> Result<CardStatus, StoreError> {
    Ok(match name {
        "queued" => CardStatus::Queued,
        "reading" => CardStatus::Reading,
        "ready" => CardStatus::Ready,
        "failed" => CardStatus::Failed,
        "done" => CardStatus::Done,
        other => return Err(StoreError::Corrupt(format!("card status {other:?}"))),
    })
}

/// A card from its row.
pub(crate) fn card_record(row: CardRow) -> Result<CardRecord, StoreError> {
    let (tenant, card, member, device, status, reading, code, message, attempts) = row;
    let reading = reading
        .map(|json| serde_json::from_str::<CardReading>(&json))
        .transpose()
        .map_err(|error| StoreError::Corrupt(format!("card {card} reading: {error}")))?;
    Ok(CardRecord {
        tenant: TenantId::from_bytes(tenant.into_bytes()),
        card: CardId::from_bytes(card.into_bytes()),
        member: MemberId::from_bytes(member.into_bytes()),
        device: DeviceId::from_bytes(device.into_bytes()),
        status: parse_status(&status)?,
        reading,
        error: code.map(|code| CardError {
            code,
            message: message.unwrap_or_default(),
        }),
        attempts: attempts.max(0) as u32,
    })
}

/// A claimed job from its row.
pub(crate) fn card_job(row: JobRow) -> Result<CardJob, StoreError> {
    let (tenant, card, member, device, front, back, attempts) = row;
    Ok(CardJob {
        tenant: TenantId::from_bytes(tenant.into_bytes()),
        card: CardId::from_bytes(card.into_bytes()),
        member: MemberId::from_bytes(member.into_bytes()),
        device: DeviceId::from_bytes(device.into_bytes()),
        front: front.ok_or_else(|| StoreError::Corrupt(format!("card {card} lost its photo")))?,
        back,
        attempts: attempts.max(0) as u32,
    })
}

/// The reading as stored.
pub(crate) fn reading_json(reading: &CardReading) -> String {
    serde_json::to_string(reading).expect("a reading always serialises")
}

/// The columns an outcome writes: status, reading, error code and message, next attempt.
pub(crate) struct OutcomeColumns {
    pub status: &'static str,
    pub reading: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub next_attempt_ms: Option<i64>,
}

impl OutcomeColumns {
    pub(crate) fn of(outcome: &CardOutcome) -> Self {
        let failed = |status, error: &CardError, next| Self {
            status,
            reading: None,
            error_code: Some(error.code.clone()),
            error_message: Some(error.message.clone()),
            next_attempt_ms: next,
        };
        match outcome {
            CardOutcome::Read { reading, .. } => Self {
                status: status_name(CardStatus::Ready),
                reading: Some(reading_json(reading)),
                error_code: None,
                error_message: None,
                next_attempt_ms: None,
            },
            CardOutcome::Failed(error) => failed(status_name(CardStatus::Failed), error, None),
            CardOutcome::Retry { error, at_ms } => {
                failed(status_name(CardStatus::Queued), error, Some(*at_ms))
            }
        }
    }
}

/// The part of the store that holds cards and blobs.
#[async_trait]
pub trait CardStore {
    /// Store an upload as a queued card. A card id already stored (a retried upload) is left
    /// as it is; the answer says whether this call created it.
    async fn create_card(
        &self,
        tenant: TenantId,
        new: &NewCard,
    ) -> Result<(CardRecord, bool), StoreError>;
    /// One card.
    async fn card(&self, tenant: TenantId, card: CardId) -> Result<Option<CardRecord>, StoreError>;
    /// A member's cards, newest first.
    async fn cards_of(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Vec<CardRecord>, StoreError>;
    /// The device's cards that are read (or failed) and not yet reviewed: what it is sent on
    /// connecting.
    async fn cards_to_review(
        &self,
        tenant: TenantId,
        device: DeviceId,
    ) -> Result<Vec<CardRecord>, StoreError>;
    /// Claim the card that is due first (queued and past its backoff, or reading with an
    /// expired lease), on any tenant: it is `reading` under a lease until `now_ms + lease_ms`.
    async fn claim_card(&self, now_ms: i64, lease_ms: i64) -> Result<Option<CardJob>, StoreError>;
    /// Record how a claimed card ended. `false` (and nothing stored) if the lease was lost to
    /// a later claim.
    async fn finish_card(
        &self,
        job: &CardJob,
        outcome: &CardOutcome,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// The member saved or dismissed the draft. `false` if there is no such card of theirs.
    async fn card_done(
        &self,
        tenant: TenantId,
        member: MemberId,
        card: CardId,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Forget cards reviewed (done) or failed before `before_ms`: their photos were already
    /// cleared, and a draft nobody will look at again is only clutter. Their images stay as
    /// long as a contact saved from them holds them, and are deleted otherwise. Returns how
    /// many were forgotten.
    async fn forget_cards(&self, before_ms: i64) -> Result<u64, StoreError>;
    /// A stored image, its media type and bytes, if `member` may fetch it: it is held by a
    /// contact they may see, or by a card they scanned. `None` alike when it does not exist
    /// and when they may not see it, so the answer never confirms a hash.
    async fn blob_for(
        &self,
        tenant: TenantId,
        member: MemberId,
        sha256: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError>;
    /// The hashes of every image the tenant keeps, sorted, whoever may fetch them: what an
    /// operator (or the conformance suite) checks was deleted. Never serve from it.
    async fn stored_blobs(&self, tenant: TenantId) -> Result<Vec<String>, StoreError>;
    /// Contacts holding any of `emails` (lowercase) or `phones` (E.164), of every visibility;
    /// the caller filters by who may see them.
    async fn contacts_sharing(
        &self,
        tenant: TenantId,
        emails: &[String],
        phones: &[String],
    ) -> Result<Vec<ContactId>, StoreError>;
}
