//! Keeps docs/protocol.md honest: every example frame in it is decoded with the real decoder and
//! compared with the value this test expects, and the limits and codes it lists are compared
//! with the constants in the code.
//!
//! Client authors copy these bytes into their own tests, so an example that no longer matches
//! the code would mislead them. Whichever side changes, the doc or `wire.rs`, this test fails
//! until the other follows.

use std::collections::BTreeMap;

use serde_bytes::ByteBuf;
use sync_core::accept::codes;
use sync_core::card::{BBox, CardDraft, CardStatus, Field, FieldKind, Source};
use sync_core::contact::{BlobRef, CardImage, CardSide};
use sync_core::ids::{CardId, ContactId, DeviceId, GroupId, ItemId, MemberId, UnitId};
use sync_core::replica::device::{PUSH_BYTES, RETRY_TICKS};
use sync_core::wire::{
    DocChanges, DocMeta, DocResult, ErrorCode, FEED_PAGE_BYTES, FeedItem, Frame, MAX_FRAME_BYTES,
    MAX_PUSH_DOCS, PROTOCOL_VERSION, PresenceState, Rejection, Visibility,
};

const PROTOCOL_MD: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md"));

/// The marker line that names the `hex` block following it.
const EXAMPLE_MARKER: &str = "<!-- example: ";

/// One example found in the document.
struct Example {
    name: String,
    line: usize,
    bytes: Vec<u8>,
}

/// Every `<!-- example: NAME -->` marker followed by a fenced block with the info string `hex`.
///
/// A marker not followed by such a block is an error rather than silently skipped, so a broken
/// edit cannot make an example disappear from the check.
fn examples() -> Vec<Example> {
    let lines: Vec<&str> = PROTOCOL_MD.lines().collect();
    let mut found = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index].trim();
        index += 1;
        let Some(rest) = line.strip_prefix(EXAMPLE_MARKER) else {
            continue;
        };
        let marker_line = index;
        let name = rest
            .strip_suffix("-->")
            .unwrap_or_else(|| {
                panic!("protocol.md:{marker_line}: example marker must end with `-->`")
            })
            .trim()
            .to_string();
        while index < lines.len() && lines[index].trim().is_empty() {
            index += 1;
        }
        assert_eq!(
            lines.get(index).map(|line| line.trim()),
            Some("```hex"),
            "protocol.md:{marker_line}: example `{name}` must be followed by a ```hex block"
        );
        index += 1;
        let mut digits = String::new();
        while index < lines.len() && lines[index].trim() != "```" {
            digits.extend(lines[index].chars().filter(|c| !c.is_whitespace()));
            index += 1;
        }
        assert!(
            index < lines.len(),
            "protocol.md:{marker_line}: the hex block of `{name}` is not closed"
        );
        index += 1;
        let bytes = hex::decode(&digits).unwrap_or_else(|error| {
            panic!("protocol.md:{marker_line}: example `{name}` is not valid hex: {error}")
        });
        found.push(Example {
            name,
            line: marker_line,
            bytes,
        });
    }
    found
}

