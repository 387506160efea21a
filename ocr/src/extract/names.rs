//! Telling names, companies, titles and departments apart, and splitting a name into parts.

use crate::script::{count, is_cjk, is_han, is_hangul, is_kana};

/// Legal forms: a line holding one is a company's printed name.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "inc.",
    "incorporated",
    "ltd",
    "ltd.",
    "limited",
    "llc",
    "l.l.c.",
    "llp",
    "co.",
    "corp",
    "corp.",
    "corporation",
    "company",
    "gmbh",
    "ag",
    "s.a.",
    "pty",
    "pte",
    "plc",
    "jsc",
    "tnhh",
    // Europe, Latin America and South-East Asia: forms cards print as a word of their own.
    "sas",
    "s.a.s.",
    "sarl",
    "s.a.r.l.",
    "srl",
    "s.r.l.",
    "spa",
    "s.p.a.",
    "s.l.",
    "b.v.",
    "bv",
    "n.v.",
    "oyj",
    "a/s",
    "aps",
    "kft",
    "o.o.",
    "d.o.o.",
    "ltda",
    "ltda.",
    "sdn",
    "bhd",
    "tbk",
    "pvt",
    "pvt.",
    "pllc",
    "cty",
    "k.k.",
    "ооо",
    "ао",
    "зао",
    "пао",
    "тов",
    "пп",
];

/// Words that make a line likely a company name, short of a legal form.
const COMPANY_WORDS: &[&str] = &[
    "group",
    "holdings",
    "technologies",
    "technology",
    "solutions",
    "systems",
    "industries",
    "partners",
    "labs",
    "logistics",
    "trading",
    "consulting",
    "studio",
    "bank",
];

/// Legal forms in CJK scripts and Vietnamese, found anywhere in the line.
const LEGAL_MARKS: &[&str] = &[
    "株式会社",
    "(株)",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "㈱",
    "(有)",
    "公司",
    "有限",
    "股份",
    "주식회사",
    "(주)",
    "㈜",
    "유한회사",
    "công ty",
    "cong ty",
    "co.,",
];

/// Marks of a company name in CJK scripts short of a legal form.
const COMPANY_CJK: &[&str] = &["集团", "集團", "그룹", "컴퍼니"];

/// Words of job titles.
const TITLE_WORDS: &[&str] = &[
    "manager",
    "director",
    "engineer",
    "president",
    "ceo",
    "cto",
    "cfo",
    "coo",
    "cio",
    "vp",
    "vice",
    "head",
    "lead",
    "representative",
    "consultant",
    "officer",
    "specialist",
    "analyst",
    "executive",
    "associate",
    "founder",
    "co-founder",
    "coordinator",
    "architect",
    "designer",
    "developer",
    "administrator",
    "chief",
    "senior",
    "intern",
    "supervisor",
    "advisor",
    "accountant",
    "assistant",
    "partner",
    "owner",
    "chairman",
    "agent",
    "scientist",
    "researcher",
    "principal",
    "менеджер",
    "директор",
    "инженер",
    // Vietnamese (giám đốc, trưởng phòng, chủ tịch), with and without the marks OCR may lose;
    // not `truong`, which is also the family name Trương.
    "giám",
    "giam",
    "trưởng",
    "tịch",
];

/// Job titles in CJK scripts.
const TITLE_CJK: &[&str] = &[
    "部長",
    "課長",
    "係長",
    "主任",
    "社長",
    "取締役",
    "代表",
    "専務",
    "常務",
    "室長",
    "所長",
    "マネージャー",
    "マネジャー",
    "エンジニア",
    "ディレクター",
    "リーダー",
    "コンサルタント",
    "デザイナー",
    "プロデューサー",
    "プランナー",
    "アナリスト",
    "スペシャリスト",
    "アシスタント",
    "アドバイザー",
    "コーディネーター",
    "プログラマー",
    "チーフ",
    "セールス",
    "顧問",
    "担当",
    "経理",
    "经理",
    "經理",
    "总监",
    "總監",
    "主管",
    "工程师",
    "工程師",
    "董事长",
    "董事",
    "总裁",
    "顾问",
    "专员",
    "助理",
    "销售代表",
    "대표",
    "이사",
    "부장",
    "과장",
    "차장",
    "대리",
    "팀장",
    "사원",
    "매니저",
    "실장",
    "본부장",
    "상무",
    "전무",
    "사장",
    "연구원",
    "엔지니어",
    "주임",
    "디자이너",
    "컨설턴트",
];

