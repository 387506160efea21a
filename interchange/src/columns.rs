//! Rolo's own column layout: the export's stable column order, which the sample, the text
//! format and the import of our own files use too.
//!
//! Lists get a fixed number of numbered groups so the column set is known before the first
//! contact is written (an export streams, one contact at a time). The last group of each
//! list carries every further item too, each part's values joined by ` ::: ` and paired by
//! position (the same joining Google Contacts uses), so a contact with 40 phones loses none:
//!
//! | list | groups | columns of group N |
//! |---|---|---|
//! | phones | 3 | `Phone N label`, `Phone N number` |
//! | emails | 3 | `Email N label`, `Email N address` |
//! | addresses | 2 | `Address N label`, `… street`, `… city`, `… region`, `… postal code`, `… country` |
//! | organizations | 2 | `Organization N company`, `… department`, `… title` |
//! | dates | 2 | `Date N label`, `Date N date` |
//! | urls | 2 | `Website N label`, `Website N URL` |
//! | social | 3 | `Social N network`, `Social N handle` |
//!
//! The full order: the name parts (`Name prefix`, `Given name`, `Middle name`, `Family name`,
//! `Name suffix`, `Phonetic given name`, `Phonetic family name`, `Nickname`), the groups
//! above in that order, then `Type`, `Level`, `Language`, `Tags` (joined by ` ::: `), `Notes`,
//! `Custom fields` (one JSON object: `{"Budget": {"number": 1200}, "Since": {"date":
//! "2019-04-01"}}`).
//!
//! A phone is written in E.164; when the text it was read from differs (a national form
//! such as `03-1234-5678`), that text follows in square brackets (`+81312345678
//! [03-1234-5678]`) and the reader keeps it as the phone's raw text.

use crate::target::{ListKind, Target};

/// A list's numbered groups in Rolo's layout: the list, how many groups, the header stem and
/// each part's header word with its target part key.
pub struct Group {
    /// Which list.
    pub list: ListKind,
    /// How many numbered groups the layout has; the last carries any further items.
    pub count: usize,
    /// The header stem (`Phone`).
    pub stem: &'static str,
    /// Header word and target part key of each column of a group, in order.
    pub parts: &'static [(&'static str, &'static str)],
}

/// The groups, in column order.
pub const GROUPS: &[Group] = &[
    Group {
        list: ListKind::Phone,
        count: 3,
        stem: "Phone",
        parts: &[("label", "label"), ("number", "value")],
    },
    Group {
        list: ListKind::Email,
        count: 3,
        stem: "Email",
        parts: &[("label", "label"), ("address", "value")],
    },
    Group {
        list: ListKind::Address,
        count: 2,
        stem: "Address",
        parts: &[
            ("label", "label"),
            ("street", "street"),
            ("city", "city"),
            ("region", "region"),
            ("postal code", "postal_code"),
            ("country", "country"),
        ],
    },
    Group {
        list: ListKind::Organization,
        count: 2,
        stem: "Organization",
        parts: &[
            ("company", "company"),
            ("department", "department"),
            ("title", "title"),
        ],
    },
    Group {
        list: ListKind::Date,
        count: 2,
        stem: "Date",
        parts: &[("label", "label"), ("date", "value")],
    },
    Group {
        list: ListKind::Url,
        count: 2,
        stem: "Website",
        parts: &[("label", "label"), ("URL", "value")],
    },
    Group {
        list: ListKind::Social,
        count: 3,
        stem: "Social",
        parts: &[("network", "network"), ("handle", "value")],
    },
];

/// The name columns, before the groups.
pub const NAME_COLUMNS: &[(&str, &str)] = &[
    ("Name prefix", "prefix"),
    ("Given name", "given"),
    ("Middle name", "middle"),
    ("Family name", "family"),
    ("Name suffix", "suffix"),
    ("Phonetic given name", "phonetic_given"),
    ("Phonetic family name", "phonetic_family"),
    ("Nickname", "nickname"),
];

/// The columns after the groups.
pub const TAIL_COLUMNS: &[(&str, &str)] = &[
    ("Type", "type"),
    ("Level", "level"),
    ("Language", "language"),
    ("Tags", "tags"),
    ("Notes", "notes"),
    ("Custom fields", "custom_fields"),
];

/// Every header of Rolo's layout with its target key, in the export's order.
pub fn rolo_columns() -> Vec<(String, String)> {
    let mut columns: Vec<(String, String)> = NAME_COLUMNS
        .iter()
        .map(|(header, key)| (header.to_string(), key.to_string()))
        .collect();
    for group in GROUPS {
        for number in 1..=group.count {
            for (word, part) in group.parts {
                columns.push((
                    format!("{} {number} {word}", group.stem),
                    format!("{}[{number}].{part}", group.list.key()),
                ));
            }
        }
    }
    columns.extend(
        TAIL_COLUMNS
            .iter()
            .map(|(header, key)| (header.to_string(), key.to_string())),
    );
    columns
}

/// A few of Rolo's headers, enough to recognise the layout.
pub const ROLO_HEADERS: &[&str] = &[
    "Given name",
    "Family name",
    "Phone 1 number",
    "Email 1 address",
    "Organization 1 company",
    "Custom fields",
    "Phonetic given name",
];

/// The target of one of Rolo's headers (case and spacing ignored).
pub fn rolo_target(column: &str) -> Option<Target> {
    let folded = crate::layout::fold(column);
    rolo_columns()
        .into_iter()
        .find(|(header, _)| crate::layout::fold(header) == folded)
        .and_then(|(_, key)| key.parse().ok())
}
