use super::*;
use crate::draft::Engine;

/// A recognised line at `y` with text `height` pixels tall.
fn line(text: &str, y: u32, height: u32) -> TextLine {
    TextLine {
        text: text.into(),
        confidence: 0.97,
        bbox: BBox {
            x: 60,
            y,
            width: 20 * text.chars().count() as u32,
            height,
        },
        engine: Engine::PpOcr,
    }
}

fn values(found: &Extraction, kind: FieldKind) -> Vec<(&str, &str)> {
    found
        .fields
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect()
}

fn value(found: &Extraction, kind: FieldKind) -> &str {
    found
        .fields
        .iter()
        .find(|f| f.kind == kind)
        .map_or("", |f| f.value.as_str())
}

#[test]
fn an_english_card_with_labels_glued_and_spaced() {
    let found = extract(&[
        line("Brightwell Analytics Inc.", 30, 34),
        line("Aiko Sato", 120, 52),
        line("Senior Account Manager", 180, 26),
        line("1200 Harbor Street, Suite 400", 300, 22),
        line("San Francisco, CA 94107", 326, 22),
        line("T (415) 555-0132", 360, 22),
        line("MOB(415) 555-0187", 386, 22),
        line("E-mail aiko. sato @ brightwell. com", 412, 22),
        line("www.brightwell.com", 438, 22),
    ]);
    assert_eq!(found.region.as_deref(), Some("US"));
    assert_eq!(value(&found, FieldKind::GivenName), "Aiko");
    assert_eq!(value(&found, FieldKind::FamilyName), "Sato");
    assert_eq!(value(&found, FieldKind::Title), "Senior Account Manager");
    assert_eq!(
        value(&found, FieldKind::Company),
        "Brightwell Analytics Inc."
    );
    assert_eq!(
        values(&found, FieldKind::Phone),
        [("work", "+14155550132"), ("mobile", "+14155550187")]
    );
    assert_eq!(value(&found, FieldKind::Email), "aiko.sato@brightwell.com");
    assert_eq!(value(&found, FieldKind::Url), "https://www.brightwell.com");
    assert_eq!(
        value(&found, FieldKind::Address),
        "1200 Harbor Street, Suite 400\nSan Francisco, CA 94107"
    );
    assert_eq!(
        value(&found, FieldKind::Street),
        "1200 Harbor Street, Suite 400"
    );
    assert_eq!(value(&found, FieldKind::City), "San Francisco");
    assert_eq!(value(&found, FieldKind::Region), "CA");
    assert_eq!(value(&found, FieldKind::PostalCode), "94107");
}

#[test]
fn a_japanese_card_with_furigana_and_a_glued_department_title() {
    let found = extract(&[
        line("株式会社ヤマタ計器", 30, 34),
        line("たけうち しょうた", 100, 20),
        line("竹内 翔太", 124, 56),
        line("営業部部長", 190, 26),
        line("〒113-0033 東京都文京区本郷3-14-7", 300, 22),
        line("TEL 03-3812-4471", 330, 22),
        line("FAX03-3812-4472", 356, 22),
        line("携帯 090-4127-8836", 382, 22),
        line("E-mail s.takeuchi@yamatakeiki.co.jp", 408, 22),
    ]);
    assert_eq!(found.region.as_deref(), Some("JP"));
    assert_eq!(value(&found, FieldKind::FamilyName), "竹内");
    assert_eq!(value(&found, FieldKind::GivenName), "翔太");
    assert_eq!(value(&found, FieldKind::PhoneticFamilyName), "たけうち");
    assert_eq!(value(&found, FieldKind::PhoneticGivenName), "しょうた");
    assert_eq!(value(&found, FieldKind::Department), "営業部");
    assert_eq!(value(&found, FieldKind::Title), "部長");
    assert_eq!(value(&found, FieldKind::Company), "株式会社ヤマタ計器");
    assert_eq!(
        values(&found, FieldKind::Phone),
        [
            ("work", "+81338124471"),
            ("fax", "+81338124472"),
            ("mobile", "+819041278836")
        ]
    );
    assert_eq!(
        value(&found, FieldKind::Address),
        "〒113-0033 東京都文京区本郷3-14-7"
    );
    assert_eq!(value(&found, FieldKind::PostalCode), "113-0033");
    assert_eq!(value(&found, FieldKind::Region), "東京都");
    assert_eq!(value(&found, FieldKind::City), "文京区");
    assert_eq!(value(&found, FieldKind::Street), "本郷3-14-7");
}