/// Words of department names.
const DEPARTMENT_WORDS: &[&str] = &[
    "department",
    "dept",
    "dept.",
    "division",
    "div.",
    "team",
    "unit",
    "office",
    "отдел",
];

/// Endings of department names in CJK scripts.
const DEPARTMENT_CJK: &[&str] = &[
    "部",
    "課",
    "室",
    "本部",
    "部门",
    "部門",
    "中心",
    "センター",
    "グループ",
    "팀",
    "본부",
    "사업부",
    "센터",
    "부",
];

/// Name prefixes and suffixes that are not part of the given or family name.
const HONORIFICS: &[&str] = &[
    "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "dr", "dr.", "prof", "prof.", "phd", "ph.d.", "mba",
    "jr", "jr.", "sr.", "ii", "iii",
];

/// Two-character surnames of Korean and Chinese, which must not be split after one character.
const COMPOUND_SURNAMES: &[&str] = &[
    "남궁", "제갈", "선우", "황보", "독고", "사공", "欧阳", "歐陽", "司马", "司馬", "上官", "诸葛",
    "諸葛", "东方", "東方", "皇甫", "慕容", "令狐",
];

fn lower_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '|' || c == '/')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `text` carries a legal form (`Co., Ltd.`, `Inc.`, `GmbH`, `JSC`, `株式会社`, `公司`,
/// `Công ty TNHH`).
pub fn has_legal_form(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower_words(text).iter().any(|w| {
        LEGAL_FORMS.contains(&w.as_str()) || LEGAL_FORMS.contains(&w.trim_end_matches([',', ';']))
    }) || LEGAL_MARKS.iter().any(|mark| lower.contains(mark))
}

/// Whether `text` names a company by its legal form or a company word.
pub fn is_company(text: &str) -> bool {
    let words = lower_words(text);
    has_legal_form(text)
        || words.iter().any(|w| COMPANY_WORDS.contains(&w.as_str()))
        || COMPANY_CJK.iter().any(|mark| text.contains(mark))
}

/// Whether `text` reads as a job title.
pub fn is_title(text: &str) -> bool {
    let words = lower_words(text);
    words
        .iter()
        .any(|w| TITLE_WORDS.contains(&w.trim_end_matches(['.', ','])))
        || TITLE_CJK.iter().any(|t| text.contains(t))
}

/// Whether `text` reads as a department.
pub fn is_department(text: &str) -> bool {
    let words = lower_words(text);
    if words.iter().any(|w| DEPARTMENT_WORDS.contains(&w.as_str())) {
        return true;
    }
    let trimmed = text.trim();
    count(trimmed, is_cjk) >= 2
        && DEPARTMENT_CJK.iter().any(|end| trimmed.ends_with(end))
        && !trimmed.ends_with("部長")
}

/// Whether `text` could be a person's name: 2-4 capitalised words of letters, or 2-5 CJK
/// characters, with no digits.
pub fn looks_like_name(text: &str) -> bool {
    let text = text.trim();
    if text
        .chars()
        .any(|c| c.is_ascii_digit() || "@:/&()".contains(c))
    {
        return false;
    }
    let cjk = count(text, is_cjk);
    if cjk > 0 {
        let letters = text.chars().filter(|c| !c.is_whitespace()).count();
        return cjk == letters && (2..=5).contains(&cjk);
    }
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !HONORIFICS.contains(&w.to_lowercase().as_str()))
        .collect();
    (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(|c| c.is_alphabetic() || "-'.,".contains(c))
        })
}

/// Whether `text` is a phonetic reading: kana only, or 1-3 Latin words.
pub fn looks_like_reading(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if letters.is_empty() {
        return false;
    }
    if letters.iter().all(|&c| is_kana(c) || c == '・') {
        return true;
    }
    let words = text.split_whitespace().count();
    (1..=3).contains(&words)
        && letters
            .iter()
            .all(|c| c.is_alphabetic() && c.is_ascii() || *c == '-')
}

