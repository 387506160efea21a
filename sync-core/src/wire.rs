//! The wire protocol: every frame a device and the server exchange over one WebSocket.
//!
//! Frames are MessagePack maps with named fields and a string tag `t` (`{"t":"push",…}`), so a
//! TypeScript client can speak them with `@msgpack/msgpack` alone. Ids travel as 16 raw bytes
//! and Automerge changes as `bin`, which keeps a feed item within a few dozen bytes of the
//! change it carries. docs/protocol.md is the specification; this module is its code.
//!
//! Decoding never panics: a frame over the size limit is refused before it is parsed, and any
//! malformed input is a [`WireError`].

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use crate::ids::{ContactId, DeviceId, MemberId};

pub mod shape;
mod visibility;

pub use visibility::{DocMeta, MAX_SHARED_MEMBERS, Visibility, VisibilityError};

/// The protocol version this build speaks. A `hello` with another version gets an
/// `unsupported_version` error naming the versions the server accepts.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest frame either side accepts, in bytes. Feed pages aim at [`FEED_PAGE_BYTES`]; the
/// limit leaves room for one large snapshot.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// The size a feed page aims at: large enough that catching up is a handful of round trips,
/// small enough that a phone on a poor link makes progress on each.
pub const FEED_PAGE_BYTES: usize = 1024 * 1024;

/// Most documents one push may carry.
pub const MAX_PUSH_DOCS: usize = 1000;

/// The name of raw DEFLATE in `hello.accept`.
pub const DEFLATE: &str = "deflate";

/// Frames smaller than this are sent plain even to devices that accept DEFLATE: compressing
/// them saves too little to be worth the work.
pub const DEFLATE_ABOVE_BYTES: usize = 512;