/// The value each documented example must decode to, by example name.
fn expected_frames() -> BTreeMap<&'static str, Frame> {
    // The same fictional ids and bytes the document uses, so a reader can match them by eye.
    let contact_1 = ContactId::from_u128(1);
    let contact_2 = ContactId::from_u128(2);
    let member_3 = MemberId::from_u128(3);
    let member_4 = MemberId::from_u128(4);
    let device_5 = DeviceId::from_u128(5);
    let device_6 = DeviceId::from_u128(6);
    let change_a = ByteBuf::from(vec![0x85, 0x6f, 0x4a, 0x83]);
    let change_b = ByteBuf::from(vec![0x85, 0x6f, 0x4a, 0x83, 0x01]);
    BTreeMap::from([
        (
            "hello",
            Frame::Hello {
                v: 1,
                device: device_5,
                cursor: 41,
                accept: vec!["deflate".to_string()],
                layout: Some(1),
            },
        ),
        (
            "welcome",
            Frame::Welcome {
                v: 1,
                member: member_3,
                head: 42,
                max_frame: 4 * 1024 * 1024,
                layout: Some(1),
                min_layout: Some(1),
            },
        ),
        (
            "push",
            Frame::Push {
                batch: 7,
                docs: vec![
                    DocChanges {
                        doc: contact_1,
                        changes: vec![change_a.clone(), change_b.clone()],
                        visibility: None,
                    },
                    DocChanges {
                        doc: contact_2,
                        changes: vec![change_a.clone()],
                        visibility: None,
                    },
                ],
            },
        ),
        (
            "ack-ok",
            Frame::Ack {
                batch: 6,
                results: vec![DocResult {
                    doc: contact_1,
                    seq: Some(43),
                    rejected: None,
                }],
            },
        ),
        (
            "ack-rejected",
            Frame::Ack {
                batch: 7,
                results: vec![
                    DocResult {
                        doc: contact_1,
                        seq: Some(44),
                        rejected: None,
                    },
                    DocResult {
                        doc: contact_2,
                        seq: None,
                        rejected: Some(Rejection {
                            code: "forbidden".into(),
                            message: "contact is not shared with you".into(),
                        }),
                    },
                ],
            },
        ),
        (
            "feed-live",
            Frame::Feed {
                from: 41,
                to: 45,
                reset: false,
                more: false,
                items: vec![
                    FeedItem::Changes {
                        doc: contact_1,
                        changes: vec![change_a.clone()],
                    },
                    FeedItem::Revoke { doc: contact_2 },
                ],
            },
        ),
        (
            "feed-resync",
            Frame::Feed {
                from: 0,
                to: 45,
                reset: true,
                more: false,
                items: vec![FeedItem::Grant {
                    doc: contact_1,
                    snapshot: ByteBuf::from(vec![0x85, 0x6f, 0x4a, 0x83, 0x00]),
                    meta: DocMeta {
                        owner: member_3,
                        visibility: Visibility::members(vec![member_4]),
                    },
                }],
            },
        ),
        (
            "feed-meta-purge",
            Frame::Feed {
                from: 45,
                to: 47,
                reset: false,
                more: true,
                items: vec![
                    FeedItem::Meta {
                        doc: contact_1,
                        meta: DocMeta {
                            owner: member_4,
                            visibility: Visibility::All,
                        },
                    },
                    FeedItem::Purge { doc: contact_2 },
                ],
            },
        ),
        (
            "sync",
            Frame::Sync {
                doc: contact_1,
                msg: vec![0x42, 0x01, 0x02, 0x03],
            },
        ),
        (
            "sync-empty",
            Frame::Sync {
                doc: contact_2,
                msg: Vec::new(),
            },
        ),
        (
            "presence-from-device",
            Frame::Presence {
                doc: contact_1,
                state: PresenceState::Editing,
                member: None,
                device: None,
            },
        ),
        (
            "presence-forwarded",
            Frame::Presence {
                doc: contact_1,
                state: PresenceState::Editing,
                member: Some(member_4),
                device: Some(device_6),
            },
        ),
        (
            "deflated",
            Frame::Feed {
                from: 42,
                to: 52,
                reset: false,
                more: false,
                items: (1..=10)
                    .map(|n| FeedItem::Changes {
                        doc: ContactId::from_u128(n),
                        changes: vec![ByteBuf::from(vec![
                            0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                        ])],
                    })
                    .collect(),
            }
            .deflated(),
        ),
        (
            "error-token-expired",
            Frame::error(
                ErrorCode::TokenExpired,
                "the access token expired; refresh it and reconnect",
                true,
            ),
        ),
        (
            "card-ready",
            Frame::Card {
                draft: Box::new(card_draft()),
            },
        ),
        (
            "error-batch-too-large",
            Frame::error(
                ErrorCode::BatchTooLarge,
                "push 9 carries 1001 contacts; at most 1000 per push",
                false,
            ),
        ),
        (
            "error-push-unavailable",
            Frame::push_unavailable(12, 500, "the server could not store the push; try again"),
        ),
        (
            "feed-meta-groups-units",
            Frame::Feed {
                from: 47,
                to: 48,
                reset: false,
                more: false,
                items: vec![FeedItem::Meta {
                    doc: contact_1,
                    meta: DocMeta {
                        owner: member_3,
                        visibility: Visibility::Members {
                            members: vec![member_4],
                            groups: vec![GroupId::from_u128(7)],
                            units: vec![UnitId::from_u128(8)],
                        },
                    },
                }],
            },
        ),
    ])
}