#[test]
fn pinyin_under_a_chinese_name_is_its_reading_not_a_second_name() {
    let found = extract(&[
        line("北京华星科技有限公司", 30, 34),
        line("王伟", 110, 60),
        line("Wang Wei", 176, 22),
        line("市场部 销售经理", 210, 26),
        line("电话：010-6588-3721", 300, 22),
        line("手机：138-1127-6645", 326, 22),
        line("邮箱：wang.wei@huaxingtech.cn", 352, 22),
        line("北京市朝阳区建国路88号", 378, 22),
    ]);
    assert_eq!(found.region.as_deref(), Some("CN"));
    assert_eq!(value(&found, FieldKind::FamilyName), "王");
    assert_eq!(value(&found, FieldKind::GivenName), "伟");
    assert_eq!(value(&found, FieldKind::PhoneticFamilyName), "Wang");
    assert_eq!(value(&found, FieldKind::PhoneticGivenName), "Wei");
    assert_eq!(value(&found, FieldKind::Department), "市场部");
    assert_eq!(value(&found, FieldKind::Title), "销售经理");
    assert_eq!(
        values(&found, FieldKind::Phone),
        [("work", "+861065883721"), ("mobile", "+8613811276645")]
    );
}

#[test]
fn a_korean_card_reads_its_region_from_the_script() {
    let found = extract(&[
        line("한빛테크 주식회사", 30, 34),
        line("김민준", 110, 60),
        line("영업팀 부장", 190, 26),
        line("서울특별시 강남구 테헤란로 152", 300, 22),
        line("전화 02-3445-7120", 326, 22),
        line("휴대폰 010-4821-3367", 352, 22),
    ]);
    assert_eq!(found.region.as_deref(), Some("KR"));
    assert_eq!(value(&found, FieldKind::FamilyName), "김");
    assert_eq!(value(&found, FieldKind::GivenName), "민준");
    assert_eq!(value(&found, FieldKind::Company), "한빛테크 주식회사");
    assert_eq!(value(&found, FieldKind::Department), "영업팀");
    assert_eq!(value(&found, FieldKind::Title), "부장");
    assert_eq!(
        values(&found, FieldKind::Phone),
        [("work", "+82234457120"), ("mobile", "+821048213367")]
    );
}

#[test]
fn a_swedish_address_is_found_and_split_though_it_has_no_street_word() {
    let found = extract(&[
        line("Nordvik Design AB", 30, 34),
        line("Elsa Lindqvist", 120, 50),
        line("Storgatan 5", 300, 22),
        line("114 51 Stockholm", 326, 22),
        line("elsa@nordvikdesign.se", 352, 22),
    ]);
    assert_eq!(
        value(&found, FieldKind::Address),
        "Storgatan 5\n114 51 Stockholm"
    );
    assert_eq!(value(&found, FieldKind::Street), "Storgatan 5");
    assert_eq!(value(&found, FieldKind::City), "Stockholm");
    assert_eq!(value(&found, FieldKind::PostalCode), "114 51");
    assert_eq!(value(&found, FieldKind::Company), "Nordvik Design AB");
}