/// Everything that crosses the socket, in both directions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Frame {
    /// Device → server, first frame of a session (and again to resume the feed from a cursor).
    Hello {
        /// Protocol version the device speaks.
        v: u32,
        /// The device, as registered at login.
        device: DeviceId,
        /// The highest feed `seq` the device has applied all items up to; 0 for a new device.
        cursor: u64,
        /// Frame encodings the device can read besides plain MessagePack; today only
        /// [`DEFLATE`]. Absent means none (older devices).
        #[serde(default)]
        accept: Vec<String>,
        /// The contact document layout the device writes
        /// ([`DOC_LAYOUT`](crate::contact::DOC_LAYOUT)). Absent means 1 (devices from before
        /// layouts were stated).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        layout: Option<u32>,
    },
    /// Server → device, the answer to `hello`.
    Welcome {
        /// Protocol version the server speaks.
        v: u32,
        /// The member the device belongs to.
        member: MemberId,
        /// The tenant's latest feed `seq` at this moment.
        head: u64,
        /// Largest frame the server accepts.
        max_frame: u32,
        /// The contact document layout the server writes. A device writing an older one reads
        /// the newer keys and values it does not know and keeps them. Absent means 1.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        layout: Option<u32>,
        /// The oldest layout the server accepts pushes from
        /// ([`MIN_LAYOUT`](crate::accept::MIN_LAYOUT)): a device writing an older one must
        /// not push (each contact would be refused with `upgrade_required`) and should ask
        /// its user to update the app, keeping its edits. Absent means 1.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_layout: Option<u32>,
    },
    /// Device → server: local changes, batched.
    Push {
        /// Chosen by the device, echoed in the `ack`; unique within the connection.
        batch: u64,
        /// The changes, grouped by contact, in causal order within each contact.
        docs: Vec<DocChanges>,
    },
    /// Server → device, sent only after the push's transaction committed.
    Ack {
        /// The `batch` of the push being answered.
        batch: u64,
        /// One result per contact of the push, in the same order.
        results: Vec<DocResult>,
    },
    /// Server → device: a page of the change feed.
    Feed {
        /// The cursor this page continues from. A device whose cursor differs has missed or
        /// reordered a page and sends `hello` again instead of applying it.
        from: u64,
        /// The cursor after this page: every feed item up to here that the device may see has
        /// been sent.
        to: u64,
        /// True on the first page of a full resynchronisation: once the last page of it
        /// (`more` false) arrives, the device drops every contact not granted in it.
        reset: bool,
        /// More pages follow at once.
        more: bool,
        /// The items, in feed order.
        items: Vec<FeedItem>,
    },
    /// Either direction: one Automerge sync message for one contact, to repair a document
    /// whose heads disagree. The server never applies changes it receives this way (those go
    /// through `push`, which checks them); it only sends what the device lacks.
    Sync {
        /// The contact being repaired.
        doc: ContactId,
        /// An encoded `automerge::sync::Message`.
        #[serde(with = "serde_bytes")]
        msg: Vec<u8>,
    },
    /// Either direction: who is looking at or editing a contact. Never stored.
    Presence {
        /// The contact.
        doc: ContactId,
        /// What the person is doing.
        state: PresenceState,
        /// Filled in by the server when forwarding; ignored from devices.
        member: Option<MemberId>,
        /// Filled in by the server when forwarding; ignored from devices.
        device: Option<DeviceId>,
    },
    /// Server → device: another frame, encoded and then compressed with raw DEFLATE
    /// (RFC 1951), sent only to devices whose `hello` accepts [`DEFLATE`]. Feed pages travel
    /// this way: a page of changes from one colleague repeats the same actor id, column layout
    /// and field names in every change and shrinks to under half. Never nested.
    Deflated {
        /// The compressed frame.
        #[serde(with = "serde_bytes")]
        frame: Vec<u8>,
    },
    /// Server → device: a business card this device scanned has been read (or could not be).
    /// Sent when the reading finishes and again after every `welcome` until the device reports
    /// the draft saved or dismissed, so a device that was away still gets it; the device keeps
    /// the newest per card.
    Card {
        /// The draft, with the card's id and status.
        draft: Box<crate::card::CardDraft>,
    },
    /// Either direction: something went wrong.
    Error {
        /// A stable machine-readable code, see [`ErrorCode`].
        code: ErrorCode,
        /// A human explanation; never internal details.
        message: String,
        /// True when the sender closes the connection after this frame.
        fatal: bool,
        /// The push this answers, when it answers one (`unavailable`: the push was not
        /// committed and gets no `ack`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        batch: Option<u64>,
        /// How long to wait before trying again, in milliseconds (`unavailable`): the
        /// server's estimate, growing while it stays unable to commit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

/// The changes of one contact in a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocChanges {
    /// The contact.
    pub doc: ContactId,
    /// Raw Automerge change bytes.
    pub changes: Vec<ByteBuf>,
    /// Who may see the contact, when this push creates it: committed in the same
    /// transaction as the contact, so a contact meant to be private is never shown to
    /// anyone else, not even for a moment. Absent means everyone in the company. Ignored
    /// for a contact that already exists (its visibility changes through the REST API).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

impl DocChanges {
    /// Changes to a contact, with no visibility of their own.
    pub fn new(doc: ContactId, changes: Vec<ByteBuf>) -> Self {
        Self {
            doc,
            changes,
            visibility: None,
        }
    }
}

/// The outcome of one contact of a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocResult {
    /// The contact.
    pub doc: ContactId,
    /// On success, the feed `seq` whose state contains the pushed changes.
    pub seq: Option<u64>,
    /// On refusal, why. The device drops its pending changes for this contact and repairs it
    /// from the server.
    pub rejected: Option<Rejection>,
}

/// Why the server refused a contact's changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// A stable code: `forbidden`, `invalid`, `missing_deps`, `malformed`, `not_found`,
    /// `too_large`, `upgrade_required`; more may be added (see [`crate::accept::codes`]).
    pub code: String,
    /// A human explanation naming the field and value when validation failed.
    pub message: String,
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum FeedItem {
    /// New changes to a contact the device may see.
    Changes {
        /// The contact.
        doc: ContactId,
        /// Raw Automerge change bytes, in causal order.
        changes: Vec<ByteBuf>,
    },
    /// A contact became visible to the device (or the device is resynchronising): the whole
    /// document and its metadata.
    Grant {
        /// The contact.
        doc: ContactId,
        /// The compacted Automerge document.
        snapshot: ByteBuf,
        /// Owner and visibility.
        meta: DocMeta,
    },
    /// The contact is no longer visible to the device, which deletes its copy.
    Revoke {
        /// The contact.
        doc: ContactId,
    },
    /// The contact was deleted for good.
    Purge {
        /// The contact.
        doc: ContactId,
    },
    /// The owner or visibility of a contact the device sees changed.
    Meta {
        /// The contact.
        doc: ContactId,
        /// The new owner and visibility.
        meta: DocMeta,
    },
}

