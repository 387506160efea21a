//! Bounded fuzzing of the frame decoders, on every test run.
//!
//! Both decoders — `Frame::decode` (a device reading the server, one `deflated` layer) and
//! `Frame::decode_from_device` (the server reading a device, plain frames only) — get the
//! corpus of frames that once broke them (`tests/frames/*.bin`), valid frames of every kind
//! mutated at random, and random MessagePack built to stress the decoder's bounds (deep
//! nesting, huge claimed lengths, many small values), deflated and not. A fixed seed and
//! count keep the run reproducible and quick; `FRAME_FUZZ_ROUNDS=N` runs longer. Any panic
//! or abort fails the test; the memory each decode takes is bounded in `frame_memory.rs`.

use std::io::Write;
use std::path::PathBuf;

use serde_bytes::ByteBuf;
use sync_core::ids::{ContactId, DeviceId, GroupId, MemberId, UnitId};
use sync_core::sim::rng::SimRng;
use sync_core::wire::{
    DocChanges, DocMeta, ErrorCode, FeedItem, Frame, MAX_FRAME_BYTES, PresenceState, Visibility,
    WireError,
};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/frames")
}

/// Raw DEFLATE of `bytes`.
fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("in memory");
    encoder.finish().expect("in memory")
}

/// `{"t":"deflated","frame":bin(deflate(inner))}`, whatever `inner` is.
fn deflated_around(inner: &[u8]) -> Vec<u8> {
    Frame::Deflated {
        frame: deflate(inner),
    }
    .encode()
}

/// A push whose extra field `x` holds `value` (MessagePack bytes).
fn push_with_extra(value: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0x83];
    bytes.extend([0xa1, b't', 0xa4, b'p', b'u', b's', b'h']);
    bytes.extend([0xa5, b'b', b'a', b't', b'c', b'h', 0x01]);
    bytes.extend([0xa1, b'x']);
    bytes.extend_from_slice(value);
    bytes
}

/// How each corpus file is made, so the corpus can be rebuilt and checked against itself.
fn corpus_recipes() -> Vec<(&'static str, Vec<u8>)> {
    let nested = |layers: usize| {
        let mut frame = Frame::error(ErrorCode::RateLimited, "innermost", false).encode();
        for _ in 0..layers {
            frame = deflated_around(&frame);
        }
        frame
    };
    let big_push = Frame::Push {
        batch: 1,
        docs: (0..1000)
            .map(|n| DocChanges::new(ContactId::from_u128(n), vec![ByteBuf::from(vec![7; 1000])]))
            .collect(),
    }
    .encode();
    let mut deep = vec![0x91; 100_000];
    deep.push(0xc0);
    let mut nils = vec![0xdd, 0x00, 0x04, 0x93, 0xe0];
    nils.extend(std::iter::repeat_n(0xc0, 300_000));
    vec![
        ("nested-deflated-3000.bin", nested(3000)),
        ("nested-deflated-2000.bin", nested(2000)),
        ("deflated-push.bin", deflated_around(&big_push)),
        ("deep-arrays.bin", push_with_extra(&deep)),
        ("many-nils.bin", push_with_extra(&nils)),
    ]
}

/// Every frame of the corpus, from the files.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut frames: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir())
        .expect("tests/frames exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "bin"))
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("readable"))
        })
        .collect();
    frames.sort();
    frames
}

#[test]
fn the_corpus_files_are_the_recipes() {
    for (name, bytes) in corpus_recipes() {
        let path = corpus_dir().join(name);
        if std::env::var_os("FRAME_CORPUS_WRITE").is_some() {
            std::fs::write(&path, &bytes).expect("writable");
        }
        let stored = std::fs::read(&path)
            .unwrap_or_else(|_| panic!("{name} is missing: FRAME_CORPUS_WRITE=1 writes it"));
        assert!(stored == bytes, "{name} differs from its recipe");
    }
}

#[test]
fn every_frame_that_once_broke_the_decoder_is_now_refused_cleanly() {
    let corpus = corpus();
    assert!(corpus.len() >= 5, "the corpus is in tests/frames");
    for (name, bytes) in &corpus {
        // The server never inflates what a device sends; a device inflates one layer.
        let from_device = Frame::decode_from_device(bytes, MAX_FRAME_BYTES);
        assert!(
            matches!(from_device, Err(WireError::Malformed { .. })),
            "{name} from a device: {from_device:?}"
        );
        // A device reading the server inflates one layer: only the deflated push is a frame
        // (a device ignores a push); every other one is refused.
        let from_server = Frame::decode(bytes, MAX_FRAME_BYTES);
        assert_eq!(
            from_server.is_ok(),
            name == "deflated-push.bin",
            "{name} from the server: {from_server:?}"
        );
    }
}

#[test]
fn a_device_may_not_send_a_deflated_frame_but_may_read_one() {
    let push = Frame::Push {
        batch: 9,
        docs: vec![DocChanges::new(
            ContactId::from_u128(1),
            vec![ByteBuf::from(vec![3; 900])],
        )],
    };
    let bytes = push.clone().deflated().encode();
    assert!(matches!(
        Frame::decode_from_device(&bytes, MAX_FRAME_BYTES),
        Err(WireError::Malformed { reason }) if reason.contains("plain")
    ));
    assert_eq!(Frame::decode(&bytes, MAX_FRAME_BYTES), Ok(push));
}

