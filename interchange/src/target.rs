//! Mapping targets: what a column becomes in a contact, with the stable keys the CLI
//! (`--map COLUMN=FIELD`), REST and the web app use.
//!
//! The grammar of a key: `LIST[SLOT][.PART]` for a list field, where `LIST` is one of `phone`,
//! `email`, `address`, `organization`, `date`, `url`, `social`; `SLOT` is `:LABEL` (an item
//! with that label: `phone:mobile`, `address:work.city`) or `[N]` (the N-th numbered item,
//! whose label comes from a `.label` column: `phone[1]` with `phone[1].label`); no slot is an
//! item with no label. Columns with the same list and slot fill one item (`address:work.city`
//! and `address:work.street`). Shortcuts: `company`, `department`, `title` are
//! `organization[1].…`; `birthday` and `anniversary` are `date:birthday`, `date:anniversary`.
//! Everything else is a single word: `given`, `family`, …, `full_name`, `type`, `level`,
//! `language`, `tags`, `notes`, `custom:NAME`, `custom_fields`, `note_line`, `company_field`,
//! `ignore`.

use std::fmt;
use std::str::FromStr;

/// A part of the person's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum NamePart {
    Prefix,
    Given,
    Middle,
    Family,
    Suffix,
    PhoneticGiven,
    PhoneticFamily,
    Nickname,
}

impl NamePart {
    /// Every part with its key.
    pub const ALL: [(NamePart, &'static str); 8] = [
        (NamePart::Prefix, "prefix"),
        (NamePart::Given, "given"),
        (NamePart::Middle, "middle"),
        (NamePart::Family, "family"),
        (NamePart::Suffix, "suffix"),
        (NamePart::PhoneticGiven, "phonetic_given"),
        (NamePart::PhoneticFamily, "phonetic_family"),
        (NamePart::Nickname, "nickname"),
    ];

    fn key(self) -> &'static str {
        NamePart::ALL
            .iter()
            .find(|(part, _)| *part == self)
            .map(|(_, key)| *key)
            .unwrap_or_default()
    }
}

/// One of the contact's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum ListKind {
    Phone,
    Email,
    Address,
    Organization,
    Date,
    Url,
    Social,
}

impl ListKind {
    /// Every list with its key.
    pub const ALL: [(ListKind, &'static str); 7] = [
        (ListKind::Phone, "phone"),
        (ListKind::Email, "email"),
        (ListKind::Address, "address"),
        (ListKind::Organization, "organization"),
        (ListKind::Date, "date"),
        (ListKind::Url, "url"),
        (ListKind::Social, "social"),
    ];

    /// The key (`phone`).
    pub fn key(self) -> &'static str {
        ListKind::ALL
            .iter()
            .find(|(list, _)| *list == self)
            .map(|(_, key)| *key)
            .unwrap_or_default()
    }

    /// The parts an item of this list has, the first being what a key without `.PART` means.
    pub fn parts(self) -> &'static [Part] {
        match self {
            ListKind::Phone
            | ListKind::Email
            | ListKind::Date
            | ListKind::Url
            | ListKind::Social => &[Part::Value, Part::Label],
            ListKind::Address => &[
                Part::Street,
                Part::Label,
                Part::City,
                Part::Region,
                Part::PostalCode,
                Part::Country,
            ],
            ListKind::Organization => &[Part::Company, Part::Department, Part::Title],
        }
    }
}

/// Which item of a list a column fills.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    /// The item with this label (empty: no label), e.g. `phone:mobile`.
    Label(String),
    /// The N-th numbered item (from 1), e.g. `phone[2]`; its label comes from a `.label` column.
    Index(u16),
}

/// A part of a list item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Part {
    /// The number, address, date, URL or handle.
    Value,
    /// The item's label (for social handles: the network).
    Label,
    Street,
    City,
    Region,
    PostalCode,
    Country,
    Company,
    Department,
    Title,
}

