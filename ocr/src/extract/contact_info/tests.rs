use super::*;

fn emails(text: &str) -> Vec<String> {
    find_emails(text).into_iter().map(|f| f.value).collect()
}

fn urls(text: &str) -> Vec<String> {
    find_urls(text).into_iter().map(|f| f.value).collect()
}

fn phones(text: &str, region: Option<&str>) -> Vec<(String, String)> {
    find_phones(text, region, false)
        .into_iter()
        .map(|f| (f.label, f.value))
        .collect()
}

#[test]
fn emails_survive_ocr_spacing_and_glued_labels() {
    assert_eq!(
        emails("s. takeuchi @ yamatakei. com"),
        ["s.takeuchi@yamatakei.com"]
    );
    assert_eq!(
        emails("E-mail:aiko.sato@Example.CO.JP"),
        ["aiko.sato@example.co.jp"]
    );
    assert_eq!(emails("E-mail s.sato @example.com"), ["s.sato@example.com"]);
    assert_eq!(emails("メールtaro@example.jp"), ["taro@example.jp"]);
    assert_eq!(
        emails("Email: m.okafor@northpeak.com"),
        ["m.okafor@northpeak.com"]
    );
    assert_eq!(emails("sales (at) example.com"), ["sales@example.com"]);
    assert!(emails("Tokyo 100-0005").is_empty());
    assert!(emails("a@b").is_empty());
}

#[test]
fn a_glued_label_is_taken_off_an_address_unless_it_is_a_name_on_the_card() {
    let card = "Priya Raman\nTidewater Biolabs";
    assert_eq!(
        unglue_email_label("Epriya.raman@tide.com", card),
        "priya.raman@tide.com"
    );
    assert_eq!(
        unglue_email_label("Emailkevin@x.com", "Kevin Osei"),
        "kevin@x.com"
    );
    // The hyphenated label: its `e` alone is in every card's text.
    assert_eq!(
        unglue_email_label("E-mailk.matsumoto@a.co.jp", "E-mail\nFAX052-961-3381"),
        "k.matsumoto@a.co.jp"
    );
    assert_eq!(
        unglue_email_label("Emily@x.com", "Emily Hartman"),
        "Emily@x.com"
    );
    // A label in another script read as one stray character.
    assert_eq!(
        unglue_email_label("0haeun.choi@b.kr", "Choi Haeun"),
        "haeun.choi@b.kr"
    );
    assert_eq!(unglue_email_label("info@x.com", "Kevin Osei"), "info@x.com");
}

#[test]
fn urls_need_www_a_scheme_a_label_or_a_known_domain() {
    assert_eq!(
        urls("www. yamatakei. co. jp"),
        ["https://www.yamatakei.co.jp"]
    );
    assert_eq!(
        urls("URL: https://Example.com/Team"),
        ["https://example.com/Team"]
    );
    assert_eq!(
        urls("Wwww.kestrelfinch.co.uk"),
        ["https://www.kestrelfinch.co.uk"]
    );
    assert_eq!(urls("tidewaterbio.com"), ["https://tidewaterbio.com"]);
    assert!(urls("Yamata Keiki Co.,Ltd.").is_empty());
    assert!(urls("aiko@example.com").is_empty());
    assert!(urls("03.1234.5678").is_empty());
}

#[test]
fn phones_take_the_label_printed_before_them() {
    assert_eq!(
        phones("TEL03-1234-5678", Some("JP")),
        [("work".into(), "+81312345678".into())]
    );
    assert_eq!(
        phones("T 03-1234-5678 / F 03-1234-5679", Some("JP")),
        [
            ("work".into(), "+81312345678".into()),
            ("fax".into(), "+81312345679".into())
        ]
    );
    assert_eq!(
        phones("MOB+44 7911 123456", None),
        [("mobile".into(), "+447911123456".into())]
    );
    assert_eq!(
        phones("携帯 090-1234-5678", Some("JP")),
        [("mobile".into(), "+819012345678".into())]
    );
    assert_eq!(
        phones("Office (415) 555-0132", Some("US")),
        [("work".into(), "+14155550132".into())]
    );
}

#[test]
fn an_unlabelled_mobile_prefix_reads_as_mobile() {
    assert_eq!(
        phones("010-4821-3367", Some("KR")),
        [("mobile".into(), "+821048213367".into())]
    );
    assert_eq!(
        phones("03-1234-5678", Some("JP")),
        [("work".into(), "+81312345678".into())]
    );
}

#[test]
fn postal_codes_and_short_numbers_are_not_phones() {
    assert!(phones("〒100-0005 東京都千代田区丸の内1-2-3", Some("JP")).is_empty());
    assert!(find_phones("1200 Market Street, Suite 400", Some("US"), true).is_empty());
    assert!(phones("Booth 12", Some("US")).is_empty());
}

#[test]
fn a_national_number_without_a_region_is_kept_raw_and_unsure() {
    let found = find_phones("Tel 03-1234-5678", None, false);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].value, "03-1234-5678");
    assert!(found[0].certainty < 0.5);
}

#[test]
fn social_handles_by_host_or_label() {
    let social = |text| find_social(text).map(|f| (f.label, f.value));
    assert_eq!(
        social("linkedin.com/in/marcusokafor"),
        Some(("linkedin".into(), "linkedin.com/in/marcusokafor".into()))
    );
    assert_eq!(
        social("X @priyaraman"),
        Some(("x".into(), "@priyaraman".into()))
    );
    assert_eq!(
        social("WeChat: wangwei_hx"),
        Some(("wechat".into(), "wangwei_hx".into()))
    );
    assert_eq!(
        social("KakaoTalk: seoyeon_nuri"),
        Some(("kakaotalk".into(), "seoyeon_nuri".into()))
    );
    assert_eq!(social("Linear Systems"), None);
}
