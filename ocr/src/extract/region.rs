//! The region a card's national phone numbers are dialled in, inferred from the card itself.

use crate::script::{count, is_cyrillic, is_han, is_hangul, is_kana};

use super::address::{country_in, has_us_state_zip};

/// Country-code top-level domains and their region.
const TLD_REGIONS: &[(&str, &str)] = &[
    (".jp", "JP"),
    (".cn", "CN"),
    (".kr", "KR"),
    (".uk", "GB"),
    (".de", "DE"),
    (".fr", "FR"),
    (".ru", "RU"),
    (".ua", "UA"),
    (".tw", "TW"),
    (".hk", "HK"),
    (".sg", "SG"),
    (".au", "AU"),
    (".ca", "CA"),
    (".in", "IN"),
    (".vn", "VN"),
];

/// The ISO 3166-1 alpha-2 region of a card, strongest evidence first: a `+CC` phone prefix, a
/// country named in the text, a US state and ZIP, an email or web domain's country code, then
/// the script (kana: Japan, Hangul: Korea, Cyrillic: Russia, Han alone: China). The domain
/// comes before the script because a misread label turns into stray Han characters.
pub fn infer_region<'a>(lines: impl Iterator<Item = &'a str>) -> Option<String> {
    let lines: Vec<&str> = lines.collect();
    for line in &lines {
        for (at, _) in line.match_indices('+') {
            let run: String = line[at..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || " +-().".contains(*c))
                .collect();
            if let Ok(number) = phonenumber::parse(None, run.trim())
                && let Some(id) = number.country().id()
            {
                return Some(id.as_ref().to_string());
            }
        }
    }
    if let Some(code) = lines.iter().find_map(|line| country_in(line)) {
        return Some(code.to_string());
    }
    if lines.iter().any(|line| has_us_state_zip(line)) {
        return Some("US".into());
    }
    let all = lines.join("\n");
    // OCR spaces domains apart (`yamatakei. co. jp`); close them before looking at the end.
    let lower = super::contact_info::squeeze(&all).to_lowercase();
    for word in lower.split(|c: char| c.is_whitespace() || c == '/') {
        let host = word.trim_end_matches(['.', ',']);
        if let Some((_, region)) = TLD_REGIONS.iter().find(|(tld, _)| host.ends_with(tld)) {
            return Some(region.to_string());
        }
    }
    if count(&all, is_kana) >= 2 {
        return Some("JP".into());
    }
    if count(&all, is_hangul) >= 2 {
        return Some("KR".into());
    }
    if count(&all, is_cyrillic) >= 3 {
        return Some("RU".into());
    }
    if count(&all, is_han) >= 2 {
        return Some("CN".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(lines: &[&str]) -> Option<String> {
        infer_region(lines.iter().copied())
    }

    #[test]
    fn a_country_code_prefix_wins() {
        assert_eq!(
            region(&["山田 太郎", "Tel +44 20 7946 0958"]).as_deref(),
            Some("GB")
        );
    }

    #[test]
    fn the_address_then_the_script_then_the_domain_decide() {
        assert_eq!(
            region(&["Minato-ku, Tokyo, Japan", "03-1234-5678"]).as_deref(),
            Some("JP")
        );
        assert_eq!(region(&["Austin, TX 78701"]).as_deref(), Some("US"));
        assert_eq!(region(&["김민준", "010-1234-5678"]).as_deref(), Some("KR"));
        assert_eq!(region(&["王伟", "010-8888-6666"]).as_deref(), Some("CN"));
        assert_eq!(
            region(&["Emma Clarke", "emma@clarke.co.uk"]).as_deref(),
            Some("GB")
        );
        assert_eq!(region(&["Emma Clarke"]), None);
    }
}