/// Card 7 read: one email found, the front photo stored, and contact 2 sharing that email.
fn card_draft() -> CardDraft {
    CardDraft {
        card: CardId::from_u128(7),
        status: CardStatus::Ready,
        fields: vec![Field {
            kind: FieldKind::Email,
            label: String::new(),
            value: "mara@nordkap.example".into(),
            raw: "mara @ nordkap.example".into(),
            confidence: 0.5,
            source: Source::Ocr,
            bbox: Some(BBox {
                x: 40,
                y: 230,
                width: 400,
                height: 20,
            }),
            problem: None,
        }],
        region: Some("SE".into()),
        images: vec![CardImage {
            id: ItemId::from("f1"),
            side: CardSide::Front,
            blob: BlobRef {
                sha256: "ab".repeat(32),
                mime: "image/jpeg".into(),
                bytes: 48213,
            },
        }],
        duplicates: vec![ContactId::from_u128(2)],
        error: None,
    }
}

/// The frame type's tag, to check that every type has an example. The match is exhaustive so
/// that a new frame type fails to compile here: the reminder to add it to [`FRAME_TAGS`] and
/// to give it an example in protocol.md.
fn frame_tag(frame: &Frame) -> &'static str {
    match frame {
        Frame::Hello { .. } => "hello",
        Frame::Welcome { .. } => "welcome",
        Frame::Push { .. } => "push",
        Frame::Ack { .. } => "ack",
        Frame::Feed { .. } => "feed",
        Frame::Sync { .. } => "sync",
        Frame::Presence { .. } => "presence",
        Frame::Error { .. } => "error",
        Frame::Deflated { .. } => "deflated",
        Frame::Card { .. } => "card",
    }
}

const FRAME_TAGS: [&str; 10] = [
    "hello", "welcome", "push", "ack", "feed", "sync", "presence", "error", "deflated", "card",
];

/// Every error code with its wire spelling. Exhaustive for the same reason as [`frame_tag`].
fn error_code_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadFrame => "bad_frame",
        ErrorCode::FrameTooLarge => "frame_too_large",
        ErrorCode::UnsupportedVersion => "unsupported_version",
        ErrorCode::HelloRequired => "hello_required",
        ErrorCode::Unauthorized => "unauthorized",
        ErrorCode::TokenExpired => "token_expired",
        ErrorCode::RateLimited => "rate_limited",
        ErrorCode::BatchTooLarge => "batch_too_large",
        ErrorCode::Unavailable => "unavailable",
    }
}

const ERROR_CODES: [ErrorCode; 9] = [
    ErrorCode::BadFrame,
    ErrorCode::FrameTooLarge,
    ErrorCode::UnsupportedVersion,
    ErrorCode::HelloRequired,
    ErrorCode::Unauthorized,
    ErrorCode::TokenExpired,
    ErrorCode::RateLimited,
    ErrorCode::BatchTooLarge,
    ErrorCode::Unavailable,
];

/// The table row of protocol.md whose first cell is `` `name` ``.
fn table_row(name: &str) -> &'static str {
    let cell = format!("| `{name}` |");
    PROTOCOL_MD
        .lines()
        .find(|line| line.trim_start().starts_with(&cell))
        .unwrap_or_else(|| panic!("protocol.md has no table row starting with {cell}"))
}

/// The cells of a markdown table row, without the outer pipes.
fn cells(row: &str) -> Vec<String> {
    row.trim()
        .trim_matches('|')
        .split('|')
        .map(|cell| cell.trim().to_string())
        .collect()
}

#[test]
fn every_example_frame_in_protocol_md_decodes_to_the_documented_value() {
    let expected = expected_frames();
    for example in examples() {
        let Some(frame) = expected.get(example.name.as_str()) else {
            panic!(
                "protocol.md:{}: example `{}` has no expected value in tests/protocol_examples.rs; add one",
                example.line, example.name
            );
        };
        let decoded = Frame::decode(&example.bytes, MAX_FRAME_BYTES).unwrap_or_else(|error| {
            panic!(
                "protocol.md:{}: example `{}`: {error}",
                example.line, example.name
            )
        });
        // Decoding unpacks a `deflated` frame, so compare with the expected frame as a
        // device reads it (for every other frame that is the frame itself).
        let as_read =
            Frame::decode(&frame.encode(), MAX_FRAME_BYTES).expect("expected frames encode");
        assert_eq!(
            decoded, as_read,
            "protocol.md:{}: example `{}`",
            example.line, example.name
        );
    }
}

