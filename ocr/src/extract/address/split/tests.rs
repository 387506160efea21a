use super::*;

/// The parts of `text` as (street, city, region, postal code).
fn parts(text: &str) -> (String, String, String, String) {
    let p = split_address(text).unwrap_or_else(|| panic!("no split for {text:?}"));
    (p.street, p.city, p.region, p.postal_code)
}

fn expect(
    street: &str,
    city: &str,
    region: &str,
    postal: &str,
) -> (String, String, String, String) {
    (street.into(), city.into(), region.into(), postal.into())
}

#[test]
fn a_us_address_has_its_street_lines_then_city_state_and_zip() {
    assert_eq!(
        parts("1200 Harbor Blvd, Suite 4\nOakland, CA 94607"),
        expect("1200 Harbor Blvd, Suite 4", "Oakland", "CA", "94607")
    );
    assert_eq!(
        parts("250 West 40th Street\nNew York, NY 10018-1234\nUSA"),
        expect("250 West 40th Street", "New York", "NY", "10018-1234")
    );
}

#[test]
fn a_one_line_us_address_splits_at_the_city_comma() {
    assert_eq!(
        parts("1200 Harbor Blvd, Suite 4, Oakland, CA 94607"),
        expect("1200 Harbor Blvd, Suite 4", "Oakland", "CA", "94607")
    );
}

#[test]
fn a_uk_address_ends_in_city_and_postcode_before_the_country() {
    assert_eq!(
        parts("14 Aldgate Lane\nLondon EC3N 1AH\nUnited Kingdom"),
        expect("14 Aldgate Lane", "London", "", "EC3N 1AH")
    );
    assert_eq!(
        parts("Unit 5, Mill Road\nManchester M4 6BF"),
        expect("Unit 5, Mill Road", "Manchester", "", "M4 6BF")
    );
}

#[test]
fn german_and_french_addresses_put_the_postal_code_before_the_city() {
    assert_eq!(
        parts("Musterstraße 5\n10115 Berlin\nGermany"),
        expect("Musterstraße 5", "Berlin", "", "10115")
    );
    assert_eq!(
        parts("12 rue de la Paix, 75002 Paris"),
        expect("12 rue de la Paix", "Paris", "", "75002")
    );
    assert_eq!(
        parts("Hauptstr. 3\nD-80331 München"),
        expect("Hauptstr. 3", "München", "", "80331")
    );
}

#[test]
fn a_swedish_postal_code_is_three_digits_and_two() {
    assert_eq!(
        parts("Storgatan 5\n114 51 Stockholm"),
        expect("Storgatan 5", "Stockholm", "", "114 51")
    );
}

#[test]
fn a_canadian_and_a_dutch_postal_code() {
    assert_eq!(
        parts("400 Rue Saint-Paul\nMontréal, QC H2Y 1C6"),
        expect("400 Rue Saint-Paul", "Montréal", "QC", "H2Y 1C6")
    );
    assert_eq!(
        parts("Keizersgracht 100\n1015 AA Amsterdam"),
        expect("Keizersgracht 100", "Amsterdam", "", "1015 AA")
    );
}

#[test]
fn a_street_alone_is_not_split() {
    // `3100 Desert Way` would read as postal code 3100 in the city "Desert Way".
    assert_eq!(split_address("3100 Desert Way"), None);
    assert_eq!(split_address("1200 Market Street, Suite 400"), None);
}

#[test]
fn a_japanese_address_runs_from_postal_code_to_prefecture_city_and_street() {
    assert_eq!(
        parts("〒100-0005 東京都千代田区丸の内1-2-3"),
        expect("丸の内1-2-3", "千代田区", "東京都", "100-0005")
    );
    // A designated city keeps its ward; a building line joins the street.
    assert_eq!(
        parts("〒541-0041 大阪府大阪市中央区北浜2-6-11\n北浜ビル5F"),
        expect(
            "北浜2-6-11\n北浜ビル5F",
            "大阪市中央区",
            "大阪府",
            "541-0041"
        )
    );
    // PP-OCR drops the 〒 mark, or reads it as a look-alike.
    assert_eq!(
        parts("113-0033東京都文京区本郷3-14-7"),
        expect("本郷3-14-7", "文京区", "東京都", "113-0033")
    );
    assert_eq!(
        parts("元231-0023神奈川県横浜市中区山下町22"),
        expect("山下町22", "横浜市中区", "神奈川県", "231-0023")
    );
    assert_eq!(
        parts("〒959-1263 新潟県燕市大曲3-11"),
        expect("大曲3-11", "燕市", "新潟県", "959-1263")
    );
    assert_eq!(
        parts("〒604-8001 京都府京都市中京区河原町通1"),
        expect("河原町通1", "京都市中京区", "京都府", "604-8001")
    );
    assert_eq!(
        parts("〒231-0023 神奈川県横浜市中区山下町22"),
        expect("山下町22", "横浜市中区", "神奈川県", "231-0023")
    );
}

#[test]
fn a_chinese_address_names_province_city_and_district_before_the_road() {
    assert_eq!(
        parts("广东省深圳市南山区科技园路12号"),
        expect("科技园路12号", "深圳市南山区", "广东省", "")
    );
    // In a municipality the district stands where a city would.
    assert_eq!(
        parts("北京市朝阳区建国路88号 邮编：100022"),
        expect("建国路88号", "朝阳区", "北京市", "100022")
    );
    assert_eq!(
        parts("广州市天河区天河路385号"),
        expect("天河路385号", "广州市天河区", "", "")
    );
}

#[test]
fn a_korean_address_names_province_and_city_words_before_the_road() {
    assert_eq!(
        parts("서울특별시 강남구 테헤란로 152"),
        expect("테헤란로 152", "강남구", "서울특별시", "")
    );
    assert_eq!(
        parts("(13529) 경기도 성남시 분당구 판교로 255"),
        expect("판교로 255", "성남시 분당구", "경기도", "13529")
    );
    // Read without its spaces, or with one in the wrong place.
    assert_eq!(
        parts("경기도성남시분당구판교 로 255"),
        expect("판교 로 255", "성남시분당구", "경기도", "")
    );
    assert_eq!(
        parts("서울특별시강남구테헤란로 152"),
        expect("테헤란로 152", "강남구", "서울특별시", "")
    );
    assert_eq!(
        parts("부산광역시 중구 중앙대로 72"),
        expect("중앙대로 72", "중구", "부산광역시", "")
    );
}

#[test]
fn russian_and_ukrainian_addresses_mark_the_city() {
    assert_eq!(
        parts("ул. Тверская, д. 7\n125009, г. Москва"),
        expect("ул. Тверская, д. 7", "Москва", "", "125009")
    );
    assert_eq!(
        parts("вул. Хрещатик, 22, м. Київ, 01001, Україна"),
        expect("вул. Хрещатик, 22", "Київ", "", "01001")
    );
}