/// Splits a name printed on a Japanese card into (given, family): without a space, a kanji
/// name of three or more characters is taken to have a two-character family name (most do:
/// 森田 亮, 佐々木 望 is the rarer case), where [`split_name`]'s Chinese rule would take one.
pub fn split_japanese_name(text: &str) -> (String, String) {
    let text = text.trim();
    let chars: Vec<char> = text.chars().collect();
    if text.contains(char::is_whitespace) || chars.len() < 3 || !chars.iter().all(|&c| is_han(c)) {
        return split_name(text);
    }
    let family = kanji_surname_len(&chars);
    (
        chars[family..].iter().collect(),
        chars[..family].iter().collect(),
    )
}

/// How many characters of an unspaced kanji name are the surname: most are two, but one
/// repeated with 々 (佐々木, 野々村) is three.
fn kanji_surname_len(chars: &[char]) -> usize {
    if chars.len() >= 4 && chars[1] == '々' {
        3
    } else {
        2
    }
}

/// Splits a printed name into (given, family).
///
/// CJK names are family first (`山田 太郎`, `김민준` whose surname is its first syllable);
/// Latin names are given first unless written `FAMILY Given` or `Family, Given`. Honorifics
/// (`Dr.`, `PhD`) are dropped.
pub fn split_name(text: &str) -> (String, String) {
    split_name_in(text, false)
}

/// [`split_name`] on a card whose Latin names are printed family first when nothing else says
/// (`family_first`: a Vietnamese card's `Lương Văn Tâm`). A surname printed first in capitals
/// keeps them (`TAKEUCHI Shin`): that is how the contact shows it first, as the card does
/// (sync-core `contact::display`); one printed last in capitals is written as a name
/// (`Shin TAKEUCHI` gives `Takeuchi`).
pub fn split_name_in(text: &str, family_first: bool) -> (String, String) {
    let text = text.trim();
    if count(text, is_cjk) > 0 {
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() >= 2 {
            return (parts[1..].join(""), parts[0].to_string());
        }
        let chars: Vec<char> = text.chars().collect();
        let family_len = if COMPOUND_SURNAMES.iter().any(|s| text.starts_with(s)) {
            2
        } else if chars.iter().all(|&c| is_han(c))
            && count(text, is_hangul) == 0
            && chars.len() >= 4
        {
            // Japanese kanji names without a space: most surnames are two characters.
            kanji_surname_len(&chars)
        } else {
            1
        };
        let family: String = chars[..family_len.min(chars.len())].iter().collect();
        let given: String = chars[family_len.min(chars.len())..].iter().collect();
        return (given, family);
    }
    if let Some((family, given)) = text.split_once(',') {
        return (given.trim().to_string(), family.trim().to_string());
    }
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|w| !HONORIFICS.contains(&w.to_lowercase().as_str()))
        .collect();
    match words.len() {
        0 => (String::new(), String::new()),
        1 => (words[0].to_string(), String::new()),
        _ => {
            let upper = |w: &str| w.len() > 1 && w.chars().all(|c| !c.is_lowercase());
            let mixed = words.iter().any(|w| !upper(w));
            if mixed && upper(words[0]) {
                (words[1..].join(" "), words[0].to_string())
            } else if mixed && upper(words[words.len() - 1]) {
                (
                    words[..words.len() - 1].join(" "),
                    title_case(words[words.len() - 1]),
                )
            } else if family_first {
                (words[1..].join(" "), words[0].to_string())
            } else {
                (
                    words[..words.len() - 1].join(" "),
                    words[words.len() - 1].to_string(),
                )
            }
        }
    }
}

/// `YAMADA` -> `Yamada`.
fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