/// A valid frame of each kind, as the mutator's starting points.
fn seeds() -> Vec<Vec<u8>> {
    let doc = ContactId::from_u128(0x5eed);
    let meta = DocMeta {
        owner: MemberId::from_u128(1),
        visibility: Visibility::Members {
            members: vec![MemberId::from_u128(2), MemberId::from_u128(3)],
            groups: vec![GroupId::from_u128(6)],
            units: vec![UnitId::from_u128(7)],
        },
    };
    let frames = [
        Frame::Hello {
            v: 1,
            device: DeviceId::from_u128(4),
            cursor: 77,
            accept: vec!["deflate".into()],
            layout: Some(1),
        },
        Frame::Push {
            batch: 5,
            docs: vec![DocChanges {
                doc,
                changes: vec![ByteBuf::from(vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3])],
                visibility: Some(meta.visibility.clone()),
            }],
        },
        Frame::Feed {
            from: 1,
            to: 4,
            reset: true,
            more: false,
            items: vec![
                FeedItem::Grant {
                    doc,
                    snapshot: ByteBuf::from(vec![9; 40]),
                    meta: meta.clone(),
                },
                FeedItem::Meta { doc, meta },
                FeedItem::Revoke { doc },
                FeedItem::Purge { doc },
            ],
        },
        Frame::Sync {
            doc,
            msg: vec![0x42, 1, 2],
        },
        Frame::Presence {
            doc,
            state: PresenceState::Editing,
            member: None,
            device: None,
        },
        Frame::error(ErrorCode::Unavailable, "later", false),
    ];
    frames.iter().map(Frame::encode).collect()
}

/// Random MessagePack aimed at the decoder's bounds.
fn random_msgpack(rng: &mut SimRng, out: &mut Vec<u8>, depth: u32) {
    match rng.below(12) {
        0 if depth < 40 => {
            // An array of a few values, or one claiming far more than follow.
            let claimed = if rng.chance(200) {
                u32::MAX
            } else {
                rng.below(4) as u32
            };
            out.push(0xdd);
            out.extend(claimed.to_be_bytes());
            for _ in 0..claimed.min(4) {
                random_msgpack(rng, out, depth + 1);
            }
        }
        1 if depth < 40 => {
            out.push(0x81);
            out.extend([0xa1, b't']);
            random_msgpack(rng, out, depth + 1);
        }
        2 => out.extend(std::iter::repeat_n(0x91, rng.below(3000) as usize)),
        3 => {
            let length = rng.below(64) as u8;
            out.extend([0xc4, length]);
            out.extend((0..length).map(|_| rng.next_u64() as u8));
        }
        4 => out.extend([0xc6, 0xff, 0xff, 0xff, 0xf0]),
        5 => out.extend([0xa4, b'p', b'u', b's', b'h']),
        6 => out.push(0xc1),
        _ => out.push(rng.next_u64() as u8),
    }
}

fn mutate(rng: &mut SimRng, bytes: &mut Vec<u8>, splice: &[u8]) {
    for _ in 0..=rng.below(6) {
        if bytes.is_empty() {
            bytes.push(rng.next_u64() as u8);
        }
        let at = rng.below(bytes.len() as u64) as usize;
        match rng.below(5) {
            0 => bytes[at] = rng.next_u64() as u8,
            1 => bytes.truncate(at),
            2 => bytes.insert(at, rng.next_u64() as u8),
            3 => {
                let from = rng.below(splice.len() as u64) as usize;
                let to = (from + rng.below(32) as usize).min(splice.len());
                bytes.splice(at..at, splice[from..to].iter().copied());
            }
            _ => {
                let mut value = Vec::new();
                random_msgpack(rng, &mut value, 0);
                bytes.splice(at..at, value);
            }
        }
    }
}

#[test]
fn random_and_mutated_frames_never_panic_either_decoder() {
    let rounds: u64 = std::env::var("FRAME_FUZZ_ROUNDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(30_000);
    let mut starts = seeds();
    starts.extend(
        corpus()
            .into_iter()
            .filter(|(_, bytes)| bytes.len() < 200_000)
            .map(|(_, bytes)| bytes),
    );
    let mut rng = SimRng::new(0xf0f0);
    let mut decoded = 0u64;
    for round in 0..rounds {
        let mut bytes = starts[rng.below(starts.len() as u64) as usize].clone();
        let splice = starts[rng.below(starts.len() as u64) as usize].clone();
        if round % 7 == 0 {
            bytes.clear();
            random_msgpack(&mut rng, &mut bytes, 0);
        }
        mutate(&mut rng, &mut bytes, &splice);
        if round % 5 == 0 {
            bytes = deflated_around(&bytes);
        }
        decoded += u64::from(Frame::decode(&bytes, MAX_FRAME_BYTES).is_ok());
        let from_device = Frame::decode_from_device(&bytes, MAX_FRAME_BYTES);
        assert!(
            !matches!(from_device, Ok(Frame::Deflated { .. })),
            "round {round}: a device's deflated frame got through"
        );
    }
    // Mutations inside change bytes still decode; most others must not.
    assert!(
        decoded < rounds,
        "everything decoded: the mutator is broken"
    );
}