impl FeedItem {
    /// The contact the item is about.
    pub fn doc(&self) -> ContactId {
        match self {
            FeedItem::Changes { doc, .. }
            | FeedItem::Grant { doc, .. }
            | FeedItem::Revoke { doc }
            | FeedItem::Purge { doc }
            | FeedItem::Meta { doc, .. } => *doc,
        }
    }
}

/// What a person is doing with a contact, for "Mina is editing this contact".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    /// Has the contact open.
    Viewing,
    /// Is changing it.
    Editing,
    /// Closed it.
    Left,
}

/// Stable error codes of `error` frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid MessagePack or not a known frame.
    BadFrame,
    /// The frame exceeds the size limit.
    FrameTooLarge,
    /// The `hello` names a protocol version the server does not speak.
    UnsupportedVersion,
    /// A frame other than `hello` arrived before the session started.
    HelloRequired,
    /// The credentials were refused.
    Unauthorized,
    /// The access token expired; refresh it and reconnect.
    TokenExpired,
    /// The device sends faster than allowed.
    RateLimited,
    /// A push carries more contacts than allowed.
    BatchTooLarge,
    /// The server failed; retry later.
    Unavailable,
}

/// A frame that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Refused before parsing.
    #[error("frame of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The frame's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a frame of this protocol.
    #[error("malformed frame: {reason}")]
    Malformed {
        /// What the decoder said.
        reason: String,
    },
}

impl WireError {
    /// The code of the `error` frame that answers this.
    pub fn code(&self) -> ErrorCode {
        match self {
            WireError::TooLarge { .. } => ErrorCode::FrameTooLarge,
            WireError::Malformed { .. } => ErrorCode::BadFrame,
        }
    }
}

impl Frame {
    /// The frame as MessagePack bytes.
    pub fn encode(&self) -> Vec<u8> {
        to_msgpack(self)
    }

    /// Decode a frame the server sent, of at most `limit` bytes: a [`Frame::Deflated`] is
    /// inflated (to at most `limit` bytes) and the frame inside returned. Exactly one layer:
    /// a deflated frame inside a deflated frame is malformed, found without recursing.
    pub fn decode(bytes: &[u8], limit: usize) -> Result<Frame, WireError> {
        match Frame::decode_plain(bytes, limit)? {
            Frame::Deflated { frame } => {
                match Frame::decode_plain(&inflate(&frame, limit)?, limit)? {
                    Frame::Deflated { .. } => Err(WireError::Malformed {
                        reason: "a deflated frame inside a deflated frame".into(),
                    }),
                    inner => Ok(inner),
                }
            }
            frame => Ok(frame),
        }
    }

    /// Decode a frame a device sent, of at most `limit` bytes. Devices send plain frames
    /// only: a [`Frame::Deflated`] from a device is malformed (the server never inflates
    /// what a device sends, so a small message cannot cost it more than its own size).
    pub fn decode_from_device(bytes: &[u8], limit: usize) -> Result<Frame, WireError> {
        match Frame::decode_plain(bytes, limit)? {
            Frame::Deflated { .. } => Err(WireError::Malformed {
                reason: "devices send plain frames; `deflated` is only sent by the server".into(),
            }),
            frame => Ok(frame),
        }
    }

    /// Decode one MessagePack frame as it is, without inflating anything. The shape is
    /// checked first ([`shape::check`]: depth, value count, lengths), so serde's buffering
    /// of the tagged map stays within a small multiple of the frame's size.
    fn decode_plain(bytes: &[u8], limit: usize) -> Result<Frame, WireError> {
        if bytes.len() > limit {
            return Err(WireError::TooLarge {
                size: bytes.len(),
                limit,
            });
        }
        // One WebSocket message carries one frame: anything after it would be silently lost,
        // and the shape check refuses it.
        shape::check(bytes).map_err(|error| WireError::Malformed {
            reason: error.to_string(),
        })?;
        let mut deserializer = rmp_serde::Deserializer::new(bytes).with_binary();
        deserializer.set_max_depth(shape::MAX_DEPTH + 1);
        Frame::deserialize(&mut deserializer).map_err(|error| WireError::Malformed {
            reason: error.to_string(),
        })
    }

    /// This frame compressed into a [`Frame::Deflated`], if that makes it smaller; else itself.
    pub fn deflated(self) -> Frame {
        match compress(&self.encode()) {
            Some(frame) => Frame::Deflated { frame },
            None => self,
        }
    }

