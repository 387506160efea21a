//! What decoding a hostile frame may allocate: a small multiple of its size, never the
//! tens of megabytes serde's buffering of a tagged map once took for a 1 MB frame of nils.
//! One test in its own binary, because the allocation counter is process-wide.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use sync_core::wire::{Frame, MAX_FRAME_BYTES};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Most bytes a decode may allocate per byte of frame it was given (plus a little fixed
/// room): the frame decoded, and serde's buffer of it, each a few times its size at worst.
const BYTES_PER_FRAME_BYTE: usize = 16;
const FIXED_ROOM: usize = 256 * 1024;

/// The densest frame the shape check lets through: as many one-byte values as its size
/// allows, padded with a string to the size that allows them.
fn densest_allowed_push(values: usize) -> Vec<u8> {
    use sync_core::wire::shape::{BYTES_PER_VALUE, FREE_VALUES};
    let mut bytes = vec![0x83];
    bytes.extend([0xa1, b't', 0xa4, b'p', b'u', b's', b'h']);
    bytes.extend([0xa5, b'b', b'a', b't', b'c', b'h', 0x01]);
    bytes.extend([0xa1, b'x', 0x92, 0xdd]);
    bytes.extend((values as u32).to_be_bytes());
    bytes.extend(std::iter::repeat_n(0xc0, values));
    let padding = (values - FREE_VALUES + 16) * BYTES_PER_VALUE;
    bytes.push(0xdb);
    bytes.extend((padding as u32).to_be_bytes());
    bytes.extend(std::iter::repeat_n(b'x', padding));
    bytes
}

#[test]
fn decoding_any_corpus_frame_allocates_a_bounded_multiple_of_its_size() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/frames");
    let mut frames: Vec<(std::path::PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("tests/frames exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "bin"))
        .map(|path| {
            let bytes = std::fs::read(&path).expect("readable");
            (path, bytes)
        })
        .collect();
    for values in [10_000, 60_000, 200_000] {
        frames.push((
            format!("densest push of {values} values").into(),
            densest_allowed_push(values),
        ));
    }
    let mut checked = 0;
    for (path, bytes) in frames {
        let from_device = Region::new(GLOBAL);
        let _ = std::hint::black_box(Frame::decode_from_device(&bytes, MAX_FRAME_BYTES));
        let device_allocated = from_device.change().bytes_allocated;
        let bound = bytes.len() * BYTES_PER_FRAME_BYTE + FIXED_ROOM;
        assert!(
            device_allocated <= bound,
            "{}: the server's decoder allocated {device_allocated} bytes for {} (bound {bound})",
            path.display(),
            bytes.len()
        );
        // A device inflates one layer, to at most the frame limit.
        let from_server = Region::new(GLOBAL);
        let _ = std::hint::black_box(Frame::decode(&bytes, MAX_FRAME_BYTES));
        let server_allocated = from_server.change().bytes_allocated;
        let inflated_bound = (bytes.len() + MAX_FRAME_BYTES) * BYTES_PER_FRAME_BYTE + FIXED_ROOM;
        assert!(
            server_allocated <= inflated_bound,
            "{}: the device's decoder allocated {server_allocated} bytes (bound {inflated_bound})",
            path.display()
        );
        println!(
            "{}: {} bytes; decoding allocated {device_allocated} (server) and {server_allocated} (device)",
            path.display(),
            bytes.len()
        );
        checked += 1;
    }
    assert!(checked >= 8);
}