impl Part {
    fn key(self, list: ListKind) -> &'static str {
        match self {
            Part::Value => "value",
            Part::Label if list == ListKind::Social => "network",
            Part::Label => "label",
            Part::Street => "street",
            Part::City => "city",
            Part::Region => "region",
            Part::PostalCode => "postal_code",
            Part::Country => "country",
            Part::Company => "company",
            Part::Department => "department",
            Part::Title => "title",
        }
    }

    fn from_key(key: &str, list: ListKind) -> Option<Part> {
        let part = match key {
            "value" | "handle" | "number" | "address" | "date" | "url" => {
                if list == ListKind::Address {
                    Part::Street
                } else {
                    Part::Value
                }
            }
            "label" | "type" | "network" => Part::Label,
            "street" => Part::Street,
            "city" => Part::City,
            "region" | "state" => Part::Region,
            "postal_code" | "zip" => Part::PostalCode,
            "country" => Part::Country,
            "company" => Part::Company,
            "department" => Part::Department,
            "title" => Part::Title,
            _ => return None,
        };
        list.parts().contains(&part).then_some(part)
    }
}

/// What a column becomes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// Not imported (the `Import error` column of an error file is mapped here).
    Ignore,
    /// Appended to the notes as a `Header: value` line.
    NoteLine,
    /// A custom text field named after the column's header.
    CompanyField,
    /// A part of the name.
    Name(NamePart),
    /// A whole name, split into given and family names when no column gives them.
    FullName,
    /// A part of an item of a list.
    Item {
        /// Which list.
        list: ListKind,
        /// Which item.
        slot: Slot,
        /// Which part of it.
        part: Part,
    },
    /// The contact type (lead, prospect, customer, partner, other).
    Type,
    /// The level (primary, secondary, tertiary).
    Level,
    /// The preferred language (a BCP 47 tag).
    Language,
    /// Tags, separated by ` ::: `, `;` or `,`.
    Tags,
    /// The notes.
    Notes,
    /// A custom text field of this name.
    Custom(String),
    /// Every custom field as one JSON object (`{"Budget": {"number": 1200}}`), the column
    /// Rolo's own export writes.
    CustomFields,
    /// Half of a numbered custom field given as two columns, its name and its value
    /// (Google's `Custom Field 1 - Label` and `… - Value`): `custom[N].label`, `custom[N]`.
    CustomPair {
        /// Which pair (from 1).
        index: u16,
        /// The name column (else the value column).
        label: bool,
    },
}