    /// The bytes to send for this frame: the encoding of [`Frame::deflated`] when `deflate` is
    /// set, else the plain encoding.
    pub fn encode_for(&self, deflate: bool) -> Vec<u8> {
        let plain = self.encode();
        match deflate.then(|| compress(&plain)).flatten() {
            Some(frame) => Frame::Deflated { frame }.encode(),
            None => plain,
        }
    }

    /// An `error` frame.
    pub fn error(code: ErrorCode, message: impl Into<String>, fatal: bool) -> Frame {
        Frame::Error {
            code,
            message: message.into(),
            fatal,
            batch: None,
            retry_after_ms: None,
        }
    }

    /// The answer to push `batch` when the server cannot commit it now: a non-fatal
    /// `unavailable` telling the device to push again after `retry_after_ms`.
    pub fn push_unavailable(batch: u64, retry_after_ms: u64, message: impl Into<String>) -> Frame {
        Frame::Error {
            code: ErrorCode::Unavailable,
            message: message.into(),
            fatal: false,
            batch: Some(batch),
            retry_after_ms: Some(retry_after_ms),
        }
    }
}

/// `plain` deflated, when it is worth it: long enough and smaller after.
fn compress(plain: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    if plain.len() < DEFLATE_ABOVE_BYTES {
        return None;
    }
    let mut encoder = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(plain.len() / 2),
        flate2::Compression::fast(),
    );
    let compressed = encoder.write_all(plain).and_then(|()| encoder.finish());
    compressed.ok().filter(|frame| frame.len() < plain.len())
}

/// MessagePack with named fields, in binary mode: ids as 16-byte `bin`, never as text. (The
/// encoder's and decoder's defaults for "human readable" differ between rmp-serde
/// constructors, so both sides say it explicitly.)
pub fn to_msgpack<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    to_msgpack_checked(value).expect("frames contain only serialisable data")
}

/// Read a value written by [`to_msgpack`] (stores keep feed rows and visibility this way).
pub fn from_msgpack<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, rmp_serde::decode::Error> {
    T::deserialize(&mut rmp_serde::Deserializer::from_read_ref(bytes).with_binary())
}

fn to_msgpack_checked<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Vec<u8>, rmp_serde::encode::Error> {
    let mut bytes = Vec::new();
    value.serialize(
        &mut rmp_serde::Serializer::new(&mut bytes)
            .with_struct_map()
            .with_binary(),
    )?;
    Ok(bytes)
}

/// Inflate at most `limit` bytes: a small compressed frame must not expand into gigabytes.
fn inflate(compressed: &[u8], limit: usize) -> Result<Vec<u8>, WireError> {
    use std::io::Read;
    let mut inflated = Vec::new();
    flate2::read::DeflateDecoder::new(compressed)
        .take(limit as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|error| WireError::Malformed {
            reason: format!("deflated frame: {error}"),
        })?;
    if inflated.len() > limit {
        return Err(WireError::TooLarge {
            size: inflated.len(),
            limit,
        });
    }
    Ok(inflated)
}

