//! Country names as exports in other languages write them (`日本`, `Deutschland`, `대한민국`),
//! read as ISO codes before sync-core's parser, which knows codes and English names.

/// Native name -> ISO 3166-1 alpha-2.
const NATIVE: &[(&str, &str)] = &[
    ("日本", "JP"),
    ("日本国", "JP"),
    ("にほん", "JP"),
    ("中国", "CN"),
    ("中华人民共和国", "CN"),
    ("中華人民共和国", "CN"),
    ("台湾", "TW"),
    ("台灣", "TW"),
    ("香港", "HK"),
    ("澳门", "MO"),
    ("澳門", "MO"),
    ("韓国", "KR"),
    ("韩国", "KR"),
    ("대한민국", "KR"),
    ("한국", "KR"),
    ("美国", "US"),
    ("美國", "US"),
    ("アメリカ", "US"),
    ("アメリカ合衆国", "US"),
    ("미국", "US"),
    ("英国", "GB"),
    ("イギリス", "GB"),
    ("영국", "GB"),
    ("ドイツ", "DE"),
    ("德国", "DE"),
    ("독일", "DE"),
    ("フランス", "FR"),
    ("法国", "FR"),
    ("프랑스", "FR"),
    ("シンガポール", "SG"),
    ("新加坡", "SG"),
    ("Deutschland", "DE"),
    ("Österreich", "AT"),
    ("Schweiz", "CH"),
    ("Suisse", "CH"),
    ("Svizzera", "CH"),
    ("España", "ES"),
    ("Italia", "IT"),
    ("Nederland", "NL"),
    ("België", "BE"),
    ("Belgique", "BE"),
    ("Brasil", "BR"),
    ("México", "MX"),
    ("Polska", "PL"),
    ("Sverige", "SE"),
    ("Norge", "NO"),
    ("Danmark", "DK"),
    ("Suomi", "FI"),
    ("Česko", "CZ"),
    ("Česká republika", "CZ"),
    ("Россия", "RU"),
    ("Україна", "UA"),
    ("Türkiye", "TR"),
    ("Việt Nam", "VN"),
    ("ประเทศไทย", "TH"),
    ("Indonesia", "ID"),
];

/// The ISO code of a country name written in its own or a neighbour's language, if known.
pub(crate) fn native(name: &str) -> Option<&'static str> {
    let name = name.trim();
    NATIVE
        .iter()
        .find(|(native, _)| native.eq_ignore_ascii_case(name) || *native == name)
        .map(|(_, code)| *code)
}
