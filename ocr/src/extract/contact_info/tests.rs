use super::*;

fn emails(text: &str) -> Vec<String> {
    find_emails(text).into_iter().map(|f| f.value).collect()
}

fn urls(text: &str) -> Vec<String> {
    find_urls(text).into_iter().map(|f| f.value).collect()
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
fn a_label_glued_before_the_scheme_goes_and_a_lost_colon_is_mended() {
    assert_eq!(
        urls("Web:http://www.cobaltline.io"),
        ["http://www.cobaltline.io"]
    );
    assert_eq!(
        urls("URL :https://kitahama-seiko.co.jp/en"),
        ["https://kitahama-seiko.co.jp/en"]
    );
    assert_eq!(
        urls("E: m.aoki@kitahama.co.jp URL:http://kitahama.co.jp"),
        ["http://kitahama.co.jp"]
    );
    assert_eq!(urls("http//www.sunmesa.com"), ["http://www.sunmesa.com"]);
    assert_eq!(urls("Web: https//sunmesa.com"), ["https://sunmesa.com"]);
    assert_eq!(urls("Website:http:/sunmesa.vn"), ["http://sunmesa.vn"]);
    assert_eq!(
        urls("网址：http://www.huaxing.cn"),
        ["http://www.huaxing.cn"]
    );
}

#[test]
fn a_label_glued_before_an_email_goes() {
    assert_eq!(
        emails("E-mail :an.luong@songhan.vn"),
        ["an.luong@songhan.vn"]
    );
    assert_eq!(emails("Email:an.luong@songhan.vn"), ["an.luong@songhan.vn"]);
    assert_eq!(
        emails("Mail: an.luong@songhan.vn Web:http://songhan.vn"),
        ["an.luong@songhan.vn"]
    );
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

#[test]
fn a_long_label_before_www_and_spaces_inside_the_scheme_are_read_through() {
    assert_eq!(
        urls("Website:www.sunmesa.com.vn"),
        ["https://www.sunmesa.com.vn"]
    );
    assert_eq!(
        urls("Homepage：www.kitahama.co.jp"),
        ["https://www.kitahama.co.jp"]
    );
    assert_eq!(
        urls("URL: http: //www. sunmesa. com"),
        ["http://www.sunmesa.com"]
    );
    assert_eq!(urls("Web https : //sunmesa.vn"), ["https://sunmesa.vn"]);
    assert_eq!(urls("http //sunmesa.com/en"), ["http://sunmesa.com/en"]);
    assert!(urls("HTTP requests per second: 40").is_empty());
}
