use super::*;

/// The fields as (kind, label, value) triples, for compact assertions.
fn triples(fields: &[Field]) -> Vec<(FieldKind, &str, &str)> {
    fields
        .iter()
        .map(|f| (f.kind, f.label.as_str(), f.value.as_str()))
        .collect()
}

#[test]
fn a_vcard_3_fills_every_field_exactly() {
    let vcard = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Takeuchi;Shin;;;\r\nFN:Shin Takeuchi\r\n\
                 ORG:Yamata Keiki Co.\\, Ltd.;Sales\r\nTITLE:Manager\r\n\
                 TEL;TYPE=WORK,VOICE:+81 3-1234-5678\r\nTEL;TYPE=CELL:+81 90-1234-5678\r\n\
                 TEL;TYPE=WORK,FAX:+81 3-1234-5679\r\nEMAIL;TYPE=INTERNET:s.takeuchi@Yamatakei.CO.JP\r\n\
                 URL:www.yamatakei.co.jp\r\nX-SOCIALPROFILE;type=linkedin:https://linkedin.com/in/shin\r\n\
                 END:VCARD";
    let fields = parse_payload(vcard).expect("a vCard is a contact");
    assert!(
        fields
            .iter()
            .all(|f| f.source == Source::Qr && f.confidence == 1.0)
    );
    assert_eq!(
        triples(&fields),
        [
            (FieldKind::FamilyName, "", "Takeuchi"),
            (FieldKind::GivenName, "", "Shin"),
            (FieldKind::Company, "", "Yamata Keiki Co., Ltd."),
            (FieldKind::Department, "", "Sales"),
            (FieldKind::Title, "", "Manager"),
            (FieldKind::Email, "", "s.takeuchi@yamatakei.co.jp"),
            (FieldKind::Url, "", "https://www.yamatakei.co.jp"),
            (
                FieldKind::Social,
                "linkedin",
                "https://linkedin.com/in/shin"
            ),
            (FieldKind::Phone, "work", "+81312345678"),
            (FieldKind::Phone, "mobile", "+819012345678"),
            (FieldKind::Phone, "fax", "+81312345679"),
        ]
    );
}

#[test]
fn a_vcard_2_1_with_quoted_printable_japanese_and_a_reading() {
    let vcard = "BEGIN:VCARD\nVERSION:2.1\n\
                 N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=B1=B1=E7=94=B0;=E5=A4=AA=E9=83=8E\n\
                 SOUND;X-IRMC-N;CHARSET=UTF-8:やまだ;たろう\n\
                 TEL;CELL:090-1234-5678\nADR;WORK:;;1-2-3 Marunouchi;Chiyoda-ku;Tokyo;100-0005;Japan\n\
                 END:VCARD";
    let fields = parse_payload(vcard).unwrap();
    assert_eq!(
        triples(&fields),
        [
            (FieldKind::FamilyName, "", "山田"),
            (FieldKind::GivenName, "", "太郎"),
            (FieldKind::PhoneticFamilyName, "", "やまだ"),
            (FieldKind::PhoneticGivenName, "", "たろう"),
            (
                FieldKind::Address,
                "",
                "1-2-3 Marunouchi\nChiyoda-ku Tokyo 100-0005\nJapan"
            ),
            (FieldKind::Country, "", "JP"),
            // National, read in the address's country.
            (FieldKind::Phone, "mobile", "+819012345678"),
        ]
    );
}

#[test]
fn a_vcard_4_with_only_a_formatted_name_is_split() {
    let vcard = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Emma Clarke\r\nBDAY:--0412\r\n\
                 TEL;VALUE=uri;TYPE=\"voice,cell\":tel:+44-7911-123456\r\nEND:VCARD";
    let fields = parse_payload(vcard).unwrap();
    assert_eq!(
        triples(&fields),
        [
            (FieldKind::Birthday, "", "--04-12"),
            (FieldKind::GivenName, "", "Emma"),
            (FieldKind::FamilyName, "", "Clarke"),
            (FieldKind::Phone, "mobile", "+447911123456"),
        ]
    );
}

#[test]
fn a_mecard_with_family_comma_given_and_reading() {
    let fields = parse_payload(
        "MECARD:N:Yamada,Taro;SOUND:yamada,taro;TEL:+81312345678;EMAIL:taro@example.jp;\
         NOTE:Met at Expo\\; booth 5;URL:https://example.jp;;",
    )
    .unwrap();
    assert_eq!(
        triples(&fields),
        [
            (FieldKind::GivenName, "", "Taro"),
            (FieldKind::FamilyName, "", "Yamada"),
            (FieldKind::PhoneticGivenName, "", "taro"),
            (FieldKind::PhoneticFamilyName, "", "yamada"),
            (FieldKind::Email, "", "taro@example.jp"),
            (FieldKind::Note, "", "Met at Expo; booth 5"),
            (FieldKind::Url, "", "https://example.jp"),
            (FieldKind::Phone, "work", "+81312345678"),
        ]
    );
}

#[test]
fn a_bizcard_labels_its_phones() {
    let fields = parse_payload(
        "BIZCARD:N:Sean;X:Owen;T:Software Engineer;C:Google;A:76 9th Avenue, New York, NY 10011;\
         B:+12125551212;M:+12125551213;E:srowen@google.com;;",
    )
    .unwrap();
    assert_eq!(
        triples(&fields),
        [
            (FieldKind::GivenName, "", "Sean"),
            (FieldKind::FamilyName, "", "Owen"),
            (FieldKind::Title, "", "Software Engineer"),
            (FieldKind::Company, "", "Google"),
            (FieldKind::Address, "", "76 9th Avenue, New York, NY 10011"),
            (FieldKind::Email, "", "srowen@google.com"),
            (FieldKind::Phone, "work", "+12125551212"),
            (FieldKind::Phone, "mobile", "+12125551213"),
        ]
    );
}

#[test]
fn a_national_number_with_no_country_is_kept_raw_for_review() {
    let fields = parse_payload("MECARD:N:Sato,Aiko;TEL:03-1234-5678;;").unwrap();
    let phone = fields.iter().find(|f| f.kind == FieldKind::Phone).unwrap();
    assert_eq!(phone.value, "03-1234-5678");
    assert_eq!(phone.confidence, 0.5);
}

#[test]
fn text_and_urls_are_not_contacts() {
    assert_eq!(parse_payload("https://example.com"), None);
    assert_eq!(parse_payload("THROUGH THE LOOKING-GLASS"), None);
}
