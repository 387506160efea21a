//! Hostile and broken uploads are refused with an error that says what is wrong, before any
//! costly work: the checks stop at the file size or the image header.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use ocr::decode::{DecodeError, MAX_FILE_BYTES, decode_bytes, decode_file};

/// CRC-32 (ISO-HDLC, as PNG uses), to craft valid chunk headers.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A PNG that is only a header declaring `width` × `height` RGB pixels: a few dozen bytes
/// that would inflate to 30 GB if decoded.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("rolo-ocr-test-{}-{name}", std::process::id()));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

#[test]
fn a_100000_by_100000_png_is_refused_from_its_header() {
    let png = png_header(100_000, 100_000);
    assert!(png.len() < 100);
    let started = Instant::now();
    let error = decode_bytes(&png).unwrap_err();
    println!("refused in {:?}: {error}", started.elapsed());
    assert!(
        matches!(
            error,
            DecodeError::TooManyPixels {
                width: 100_000,
                height: 100_000,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the image declares 100000 × 100000 pixels; at most 12000 pixels a side are read"
    );
}

#[test]
fn an_image_within_the_sides_but_over_the_memory_limit_is_refused() {
    // 12,000 × 12,000 RGB is 432 MB decoded: over the 256 MB allocation limit.
    let error = decode_bytes(&png_header(12_000, 12_000)).unwrap_err();
    assert!(
        matches!(error, DecodeError::TooMuchMemory { .. }),
        "{error:?}"
    );
}

#[test]
fn a_corrupt_png_says_it_is_corrupt() {
    let mut png = png_header(64, 64);
    // Replace the compressed data with garbage (keeping a valid chunk CRC).
    let end = png.len() - 12;
    png.truncate(end - 20);
    png.extend(chunk(b"IDAT", b"this is not zlib data at all"));
    png.extend(chunk(b"IEND", &[]));
    let error = decode_bytes(&png).unwrap_err();
    assert!(
        matches!(error, DecodeError::Corrupt { ref format, .. } if format == "PNG"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("the PNG image is corrupt or truncated"),
        "{error}"
    );
}

#[test]
fn a_truncated_jpeg_says_it_is_corrupt() {
    let photo = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/cards/synthetic/en-01.jpg"),
    )
    .unwrap();
    let error = decode_bytes(&photo[..300]).unwrap_err();
    assert!(
        matches!(error, DecodeError::Corrupt { ref format, .. } if format == "JPEG"),
        "{error:?}"
    );
}

#[test]
fn text_and_pdfs_are_not_images() {
    for bytes in [
        b"BEGIN:VCARD\r\nN:Sato;Aiko\r\nEND:VCARD".as_slice(),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj".as_slice(),
        b"\x00\x00\x00\x00".as_slice(),
    ] {
        let error = decode_bytes(bytes).unwrap_err();
        assert!(matches!(error, DecodeError::NotAnImage), "{error:?}");
    }
    assert!(matches!(decode_bytes(b"").unwrap_err(), DecodeError::Empty));
}

#[test]
fn a_30_mb_file_is_refused_before_it_is_read() {
    let size = 30 * 1024 * 1024;
    let mut bytes = png_header(1000, 1000);
    bytes.resize(size, 0);
    let path = temp_file("30mb.png", &bytes);
    let started = Instant::now();
    let error = decode_file(&path).unwrap_err();
    println!("refused in {:?}: {error}", started.elapsed());
    std::fs::remove_file(&path).unwrap();
    let refused_for_size = matches!(
        error,
        DecodeError::FileTooLarge { bytes, max } if bytes == size as u64 && max == MAX_FILE_BYTES
    );
    assert!(refused_for_size, "{error:?}");
    // The same bytes handed over in memory are refused too.
    assert!(matches!(
        decode_bytes(&bytes).unwrap_err(),
        DecodeError::FileTooLarge { .. }
    ));
}

#[test]
fn a_real_photo_decodes_upright() {
    let image = decode_file(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/cards/synthetic/en-02.jpg"),
    )
    .unwrap();
    assert_eq!((image.width(), image.height()), (1280, 960));
}

/// A JPEG `width` × `height` with an EXIF orientation tag, as phones save photos taken with
/// the phone turned.
fn jpeg_with_orientation(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let mut jpeg = Vec::new();
    let image = image::RgbImage::from_fn(width, height, |x, _| image::Rgb([(x * 6) as u8, 0, 0]));
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&image)
        .unwrap();
    // APP1 "Exif": a big-endian TIFF header and one IFD entry, 0x0112 Orientation (SHORT).
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    exif.extend_from_slice(&orientation.to_be_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    app1.extend_from_slice(&exif);
    jpeg.splice(2..2, app1);
    jpeg
}

#[test]
fn the_exif_orientation_turns_the_photo_upright() {
    let upright = decode_bytes(&jpeg_with_orientation(40, 20, 1)).unwrap();
    assert_eq!((upright.width(), upright.height()), (40, 20));
    // 6: the camera was turned a quarter clockwise; the pixels need a quarter turn back.
    let turned = decode_bytes(&jpeg_with_orientation(40, 20, 6)).unwrap();
    assert_eq!((turned.width(), turned.height()), (20, 40));
}