#[test]
fn the_email_local_part_picks_the_name_over_a_taller_line() {
    // "Harbor Point" is printed larger (a logo without a legal form) but the email names Emma.
    let found = extract(&[
        line("Harbor Point", 30, 60),
        line("Emma Clarke", 120, 40),
        line("emma.clarke@harborpoint.co.uk", 300, 22),
    ]);
    assert_eq!(value(&found, FieldKind::GivenName), "Emma");
    assert_eq!(value(&found, FieldKind::FamilyName), "Clarke");
    // The domain confirms the company even without "Ltd".
    let company = found
        .fields
        .iter()
        .find(|f| f.kind == FieldKind::Company)
        .unwrap();
    assert_eq!(company.value, "Harbor Point");
    assert!(company.confidence > 0.8);
}

#[test]
fn a_bare_label_boxed_apart_joins_the_value_beside_it() {
    let mut tel = line("TEL", 300, 22);
    tel.bbox.width = 50;
    let mut number = line("03-1234-5678", 301, 22);
    number.bbox.x = 130;
    let mut fax = line("FAX", 330, 22);
    fax.bbox.width = 50;
    let mut fax_number = line("03-1234-5679", 331, 22);
    fax_number.bbox.x = 130;
    let found = extract(&[
        line("株式会社ヤマタ計器", 30, 30),
        line("山田 太郎", 100, 50),
        tel,
        number,
        fax,
        fax_number,
    ]);
    assert_eq!(
        values(&found, FieldKind::Phone),
        [("work", "+81312345678"), ("fax", "+81312345679")]
    );
}

#[test]
fn every_ocr_field_carries_its_box_source_and_a_confidence() {
    let found = extract(&[
        line("Kestrel & Finch Ltd", 30, 34),
        line("Oliver Brennan", 120, 50),
        line("T 020 7946 0321", 300, 22),
    ]);
    assert!(!found.fields.is_empty());
    for field in &found.fields {
        assert_eq!(field.source, Source::Ocr);
        assert!(field.bbox.is_some(), "{field:?}");
        assert!((0.0..=1.0).contains(&field.confidence), "{field:?}");
    }
    let phone = found
        .fields
        .iter()
        .find(|f| f.kind == FieldKind::Phone)
        .unwrap();
    assert_eq!(phone.bbox.unwrap().y, 300);
}

#[test]
fn a_chinese_label_glued_to_a_web_address_and_an_iterated_kanji_name() {
    let found = extract(&[
        line("株式会社ミドリ工機", 30, 34),
        line("佐々木陽菜", 110, 60),
        line("網址:www.midori-koki.co.jp", 300, 22),
    ]);
    assert_eq!(
        value(&found, FieldKind::Url),
        "https://www.midori-koki.co.jp"
    );
    assert_eq!(value(&found, FieldKind::FamilyName), "佐々木");
    assert_eq!(value(&found, FieldKind::GivenName), "陽菜");
}

#[test]
fn the_printed_company_name_wins_over_its_logo_acronym_and_brand_word() {
    let card = |lines: &[TextLine]| {
        let found = extract(lines);
        let company = found
            .fields
            .iter()
            .find(|f| f.kind == FieldKind::Company)
            .cloned()
            .unwrap();
        (company.value, company.confidence)
    };
    // A tall acronym logo and the full name in small type beside it.
    let (company, confidence) = card(&[
        line("NPL", 20, 90),
        line("Northpeak Logistics LLC", 40, 24),
        line("Marcus Okafor", 140, 50),
        line("Director of Sales", 200, 28),
        line("m.okafor@northpeak.com", 300, 22),
    ]);
    assert_eq!(company, "Northpeak Logistics LLC");
    assert!(confidence >= 0.8, "{confidence}");
    // A brand word over the name; the full name printed small at the foot.
    let (company, _) = card(&[
        line("KESTREL", 20, 80),
        line("Oliver Brennan", 120, 50),
        line("Regional Sales Manager", 180, 28),
        line("oliver@kf-example.co.uk", 300, 22),
        line("Kestrel & Finch Ltd", 340, 22),
    ]);
    assert_eq!(company, "Kestrel & Finch Ltd");
    // Only the logo is printed: it is kept, and flagged for the rep.
    let (company, confidence) = card(&[
        line("KVX", 20, 90),
        line("Tomas Lindgren", 140, 50),
        line("Field Service Engineer", 200, 28),
        line("Pier 66, 2130 Alaskan Way, Suite 1200", 300, 22),
        line("Seattle, WA 98121", 330, 22),
        line("tomas@kvx-marine.example", 360, 22),
    ]);
    assert_eq!(company, "KVX");
    assert!(confidence < 0.8, "{confidence}");
}