impl Target {
    /// Every target a user may pick, with a human label, for the web's dropdown. Numbered
    /// and labelled items are shown in their common forms; any other slot is typed as a key.
    pub fn choices() -> Vec<(String, String)> {
        let mut choices: Vec<(String, String)> = vec![
            ("ignore".into(), "Do not import".into()),
            ("note_line".into(), "Add to notes as “Header: value”".into()),
            (
                "company_field".into(),
                "Custom field named after the column".into(),
            ),
            ("full_name".into(), "Full name".into()),
        ];
        for (part, key) in NamePart::ALL {
            let label = match part {
                NamePart::Prefix => "Name prefix",
                NamePart::Given => "Given name",
                NamePart::Middle => "Middle name",
                NamePart::Family => "Family name",
                NamePart::Suffix => "Name suffix",
                NamePart::PhoneticGiven => "Phonetic given name",
                NamePart::PhoneticFamily => "Phonetic family name",
                NamePart::Nickname => "Nickname",
            };
            choices.push((key.into(), label.into()));
        }
        for label in ["mobile", "work", "home", "main", "fax", "other"] {
            choices.push((format!("phone:{label}"), format!("Phone ({label})")));
        }
        for label in ["work", "home", "other"] {
            choices.push((format!("email:{label}"), format!("Email ({label})")));
        }
        for label in ["work", "home"] {
            for (part, name) in [
                ("street", "street"),
                ("city", "city"),
                ("region", "region"),
                ("postal_code", "postal code"),
                ("country", "country"),
            ] {
                choices.push((
                    format!("address:{label}.{part}"),
                    format!("Address ({label}): {name}"),
                ));
            }
        }
        for (key, label) in [
            ("company", "Company"),
            ("department", "Department"),
            ("title", "Job title"),
            ("birthday", "Birthday"),
            ("anniversary", "Anniversary"),
            ("url", "Web site"),
            ("social:linkedin", "LinkedIn"),
            ("social:x", "X (Twitter)"),
            ("social:facebook", "Facebook"),
            ("social:instagram", "Instagram"),
            ("social:whatsapp", "WhatsApp"),
            ("social:wechat", "WeChat"),
            ("social:line", "LINE"),
            ("social:telegram", "Telegram"),
            ("social:kakaotalk", "KakaoTalk"),
            ("type", "Type (lead, prospect, customer, partner, other)"),
            ("level", "Level (primary, secondary, tertiary)"),
            ("language", "Language"),
            ("tags", "Tags"),
            ("notes", "Notes"),
            ("custom_fields", "Custom fields (Rolo JSON)"),
        ] {
            choices.push((key.into(), label.into()));
        }
        choices
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Ignore => f.write_str("ignore"),
            Target::NoteLine => f.write_str("note_line"),
            Target::CompanyField => f.write_str("company_field"),
            Target::Name(part) => f.write_str(part.key()),
            Target::FullName => f.write_str("full_name"),
            Target::Type => f.write_str("type"),
            Target::Level => f.write_str("level"),
            Target::Language => f.write_str("language"),
            Target::Tags => f.write_str("tags"),
            Target::Notes => f.write_str("notes"),
            Target::Custom(name) => write!(f, "custom:{name}"),
            Target::CustomFields => f.write_str("custom_fields"),
            Target::CustomPair { index, label: true } => write!(f, "custom[{index}].label"),
            Target::CustomPair {
                index,
                label: false,
            } => write!(f, "custom[{index}]"),
            Target::Item { list, slot, part } => {
                match (list, slot, part) {
                    (ListKind::Organization, Slot::Index(1), Part::Company) => {
                        return f.write_str("company");
                    }
                    (ListKind::Organization, Slot::Index(1), Part::Department) => {
                        return f.write_str("department");
                    }
                    (ListKind::Organization, Slot::Index(1), Part::Title) => {
                        return f.write_str("title");
                    }
                    (ListKind::Date, Slot::Label(label), Part::Value)
                        if label == "birthday" || label == "anniversary" =>
                    {
                        return f.write_str(label);
                    }
                    _ => {}
                }
                f.write_str(list.key())?;
                match slot {
                    Slot::Label(label) if label.is_empty() => {}
                    Slot::Label(label) => write!(f, ":{label}")?,
                    Slot::Index(index) => write!(f, "[{index}]")?,
                }
                if *part != Part::Value {
                    write!(f, ".{}", part.key(*list))?;
                }
                Ok(())
            }
        }
    }
}

/// A mapping key that names no target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a field to import into (see the list of targets)")]
pub struct UnknownTarget(pub String);

impl FromStr for Target {
    type Err = UnknownTarget;

