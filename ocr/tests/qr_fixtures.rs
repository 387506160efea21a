//! The real QR photos from ZXing's test set (fixtures/cards/zxing-qr) decode exactly, and their
//! contact payloads fill the draft's fields exactly.

use std::path::{Path, PathBuf};

use ocr::barcode::find_qr;
use ocr::decode::decode_file;
use ocr::draft::{Field, FieldKind, Source};
use ocr::payload::parse_payload;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cards/zxing-qr")
}

/// Every photo with the payload text beside it.
fn photos() -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for set in ["qrcode-2", "qrcode-5"] {
        let dir = fixtures().join(set);
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                path.extension()
                    .is_some_and(|ext| ext == "png" || ext == "jpg")
            })
            .collect();
        entries.sort();
        for photo in entries {
            let text = std::fs::read_to_string(photo.with_extension("txt")).unwrap();
            found.push((photo, text));
        }
    }
    found
}

fn triples(fields: &[Field]) -> Vec<(FieldKind, String, String)> {
    fields
        .iter()
        .map(|f| (f.kind, f.label.clone(), f.value.clone()))
        .collect()
}

fn t(kind: FieldKind, label: &str, value: &str) -> (FieldKind, String, String) {
    (kind, label.to_string(), value.to_string())
}

#[test]
fn every_zxing_photo_decodes_to_the_payload_beside_it() {
    let photos = photos();
    assert_eq!(photos.len(), 21, "2 vCard and 19 qrcode-5 photos expected");
    for (photo, expected) in photos {
        let image = decode_file(&photo).unwrap();
        let qr = find_qr(&image.to_luma8())
            .unwrap_or_else(|| panic!("no QR code read in {}", photo.display()));
        assert_eq!(
            qr.text.trim_end(),
            expected.trim_end(),
            "{}",
            photo.display()
        );
        assert!(
            qr.bbox.width > 0 && qr.bbox.height > 0,
            "{}",
            photo.display()
        );
    }
}

#[test]
fn the_mecard_photos_give_sean_owens_fields_exactly() {
    let expected = vec![
        t(FieldKind::GivenName, "", "Sean"),
        t(FieldKind::FamilyName, "", "Owen"),
        t(FieldKind::Email, "", "srowen@google.com"),
        t(FieldKind::Phone, "work", "+12125658770"),
    ];
    let mut mecards = 0;
    for (photo, text) in photos() {
        if !text.starts_with("MECARD:") {
            continue;
        }
        mecards += 1;
        let fields = parse_payload(&text).unwrap();
        assert_eq!(triples(&fields), expected, "{}", photo.display());
        assert!(
            fields
                .iter()
                .all(|f| f.source == Source::Qr && f.confidence == 1.0)
        );
    }
    assert_eq!(mecards, 15);
}

#[test]
fn the_vcard_photos_give_steve_kennedys_fields_exactly() {
    let expected = vec![
        t(FieldKind::FamilyName, "", "Kennedy"),
        t(FieldKind::GivenName, "", "Steve"),
        t(
            FieldKind::Address,
            "",
            "Flat 2, 43 Howitt Road, Belsize Park\nLondon NW34LU\nUK",
        ),
        t(FieldKind::Country, "", "GB"),
        t(FieldKind::Company, "", "NetTek Ltd"),
        t(FieldKind::Title, "", "Consultant"),
        t(FieldKind::Email, "", "steve@nettek.co.uk"),
        t(FieldKind::Url, "", "https://www.nettek.co.uk"),
        // `EMAIL;IM:MSN:steve@gbnet.net`: the IM service prefix is not part of the address.
        t(FieldKind::Email, "", "steve@gbnet.net"),
        t(FieldKind::Note, "", "Testing 1 2 3"),
        t(FieldKind::Birthday, "", "1961-11-05"),
        // `TEL:+44 (0)7775 755503`: the bracketed trunk zero is dropped, and with no type
        // given the UK 07 prefix files it as a mobile.
        t(FieldKind::Phone, "mobile", "+447775755503"),
    ];
    let mut vcards = 0;
    for (photo, text) in photos() {
        if !text.starts_with("BEGIN:VCARD") {
            continue;
        }
        vcards += 1;
        assert_eq!(
            triples(&parse_payload(&text).unwrap()),
            expected,
            "{}",
            photo.display()
        );
    }
    assert_eq!(vcards, 2);
}

#[test]
fn plain_text_codes_are_not_taken_for_contacts() {
    let texts: Vec<String> = photos()
        .into_iter()
        .map(|(_, text)| text)
        .filter(|text| text.starts_with("THROUGH THE LOOKING-GLASS"))
        .collect();
    assert_eq!(texts.len(), 4);
    for text in texts {
        assert_eq!(parse_payload(&text), None);
    }
}
