//! Known export layouts, how a header row is recognised as one, and the suggested target of
//! each column: the layout's own table first, then the generic synonym matcher, then
//! `note_line` (nothing is dropped unless the user says so).

use serde::{Deserialize, Serialize};

use crate::columns;
use crate::mapping::Mapping;
use crate::target::Target;

/// The header an error file adds; always mapped to `ignore` so a corrected error file uploads
/// as it is.
pub const IMPORT_ERROR_COLUMN: &str = "Import error";

/// Where a file came from, as recognised from its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Rolo's own export, sample and text format (see [`crate::columns`]).
    Rolo,
    /// Google Contacts' current CSV export (`First Name`, `Phone 1 - Label`, …).
    GoogleCurrent,
    /// Google Contacts' legacy "Google CSV" (`Given Name`, `E-mail 1 - Type`, …).
    GoogleLegacy,
    /// Outlook's 88-column CSV export.
    Outlook,
    /// LinkedIn's Connections.csv.
    #[serde(rename = "linkedin")]
    LinkedIn,
    /// HubSpot's contacts export.
    #[serde(rename = "hubspot")]
    HubSpot,
    /// A vCard file.
    #[serde(rename = "vcard")]
    VCard,
    /// Anything else: each header goes through the generic matcher.
    Unknown,
}