/// How well an email's local part (`s.takeuchi`, `aiko.sato`, `asato`) matches a name written
/// in Latin letters, 0 to 1: a full word of the name in the local part, or an initial plus a
/// word.
pub fn email_matches_name(local: &str, name: &str) -> f32 {
    let local: String = local
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    let words: Vec<String> = name
        .split(|c: char| c.is_whitespace() || c == '-' || c == ',')
        .filter(|w| w.len() >= 2)
        .map(|w| w.to_lowercase())
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    if words.is_empty() || local.is_empty() {
        return 0.0;
    }
    let whole = words.iter().filter(|w| local.contains(w.as_str())).count();
    if whole >= 2 {
        1.0
    } else if whole == 1 {
        0.8
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_by_script_and_case() {
        let split = |s| split_name(s);
        assert_eq!(split("Aiko Sato"), ("Aiko".into(), "Sato".into()));
        assert_eq!(split("Mary Ann Smith"), ("Mary Ann".into(), "Smith".into()));
        assert_eq!(split("YAMADA Taro"), ("Taro".into(), "YAMADA".into()));
        assert_eq!(split("Taro YAMADA"), ("Taro".into(), "Yamada".into()));
        assert_eq!(
            split_name_in("Lương Văn Tâm", true),
            ("Văn Tâm".into(), "Lương".into())
        );
        assert_eq!(
            split_name_in("LUONG VAN TAM", true),
            ("VAN TAM".into(), "LUONG".into())
        );
        assert_eq!(
            split_name_in("Tam LUONG", true),
            ("Tam".into(), "Luong".into())
        );
        assert_eq!(split("Kennedy, Steve"), ("Steve".into(), "Kennedy".into()));
        assert_eq!(
            split("Dr. Emma Clarke PhD"),
            ("Emma".into(), "Clarke".into())
        );
        assert_eq!(split("山田 太郎"), ("太郎".into(), "山田".into()));
        assert_eq!(split("王伟"), ("伟".into(), "王".into()));
        assert_eq!(split("김민준"), ("민준".into(), "김".into()));
        assert_eq!(split("남궁민수"), ("민수".into(), "남궁".into()));
        assert_eq!(split_japanese_name("森田亮"), ("亮".into(), "森田".into()));
        assert_eq!(
            split_japanese_name("竹内 翔太"),
            ("翔太".into(), "竹内".into())
        );
    }

    #[test]
    fn lines_are_told_apart() {
        assert!(is_company("Yamata Keiki Co., Ltd."));
        assert!(is_company("株式会社ヤマタ計器"));
        assert!(is_company("北京华星科技有限公司"));
        assert!(has_legal_form("CÔNG TY TNHH SÔNG HÀN"));
        assert!(has_legal_form("Song Han Trading JSC"));
        assert!(has_legal_form("Kestrel & Finch Ltd"));
        assert!(!has_legal_form("Lumen Harbor Media Group"));
        assert!(has_legal_form("Cobalt Line SAS"));
        assert!(has_legal_form("Vennstra B.V."));
        assert!(has_legal_form("Harimau Niaga Sdn Bhd"));
        assert!(has_legal_form("㈱ヤマタ計器"));
        assert!(!has_legal_form("Spark Plugs and Bolts"));
        assert!(!has_legal_form("Senior Vice President, Sales"));
        assert!(is_company("Lumen Harbor Media Group"));
        assert!(is_title("セールスエンジニア"));
        assert!(is_title("コンサルタント"));
        assert!(is_title("Senior Sales Manager"));
        assert!(is_title("営業部 部長"));
        assert!(is_title("Giám đốc Kinh doanh"));
        assert!(is_title("Giam doc"));
        assert!(!is_title("Truong Minh Chau"));
        assert!(is_department("営業部"));
        assert!(!is_department("部長"));
        assert!(is_department("Sales Department"));
        assert!(looks_like_name("Aiko Sato"));
        assert!(looks_like_name("山田 太郎"));
        assert!(!looks_like_name("Sales Manager 2"));
        assert!(looks_like_reading("やまだ たろう"));
    }

    #[test]
    fn email_local_part_confirms_a_name() {
        assert_eq!(email_matches_name("s.takeuchi", "Shin Takeuchi"), 0.8);
        assert_eq!(email_matches_name("aiko.sato", "Aiko Sato"), 1.0);
        assert_eq!(email_matches_name("info", "Aiko Sato"), 0.0);
    }
}