#[test]
fn every_example_is_byte_for_byte_what_the_encoder_writes() {
    // Decoding is lenient (any integer width, any key order), so equality of values alone
    // would let the document show bytes the real encoder never writes. Clients compare their
    // own encoder against these bytes, so they must be the canonical ones.
    let expected = expected_frames();
    for example in examples() {
        if let Some(frame) = expected.get(example.name.as_str()) {
            assert_eq!(
                hex::encode(frame.encode()),
                hex::encode(&example.bytes),
                "protocol.md:{}: example `{}` is not what Frame::encode writes",
                example.line,
                example.name
            );
        }
    }
}

#[test]
fn protocol_md_keeps_every_example_and_one_of_every_frame_type() {
    let found = examples();
    let expected = expected_frames();
    assert!(
        found.len() >= 8,
        "protocol.md has {} example frames; it must keep at least 8",
        found.len()
    );
    let names: Vec<&str> = found.iter().map(|example| example.name.as_str()).collect();
    for name in expected.keys() {
        assert_eq!(
            names.iter().filter(|found| *found == name).count(),
            1,
            "protocol.md must show example `{name}` exactly once"
        );
    }
    let tags: Vec<&str> = expected.values().map(frame_tag).collect();
    for tag in FRAME_TAGS {
        assert!(tags.contains(&tag), "no example of a `{tag}` frame");
    }
}

#[test]
fn limits_in_protocol_md_match_the_constants_in_the_code() {
    let constants: [(&str, u64); 12] = [
        ("PROTOCOL_VERSION", PROTOCOL_VERSION.into()),
        ("MAX_FRAME_BYTES", MAX_FRAME_BYTES as u64),
        ("MAX_DEPTH", sync_core::wire::shape::MAX_DEPTH as u64),
        ("MAX_VALUES", sync_core::wire::shape::MAX_VALUES as u64),
        (
            "MAX_SHARED_MEMBERS",
            sync_core::wire::MAX_SHARED_MEMBERS as u64,
        ),
        ("FEED_PAGE_BYTES", FEED_PAGE_BYTES as u64),
        ("MAX_PUSH_DOCS", MAX_PUSH_DOCS as u64),
        ("PUSH_BYTES", PUSH_BYTES as u64),
        ("RETRY_TICKS", RETRY_TICKS.into()),
        ("MAX_DOC_BYTES", sync_core::document::MAX_DOC_BYTES as u64),
        ("DOC_LAYOUT", sync_core::contact::DOC_LAYOUT.into()),
        ("MIN_LAYOUT", sync_core::accept::MIN_LAYOUT.into()),
    ];
    for (name, value) in constants {
        let row = table_row(name);
        // The second cell holds the value, digits only, so the comparison is exact.
        let documented = cells(row).get(1).cloned().unwrap_or_default();
        assert_eq!(
            documented,
            value.to_string(),
            "protocol.md documents {name} as {documented:?}: {row}"
        );
    }
}

#[test]
fn every_error_and_rejection_code_is_documented_with_its_wire_spelling() {
    for code in ERROR_CODES {
        let name = error_code_name(code);
        // The spelling in the table must be the one serde writes, which the example frames
        // alone would check for only two codes.
        let encoded = Frame::error(code, "", false).encode();
        assert!(
            encoded
                .windows(name.len())
                .any(|window| window == name.as_bytes()),
            "{code:?} is not spelled `{name}` on the wire"
        );
        table_row(name);
    }
    for code in [
        codes::FORBIDDEN,
        codes::INVALID,
        codes::MISSING_DEPS,
        codes::MALFORMED,
        codes::NOT_FOUND,
        codes::TOO_LARGE,
        codes::UPGRADE_REQUIRED,
    ] {
        table_row(code);
    }
}