impl Layout {
    /// The stable key (`google_current`).
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Rolo => "rolo",
            Layout::GoogleCurrent => "google_current",
            Layout::GoogleLegacy => "google_legacy",
            Layout::Outlook => "outlook",
            Layout::LinkedIn => "linkedin",
            Layout::HubSpot => "hubspot",
            Layout::VCard => "vcard",
            Layout::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A header folded for comparison: lowercase letters and digits only (`E-mail 1 - Value` ->
/// `email1value`, `Straße` -> `straße`, `電話番号` unchanged).
pub fn fold(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Recognises the layout of a header row.
pub fn detect_layout(columns: &[String]) -> Layout {
    let folded: Vec<String> = columns.iter().map(|column| fold(column)).collect();
    let has = |header: &str| folded.iter().any(|column| *column == fold(header));
    let rolo_hits = columns::ROLO_HEADERS
        .iter()
        .filter(|header| has(header))
        .count();
    if rolo_hits >= 3
        && (has("Given name") || has("Organization 1 company"))
        && has("Phone 1 number")
    {
        return Layout::Rolo;
    }
    if has("First Name") && has("Last Name") && has("Connected On") {
        return Layout::LinkedIn;
    }
    if has("Lifecycle Stage") || (has("Email") && has("Phone Number") && has("Company Name")) {
        return Layout::HubSpot;
    }
    if has("First Name") && has("Business Phone") && has("E-mail Address") {
        return Layout::Outlook;
    }
    if has("Given Name")
        && has("Family Name")
        && (has("Group Membership") || has("E-mail 1 - Type"))
    {
        return Layout::GoogleLegacy;
    }
    if has("First Name")
        && (has("Phone 1 - Label")
            || has("E-mail 1 - Label")
            || has("Organization Name")
            || has("Labels"))
    {
        return Layout::GoogleCurrent;
    }
    Layout::Unknown
}

/// The suggested mapping of `columns` read in `layout`.
pub fn suggest(layout: Layout, columns: &[String]) -> Mapping {
    Mapping::new(
        columns
            .iter()
            .map(|column| (column.clone(), suggest_column(layout, column))),
    )
}

/// The suggested target of one column.
pub fn suggest_column(layout: Layout, column: &str) -> Target {
    let folded = fold(column);
    if folded == fold(IMPORT_ERROR_COLUMN) {
        return Target::Ignore;
    }
    let specific = match layout {
        Layout::Rolo => columns::rolo_target(column),
        Layout::GoogleCurrent | Layout::GoogleLegacy => google(column),
        Layout::Outlook => outlook(column),
        Layout::LinkedIn => linkedin(&folded),
        Layout::HubSpot => hubspot(&folded),
        Layout::VCard | Layout::Unknown => None,
    };
    specific
        .or_else(|| columns::rolo_target(column))
        .or_else(|| generic(&folded))
        .unwrap_or(Target::NoteLine)
}

/// Parses a key written in the tables below (they are checked by a test).
fn key(text: &str) -> Target {
    text.parse().unwrap_or(Target::NoteLine)
}

/// Google's columns, both layouts: fixed ones and `Kind N - Part` numbered groups.
fn google(column: &str) -> Option<Target> {
    let folded = fold(column);
    let fixed = match folded.as_str() {
        "firstname" | "givenname" => "given",
        "middlename" | "additionalname" => "middle",
        "lastname" | "familyname" => "family",
        "phoneticfirstname" | "givennameyomi" => "phonetic_given",
        "phoneticlastname" | "familynameyomi" => "phonetic_family",
        "nameprefix" => "prefix",
        "namesuffix" => "suffix",
        "nickname" => "nickname",
        "name" => "full_name",
        "organizationname" => "company",
        "organizationtitle" => "title",
        "organizationdepartment" => "department",
        "birthday" => "birthday",
        "notes" => "notes",
        "labels" | "groupmembership" => "tags",
        // A link to Google's copy of the photo and a display form derived from the name
        // parts: neither is data of the contact's own.
        "photo" | "fileas" => "ignore",
        _ => "",
    };
    if !fixed.is_empty() {
        return Some(key(fixed));
    }
    // "E-mail 1 - Value", "Address 2 - Postal Code", "Organization 1 - Name".
    let (group, part) = column.split_once(" - ")?;
    let (kind, number) = group.trim().rsplit_once(' ')?;
    let number: u16 = number.parse().ok()?;
    let kind = fold(kind);
    let part = fold(part);
    let list = match kind.as_str() {
        "email" => "email",
        "phone" => "phone",
        "address" => "address",
        "website" => "url",
        "event" => "date",
        "organization" => "organization",
        "im" => "social",
        "customfield" => {
            return Some(match part.as_str() {
                "label" | "type" => Target::CustomPair {
                    index: number,
                    label: true,
                },
                "value" => Target::CustomPair {
                    index: number,
                    label: false,
                },
                _ => Target::NoteLine,
            });
        }
        _ => return Some(Target::NoteLine),
    };
    let part = match (list, part.as_str()) {
        (_, "label" | "type") if list != "organization" && list != "social" => "label",
        ("social", "service") => "network",
        ("social", "value") => "value",
        ("address", "street" | "pobox" | "extendedaddress") => "street",
        ("address", "city") => "city",
        ("address", "region") => "region",
        ("address", "postalcode") => "postal_code",
        ("address", "country") => "country",
        // The parts above carry the same address; the formatted one is their display.
        ("address", "formatted") => return Some(Target::Ignore),
        ("organization", "name") => "company",
        ("organization", "title") => "title",
        ("organization", "department") => "department",
        // A label of the organisation ("Work"): Rolo's organisations have none.
        ("organization", "type" | "label") => return Some(Target::Ignore),
        (_, "value") if list != "address" && list != "organization" => "value",
        _ => return Some(Target::NoteLine),
    };
    Some(key(&format!("{list}[{number}].{part}")))
}

/// Outlook's 88 columns.
fn outlook(column: &str) -> Option<Target> {
    let folded = fold(column);
    let address = |label: &str, part: &str| Some(key(&format!("address:{label}.{part}")));
    for (prefix, label) in [("home", "home"), ("business", "work"), ("other", "other")] {
        if let Some(rest) = folded.strip_prefix(prefix) {
            match rest {
                "street" | "street2" | "street3" | "addresspobox" => {
                    return address(label, "street");
                }
                "city" => return address(label, "city"),
                "state" => return address(label, "region"),
                "postalcode" => return address(label, "postal_code"),
                "country" | "countryregion" => return address(label, "country"),
                // The formatted form of the parts beside it.
                "address" => return Some(Target::Ignore),
                _ => {}
            }
        }
    }
    let target = match folded.as_str() {
        "firstname" => "given",
        "middlename" => "middle",
        "lastname" => "family",
        // Outlook's "Title" is the courtesy title (Mr., Dr.); the job title is "Job Title".
        "title" => "prefix",
        "suffix" => "suffix",
        "webpage" => "url",
        "birthday" => "birthday",
        "anniversary" => "anniversary",
        "notes" => "notes",
        "emailaddress" => "email[1]",
        "email2address" => "email[2]",
        "email3address" => "email[3]",
        "primaryphone" => "phone:main",
        "homephone" | "homephone2" => "phone:home",
        "mobilephone" => "phone:mobile",
        "pager" => "phone:pager",
        "homefax" => "phone:home fax",
        "companymainphone" => "phone:company",
        "businessphone" | "businessphone2" => "phone:work",
        "businessfax" => "phone:work fax",
        "assistantsphone" => "phone:assistant",
        "otherphone" => "phone:other",
        "otherfax" => "phone:other fax",
        "callback" => "phone:callback",
        "carphone" => "phone:car",
        "isdn" => "phone:isdn",
        "radiophone" => "phone:radio",
        "ttytddphone" => "phone:tty",
        "telex" => "phone:telex",
        "company" => "company",
        "jobtitle" => "title",
        "department" => "department",
        "categories" | "keywords" => "tags",
        // Outlook writes its defaults (Unspecified, Normal, False) into every row.
        "gender" | "sensitivity" | "priority" | "private" => "ignore",
        _ => "note_line",
    };
    Some(key(target))
}

/// LinkedIn's Connections.csv.
fn linkedin(folded: &str) -> Option<Target> {
    let target = match folded {
        "firstname" => "given",
        "lastname" => "family",
        "url" => "social:linkedin",
        "emailaddress" => "email",
        "company" => "company",
        "position" => "title",
        _ => return None,
    };
    Some(key(target))
}

/// HubSpot's contacts export.
fn hubspot(folded: &str) -> Option<Target> {
    let target = match folded {
        "firstname" => "given",
        "lastname" => "family",
        "email" => "email",
        "phonenumber" => "phone:work",
        "mobilephonenumber" => "phone:mobile",
        "faxnumber" => "phone:fax",
        "companyname" => "company",
        "jobtitle" => "title",
        "lifecyclestage" => "type",
        "streetaddress" => "address.street",
        "city" => "address.city",
        "stateregion" => "address.region",
        "postalcode" => "address.postal_code",
        "countryregion" => "address.country",
        "websiteurl" => "url",
        "linkedinbio" => "social:linkedin",
        "twitterusername" => "social:x",
        _ => return None,
    };
    Some(key(target))
}

/// The generic matcher: synonyms in English, German, French, Spanish, Japanese, Chinese and
/// Korean, compared folded (case, spaces and punctuation ignored).
pub fn generic(folded: &str) -> Option<Target> {
    SYNONYMS
        .iter()
        .find(|(_, words)| words.split('|').any(|word| fold(word) == folded))
        .map(|(target, _)| key(target))
}

/// Target key -> header words, `|` separated, folded before comparing.
const SYNONYMS: &[(&str, &str)] = &[
    (
        "given",
        "first name|firstname|given name|first|forename|vorname|prénom|prenom|nombre|名|下の名前",
    ),
    (
        "family",
        "last name|lastname|family name|surname|last|nachname|familienname|nom|nom de famille|apellido|apellidos|姓|성",
    ),
    (
        "middle",
        "middle name|additional name|second name|zweiter vorname",
    ),
    (
        "full_name",
        "name|full name|display name|contact name|contact|氏名|名前|お名前|姓名|이름|성명|nom complet|nombre completo|vollständiger name",
    ),
    (
        "prefix",
        "prefix|name prefix|salutation|anrede|civilité|tratamiento|敬称",
    ),
    ("suffix", "suffix|name suffix"),
    (
        "nickname",
        "nickname|nick|spitzname|surnom|apodo|ニックネーム|昵称|닉네임",
    ),
    (
        "phonetic_given",
        "phonetic first name|phonetic given name|furigana first name|名(フリガナ)|メイ|名フリガナ",
    ),
    (
        "phonetic_family",
        "phonetic last name|phonetic family name|furigana last name|姓(フリガナ)|セイ|姓フリガナ",
    ),
    (
        "company",
        "company|company name|organization|organisation|organization name|org|account|account name|firma|unternehmen|société|societe|entreprise|empresa|compañía|会社|会社名|勤務先|公司|公司名称|单位|회사|회사명|소속",
    ),
    (
        "title",
        "title|job title|position|role|jobtitel|berufsbezeichnung|poste|fonction|titre|cargo|puesto|役職|肩書|职位|职务|직책|직위",
    ),
    (
        "department",
        "department|dept|division|abteilung|département|departement|service|departamento|部署|部門|部门|부서",
    ),
    (
        "email",
        "email|e-mail|email address|e-mail address|mail|courriel|adresse e-mail|correo|correo electrónico|メール|メールアドレス|邮箱|电子邮件|电子邮箱|이메일|전자메일",
    ),
    (
        "email:work",
        "work email|business email|office email|e-mail geschäftlich|会社メール",
    ),
    (
        "email:home",
        "home email|personal email|private email|e-mail privat",
    ),
    (
        "phone",
        "phone|phone number|telephone|telephone number|tel|telefon|telefonnummer|téléphone|telefono|teléfono|電話|電話番号|电话|电话号码|전화|전화번호",
    ),
    (
        "phone:mobile",
        "mobile|mobile phone|mobile phone number|mobile number|cell|cell phone|cellphone|handy|mobil|mobiltelefon|portable|téléphone portable|móvil|movil|celular|携帯|携帯電話|携帯番号|手机|手机号|手机号码|휴대폰|핸드폰|휴대전화",
    ),
    (
        "phone:work",
        "work phone|business phone|office phone|telefon geschäftlich|会社電話|办公电话|회사전화",
    ),
    ("phone:home", "home phone|telefon privat|自宅電話"),
    (
        "phone:fax",
        "fax|fax number|telefax|ファックス|ＦＡＸ|传真|팩스",
    ),
    (
        "address.street",
        "address|street|street address|address line 1|adresse|straße|strasse|anschrift|dirección|direccion|calle|住所|番地|地址|주소",
    ),
    (
        "address.city",
        "city|town|locality|stadt|ort|ville|ciudad|市区町村|城市|市|도시|시",
    ),
    (
        "address.region",
        "state|region|province|state/region|county|bundesland|département|provincia|estado|都道府県|省|州|도",
    ),
    (
        "address.postal_code",
        "zip|zip code|postal code|postcode|post code|plz|postleitzahl|code postal|código postal|codigo postal|郵便番号|邮编|邮政编码|우편번호",
    ),
    (
        "address.country",
        "country|country/region|land|pays|país|pais|国|国名|国家|국가|나라",
    ),
    (
        "birthday",
        "birthday|birth date|birthdate|date of birth|dob|geburtstag|geburtsdatum|anniversaire|date de naissance|cumpleaños|fecha de nacimiento|誕生日|生年月日|生日|出生日期|생일|생년월일",
    ),
    ("anniversary", "anniversary|jahrestag"),
    (
        "url",
        "website|web site|web|url|homepage|home page|web page|webpage|website url|site|site web|sitio web|ホームページ|ウェブサイト|网站|网址|主页|웹사이트|홈페이지",
    ),
    ("social:linkedin", "linkedin|linkedin url|linkedin profile"),
    ("social:x", "twitter|x|twitter handle|x handle"),
    ("social:facebook", "facebook"),
    ("social:instagram", "instagram"),
    ("social:whatsapp", "whatsapp"),
    ("social:wechat", "wechat|微信|微信号"),
    ("social:line", "line|line id|ライン"),
    ("social:telegram", "telegram"),
    ("social:kakaotalk", "kakaotalk|kakao|카카오톡"),
    (
        "type",
        "type|contact type|lifecycle stage|kontakttyp|種別|类型|유형",
    ),
    ("level", "level|importance|stufe|重要度|级别|등급"),
    (
        "language",
        "language|preferred language|lang|sprache|langue|idioma|言語|语言|언어",
    ),
    (
        "tags",
        "tags|tag|labels|categories|groups|group membership|keywords|schlagwörter|étiquettes|etiquetas|タグ|グループ|标签|分组|태그|그룹",
    ),
    (
        "notes",
        "notes|note|comments|comment|remarks|memo|description|notizen|bemerkung|notiz|remarques|commentaire|notas|メモ|備考|备注|说明|메모|비고",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(text: &str) -> Vec<String> {
        text.split(',').map(str::to_string).collect()
    }

    #[test]
    fn every_key_in_the_tables_parses() {
        for (target, _) in SYNONYMS {
            assert!(target.parse::<Target>().is_ok(), "{target}");
        }
    }

    #[test]
    fn headers_in_several_languages_map_generically() {
        for (header, expected) in [
            ("E-Mail", "email"),
            ("Vorname", "given"),
            ("Téléphone portable", "phone:mobile"),
            ("電話番号", "phone"),
            ("会社名", "company"),
            ("手机号码", "phone:mobile"),
            ("회사명", "company"),
            ("  ZIP code ", "address.postal_code"),
            ("Favourite colour", "note_line"),
            ("Import error", "ignore"),
        ] {
            assert_eq!(
                suggest_column(Layout::Unknown, header).to_string(),
                expected,
                "{header}"
            );
        }
    }

    #[test]
    fn layouts_are_recognised_from_their_headers() {
        assert_eq!(
            detect_layout(&headers(
                "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
            )),
            Layout::LinkedIn
        );
        assert_eq!(
            detect_layout(&headers(
                "Name,Given Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value"
            )),
            Layout::GoogleLegacy
        );
        assert_eq!(
            detect_layout(&headers(
                "First Name,Last Name,Phone 1 - Label,Phone 1 - Value"
            )),
            Layout::GoogleCurrent
        );
        assert_eq!(detect_layout(&headers("Foo,Bar")), Layout::Unknown);
    }

    #[test]
    fn google_groups_map_to_numbered_items() {
        for (header, expected) in [
            ("Phone 2 - Label", "phone[2].label"),
            ("E-mail 1 - Value", "email[1]"),
            ("Address 1 - Postal Code", "address[1].postal_code"),
            ("Address 1 - Formatted", "ignore"),
            ("Organization 1 - Name", "company"),
            ("Relation 1 - Value", "note_line"),
            ("Custom Field 2 - Label", "custom[2].label"),
            ("Custom Field 2 - Value", "custom[2]"),
        ] {
            assert_eq!(
                suggest_column(Layout::GoogleCurrent, header).to_string(),
                expected,
                "{header}"
            );
        }
    }
}