    fn from_str(raw: &str) -> Result<Self, UnknownTarget> {
        let unknown = || UnknownTarget(raw.to_string());
        let key = raw.trim();
        if let Some(rest) = key.strip_prefix("custom[") {
            let (number, part) = rest.split_once(']').ok_or_else(unknown)?;
            let index: u16 = number.parse().map_err(|_| unknown())?;
            let label = match part {
                "" | ".value" => false,
                ".label" => true,
                _ => return Err(unknown()),
            };
            return if index == 0 {
                Err(unknown())
            } else {
                Ok(Target::CustomPair { index, label })
            };
        }
        if let Some(name) = key.strip_prefix("custom:") {
            let name = name.trim();
            return if name.is_empty() {
                Err(unknown())
            } else {
                Ok(Target::Custom(name.into()))
            };
        }
        let lower = key.to_ascii_lowercase();
        let simple = match lower.as_str() {
            "ignore" | "skip" => Some(Target::Ignore),
            "note_line" => Some(Target::NoteLine),
            "company_field" => Some(Target::CompanyField),
            "full_name" | "name" => Some(Target::FullName),
            "type" => Some(Target::Type),
            "level" => Some(Target::Level),
            "language" => Some(Target::Language),
            "tags" => Some(Target::Tags),
            "notes" => Some(Target::Notes),
            "custom_fields" => Some(Target::CustomFields),
            "company" | "department" | "title" => Some(Target::Item {
                list: ListKind::Organization,
                slot: Slot::Index(1),
                part: Part::from_key(&lower, ListKind::Organization).ok_or_else(unknown)?,
            }),
            "birthday" | "anniversary" => Some(Target::Item {
                list: ListKind::Date,
                slot: Slot::Label(lower.clone()),
                part: Part::Value,
            }),
            _ => NamePart::ALL
                .iter()
                .find(|(_, name)| *name == lower)
                .map(|(part, _)| Target::Name(*part)),
        };
        if let Some(target) = simple {
            return Ok(target);
        }
        // LIST[SLOT][.PART]
        let list_end = key.find([':', '[', '.']).unwrap_or(key.len());
        let list = ListKind::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(&key[..list_end]))
            .map(|(list, _)| *list)
            .ok_or_else(unknown)?;
        let rest = &key[list_end..];
        let (slot, rest) = if let Some(after) = rest.strip_prefix('[') {
            let (number, rest) = after.split_once(']').ok_or_else(unknown)?;
            let index: u16 = number.parse().map_err(|_| unknown())?;
            if index == 0 {
                return Err(unknown());
            }
            (Slot::Index(index), rest)
        } else if let Some(after) = rest.strip_prefix(':') {
            // A label may hold dots of its own; the part is what follows the last dot when it
            // names a part of this list.
            match after.rsplit_once('.') {
                Some((label, part))
                    if Part::from_key(&part.to_ascii_lowercase(), list).is_some() =>
                {
                    (Slot::Label(label.to_string()), &after[label.len()..])
                }
                _ => (Slot::Label(after.to_string()), ""),
            }
        } else {
            (Slot::Label(String::new()), rest)
        };
        let part = match rest.strip_prefix('.') {
            Some(part) => Part::from_key(&part.to_ascii_lowercase(), list).ok_or_else(unknown)?,
            None if rest.is_empty() => list.parts()[0],
            None => return Err(unknown()),
        };
        Ok(Target::Item { list, slot, part })
    }
}

impl serde::Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_and_print_the_same() {
        for key in [
            "given",
            "phone:mobile",
            "email:work",
            "company",
            "title",
            "address:work.city",
            "birthday",
            "url",
            "social:linkedin",
            "type",
            "level",
            "language",
            "tags",
            "notes",
            "custom:Budget",
            "note_line",
            "company_field",
            "ignore",
            "phone[2]",
            "phone[2].label",
            "address[1].postal_code",
            "social[1].network",
            "organization[2].company",
            "date:first meeting",
            "phone",
            "address.city",
            "full_name",
            "custom_fields",
            "custom[1]",
            "custom[2].label",
        ] {
            let target: Target = key.parse().unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(target.to_string(), key);
        }
    }

    #[test]
    fn every_choice_is_a_key() {
        for (key, _) in Target::choices() {
            assert_eq!(key.parse::<Target>().unwrap().to_string(), key);
        }
    }

    #[test]
    fn nonsense_is_refused() {
        for key in ["", "phone[0]", "phone.city", "fax", "custom:", "phone[1]x"] {
            assert!(key.parse::<Target>().is_err(), "{key}");
        }
    }
}