#[test]
fn a_close_call_between_two_company_lines_is_flagged() {
    let found = extract(&[
        line("Bellwether Marine", 20, 40),
        line("Harbor Services", 60, 40),
        line("Ana Ruiz", 140, 50),
        line("ana@example.com", 300, 22),
    ]);
    let company = found
        .fields
        .iter()
        .find(|f| f.kind == FieldKind::Company)
        .unwrap();
    assert!(company.confidence < 0.6, "{company:?}");
}

#[test]
fn a_vietnamese_card_reads_its_name_family_first() {
    let found = extract(&[
        line("Song Han Trading JSC", 20, 40),
        line("Luong Van Tam", 100, 50),
        line("Sales Manager", 160, 28),
        line("Mobile: 0912 345 678", 300, 22),
        line("tam.luong@songhan.vn", 330, 22),
    ]);
    assert_eq!(found.region.as_deref(), Some("VN"));
    assert_eq!(value(&found, FieldKind::FamilyName), "Luong");
    assert_eq!(value(&found, FieldKind::GivenName), "Van Tam");
    assert_eq!(value(&found, FieldKind::Company), "Song Han Trading JSC");
}

#[test]
fn a_legal_form_boxed_apart_from_the_name_it_ends_joins_it() {
    let below = extract(&[
        line("Yamata Keiki", 20, 40),
        line("Co., Ltd.", 64, 30),
        line("Shin Takeuchi", 140, 50),
        line("Sales Manager", 200, 28),
        line("s.takeuchi@yamatakei.co.jp", 360, 22),
    ]);
    assert_eq!(value(&below, FieldKind::Company), "Yamata Keiki Co., Ltd.");
    let mut beside = line("Co., Ltd.", 24, 30);
    beside.bbox.x = 60 + 20 * 12 + 12;
    let beside = extract(&[
        line("Yamata Keiki", 20, 36),
        beside,
        line("Shin Takeuchi", 140, 50),
        line("Sales Manager", 200, 28),
        line("s.takeuchi@yamatakei.co.jp", 360, 22),
    ]);
    assert_eq!(value(&beside, FieldKind::Company), "Yamata Keiki Co., Ltd.");
}

#[test]
fn a_tagline_is_never_the_company() {
    let found = extract(&[
        line("Aiko Sato", 100, 50),
        line("Account Manager", 160, 24),
        line("Innovation for a better tomorrow", 220, 22),
        line("Tel 03-1234-5678", 280, 20),
        line("a.sato@brightwell.co.jp", 300, 20),
    ]);
    assert_eq!(value(&found, FieldKind::Company), "", "{:?}", found.fields);
}

#[test]
fn a_vietnamese_title_without_its_marks_is_a_title() {
    let found = extract(&[
        line("CONG TY TNHH SONG HAN", 20, 30),
        line("NGUYEN Van An", 100, 50),
        line("Giam doc Kinh doanh", 160, 24),
        line("DD: 0168 512 3746", 260, 20),
        line("an.nguyen@songhan.vn", 300, 20),
    ]);
    assert_eq!(value(&found, FieldKind::Title), "Giam doc Kinh doanh");
    assert_eq!(value(&found, FieldKind::Company), "CONG TY TNHH SONG HAN");
    assert_eq!(value(&found, FieldKind::FamilyName), "NGUYEN");
    let phone = found
        .fields
        .iter()
        .find(|f| f.kind == FieldKind::Phone)
        .unwrap();
    assert_eq!(
        (phone.label.as_str(), phone.value.as_str()),
        ("mobile", "0168 512 3746")
    );
    assert!(phone.problem.as_deref().unwrap().contains("+84385123746"));
}