/// Size of a feed item once encoded, for filling pages up to [`FEED_PAGE_BYTES`].
pub fn encoded_len(item: &FeedItem) -> usize {
    to_msgpack_checked(item)
        .map(|bytes| bytes.len())
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_frame_round_trips() {
        let doc = ContactId::from_u128(7);
        let frames = vec![
            Frame::Hello {
                v: 1,
                device: DeviceId::from_u128(1),
                cursor: 42,
                accept: vec![DEFLATE.into()],
                layout: Some(1),
            },
            Frame::Push {
                batch: 3,
                docs: vec![DocChanges {
                    doc,
                    changes: vec![ByteBuf::from(vec![1, 2, 3])],
                    visibility: None,
                }],
            },
            Frame::Feed {
                from: 1,
                to: 9,
                reset: false,
                more: true,
                items: vec![
                    FeedItem::Revoke { doc },
                    FeedItem::Meta {
                        doc,
                        meta: DocMeta {
                            owner: MemberId::from_u128(2),
                            visibility: Visibility::private(),
                        },
                    },
                ],
            },
            Frame::error(ErrorCode::RateLimited, "slow down", false),
        ];
        for frame in frames {
            assert_eq!(Frame::decode(&frame.encode(), MAX_FRAME_BYTES), Ok(frame));
        }
    }

    #[test]
    fn two_frames_in_one_message_are_malformed() {
        let mut bytes = Frame::error(ErrorCode::RateLimited, "a", false).encode();
        bytes.extend(Frame::error(ErrorCode::RateLimited, "b", false).encode());
        assert!(matches!(
            Frame::decode(&bytes, MAX_FRAME_BYTES),
            Err(WireError::Malformed { .. })
        ));
    }

    #[test]
    fn oversized_frame_is_refused_before_parsing() {
        let bytes = vec![0xc1; 100];
        assert_eq!(
            Frame::decode(&bytes, 99),
            Err(WireError::TooLarge {
                size: 100,
                limit: 99
            })
        );
    }

    #[test]
    fn garbage_is_a_malformed_frame_not_a_panic() {
        for bytes in [
            &[][..],
            &[0xc1],
            &[0x81, 0xa1, b't', 0xa4, b'n', b'o', b'p', b'e'],
            &[0xdf, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert!(matches!(
                Frame::decode(bytes, MAX_FRAME_BYTES),
                Err(WireError::Malformed { .. })
            ));
        }
    }

    #[test]
    fn wrong_length_id_is_malformed() {
        // {"t":"revoke"...} inside a feed is tested via Frame; a 3-byte contact id must fail.
        let frame = Frame::Sync {
            doc: ContactId::from_u128(1),
            msg: vec![],
        };
        let mut bytes = frame.encode();
        let position = bytes
            .windows(2)
            .position(|window| window == [0xc4, 16])
            .unwrap();
        bytes[position + 1] = 3;
        bytes.truncate(position + 2 + 3);
        bytes.extend_from_slice(&[0xa3, b'm', b's', b'g', 0xc4, 0]);
        assert!(matches!(
            Frame::decode(&bytes, MAX_FRAME_BYTES),
            Err(WireError::Malformed { .. })
        ));
    }

    #[test]
    fn mutated_and_random_bytes_never_panic_the_decoder() {
        let valid = Frame::Feed {
            from: 1,
            to: 2,
            reset: false,
            more: false,
            items: vec![FeedItem::Changes {
                doc: ContactId::from_u128(3),
                changes: vec![ByteBuf::from(vec![0x85, 0x6f, 0x4a, 0x83])],
            }],
        }
        .encode();
        let mut rng = crate::sim::rng::SimRng::new(99);
        let mut decoded = 0;
        for round in 0..20_000 {
            let mut bytes = if round % 2 == 0 {
                valid.clone()
            } else {
                (0..rng.below(64)).map(|_| rng.next_u64() as u8).collect()
            };
            for _ in 0..=rng.below(4) {
                if bytes.is_empty() {
                    break;
                }
                let position = rng.below(bytes.len() as u64) as usize;
                match rng.below(3) {
                    0 => bytes[position] = rng.next_u64() as u8,
                    1 => bytes.truncate(position),
                    _ => bytes.insert(position, rng.next_u64() as u8),
                }
            }
            if Frame::decode(&bytes, MAX_FRAME_BYTES).is_ok() {
                decoded += 1;
            }
        }
        // Some mutations still decode (a changed byte inside change bytes); most must not.
        assert!(decoded < 20_000);
    }

    #[test]
    fn a_deflated_feed_page_decodes_to_the_page_and_is_smaller() {
        let change = vec![
            0x85, 0x6f, 0x4a, 0x83, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
        ];
        let page = Frame::Feed {
            from: 0,
            to: 100,
            reset: false,
            more: false,
            items: (0..100)
                .map(|n| FeedItem::Changes {
                    doc: ContactId::from_u128(n),
                    changes: vec![ByteBuf::from(change.clone())],
                })
                .collect(),
        };
        let deflated = page.clone().deflated();
        assert!(matches!(deflated, Frame::Deflated { .. }));
        assert!(deflated.encode().len() < page.encode().len() / 2);
        assert_eq!(Frame::decode(&deflated.encode(), MAX_FRAME_BYTES), Ok(page));
    }

    #[test]
    fn a_deflate_bomb_is_refused_not_inflated() {
        use std::io::Write;
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![0u8; 64 * 1024 * 1024]).unwrap();
        let bomb = Frame::Deflated {
            frame: encoder.finish().unwrap(),
        }
        .encode();
        assert!(bomb.len() < 100 * 1024, "small on the wire");
        assert!(matches!(
            Frame::decode(&bomb, MAX_FRAME_BYTES),
            Err(WireError::TooLarge { .. })
        ));
    }
}
