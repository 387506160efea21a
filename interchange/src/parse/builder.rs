//! Builds one contact from values read out of a file, with sync-core's parsers, recording
//! every problem with the column (or vCard property) it came from.

use std::collections::BTreeMap;

use sync_core::contact::{
    Address, Contact, ContactType, CustomValue, DateEntry, Email, Level, Organization, Phone,
    SocialHandle, SocialNetwork, Url,
};
use sync_core::ids::ItemId;
use sync_core::validate::{
    FieldError, parse_country, parse_date, parse_email, parse_phone, parse_url, validate,
};

use super::{MatchKeys, ParsedRow, Problem};

/// A contact under construction.
pub(crate) struct Builder {
    /// What is read so far.
    pub contact: Contact,
    /// Every problem so far.
    problems: Vec<Problem>,
    /// The region national phone numbers are dialled in.
    region: String,
    /// Field path prefix (`phones[2]`, `name.given`, `notes`) -> the column it came from, so
    /// the final validation's errors name their column too.
    origins: Vec<(String, String)>,
    /// The record's line.
    line: u64,
}

impl Builder {
    /// An empty contact for the record at `line`.
    pub fn new(line: u64, default_region: &str) -> Builder {
        Builder {
            contact: Contact::default(),
            problems: Vec::new(),
            region: default_region.trim().to_string(),
            origins: Vec::new(),
            line,
        }
    }

    /// Records a problem found by a parser.
    pub fn problem(&mut self, column: Option<&str>, error: FieldError) {
        self.problems.push(Problem {
            column: column.map(str::to_string),
            field: error.field().to_string(),
            code: error.code().to_string(),
            message: error.to_string(),
        });
    }

    /// Records a problem this crate found (not a sync-core field rule).
    pub fn other_problem(
        &mut self,
        column: Option<&str>,
        field: &str,
        code: &str,
        message: String,
    ) {
        self.problems.push(Problem {
            column: column.map(str::to_string),
            field: field.to_string(),
            code: code.to_string(),
            message,
        });
    }

    fn origin(&mut self, path: String, column: &str) {
        self.origins.push((path, column.to_string()));
    }

    /// The default region, if one was given.
    pub fn region(&self) -> Option<&str> {
        (!self.region.is_empty()).then_some(self.region.as_str())
    }

    /// Sets a name part (`name.given`) by its field name, appending with a space if set.
    pub fn name_part(&mut self, column: &str, part: &str, value: &str) {
        let name = &mut self.contact.name;
        let slot = match part {
            "prefix" => &mut name.prefix,
            "given" => &mut name.given,
            "middle" => &mut name.middle,
            "family" => &mut name.family,
            "suffix" => &mut name.suffix,
            "phonetic_given" => &mut name.phonetic_given,
            "phonetic_family" => &mut name.phonetic_family,
            _ => &mut name.nickname,
        };
        if !slot.is_empty() {
            slot.push(' ');
        }
        slot.push_str(value.trim());
        self.origin(format!("name.{part}"), column);
    }

    /// A phone: `raw` parsed to E.164 with the default region; Rolo's own export may add the
    /// text it was read from in brackets (`+81312345678 [03-1234-5678]`).
    pub fn phone(&mut self, column: &str, label: &str, raw: &str) {
        let at = format!("phones[{}]", self.contact.phones.len());
        let raw = raw.trim();
        let (number, kept) = match raw.strip_suffix(']').and_then(|rest| rest.split_once(" [")) {
            Some((e164, original)) if e164.starts_with('+') => (e164, original),
            _ => (raw, raw),
        };
        match parse_phone(&format!("{at}.e164"), number, self.region()) {
            Ok(e164) => {
                let id = item_id("p", self.contact.phones.len());
                self.contact.phones.push(Phone {
                    id,
                    label: label.to_string(),
                    e164,
                    raw: kept.to_string(),
                });
                self.origin(at, column);
            }
            Err(error) => {
                // A spreadsheet stores "+41 79 555 01 77" typed as a number as 41795550177:
                // the plus is gone. Digits that are a valid number once the plus is put back
                // are read that way; anything else keeps the first error.
                let digits = number.trim();
                let plus = (digits.len() >= 10 && digits.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| parse_phone(&format!("{at}.e164"), &format!("+{digits}"), None));
                if let Some(Ok(e164)) = plus {
                    let id = item_id("p", self.contact.phones.len());
                    self.contact.phones.push(Phone {
                        id,
                        label: label.to_string(),
                        e164,
                        raw: kept.to_string(),
                    });
                    self.origin(at, column);
                    return;
                }
                self.problem(Some(column), error)
            }
        }
    }

    /// An email address.
    pub fn email(&mut self, column: &str, label: &str, raw: &str) {
        let at = format!("emails[{}]", self.contact.emails.len());
        match parse_email(&format!("{at}.address"), raw) {
            Ok(address) => {
                let id = item_id("e", self.contact.emails.len());
                self.contact.emails.push(Email {
                    id,
                    label: label.to_string(),
                    address,
                });
                self.origin(at, column);
            }
            Err(error) => self.problem(Some(column), error),
        }
    }

    /// A postal address; `country` is a name or an ISO code.
    #[allow(clippy::too_many_arguments)]
    pub fn address(
        &mut self,
        column: &str,
        label: &str,
        street: &str,
        city: &str,
        region: &str,
        postal_code: &str,
        country: (&str, &str),
    ) {
        let at = format!("addresses[{}]", self.contact.addresses.len());
        let (country_column, country) = country;
        let country = crate::countries::native(country).unwrap_or(country);
        let country = match parse_country(&format!("{at}.country"), country) {
            Ok(code) => code,
            Err(error) => {
                self.problem(Some(country_column), error);
                return;
            }
        };
        let id = item_id("a", self.contact.addresses.len());
        self.contact.addresses.push(Address {
            id,
            label: label.to_string(),
            street: street.trim().to_string(),
            city: city.trim().to_string(),
            region: region.trim().to_string(),
            postal_code: postal_code.trim().to_string(),
            country,
        });
        self.origin(at, column);
    }

    /// A company with department and title.
    pub fn organization(&mut self, column: &str, company: &str, department: &str, title: &str) {
        let at = format!("organizations[{}]", self.contact.organizations.len());
        let id = item_id("o", self.contact.organizations.len());
        self.contact.organizations.push(Organization {
            id,
            company: company.trim().to_string(),
            department: department.trim().to_string(),
            title: title.trim().to_string(),
        });
        self.origin(at, column);
    }

    /// A labelled date; vCard's basic forms (`19900407`, `--0407`, a time after `T`) and
    /// Outlook's empty date (`0/0/00`) are read too.
    pub fn date(&mut self, column: &str, label: &str, raw: &str) {
        let at = format!("dates[{}]", self.contact.dates.len());
        let text = raw.trim();
        if matches!(text, "0/0/00" | "0/0/0000" | "00/00/0000") {
            return;
        }
        let text = text.split_once('T').map_or(text, |(date, _)| date);
        let expanded;
        let text = if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
            expanded = format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..]);
            expanded.as_str()
        } else if text.len() == 6
            && text.starts_with("--")
            && text[2..].bytes().all(|b| b.is_ascii_digit())
        {
            expanded = format!("--{}-{}", &text[2..4], &text[4..]);
            expanded.as_str()
        } else {
            text
        };
        match parse_date(&format!("{at}.date"), text) {
            Ok(date) => {
                let id = item_id("d", self.contact.dates.len());
                self.contact.dates.push(DateEntry {
                    id,
                    label: label.to_string(),
                    date,
                });
                self.origin(at, column);
            }
            Err(_) => self.problem(
                Some(column),
                FieldError::DateInvalid {
                    field: format!("{at}.date"),
                    value: raw.to_string(),
                },
            ),
        }
    }

    /// A web address; one without a scheme is read as `https://`.
    pub fn url(&mut self, column: &str, label: &str, raw: &str) {
        let at = format!("urls[{}]", self.contact.urls.len());
        let text = raw.trim();
        let with_scheme;
        let text = if !text.contains("://") && text.contains('.') && !text.contains(' ') {
            with_scheme = format!("https://{text}");
            with_scheme.as_str()
        } else {
            text
        };
        match parse_url(&format!("{at}.url"), text) {
            Ok(url) => {
                let id = item_id("u", self.contact.urls.len());
                self.contact.urls.push(Url {
                    id,
                    label: label.to_string(),
                    url,
                });
                self.origin(at, column);
            }
            Err(error) => self.problem(Some(column), error.with_field(format!("{at}.url"))),
        }
    }

    /// A handle on a network named by `network` (empty: other).
    pub fn social(&mut self, column: &str, network: &str, handle: &str) {
        let at = format!("social[{}]", self.contact.social.len());
        let network = if network.trim().is_empty() {
            SocialNetwork::Other
        } else {
            match network.parse::<SocialNetwork>() {
                Ok(network) => network,
                Err(error) => {
                    self.problem(Some(column), error.with_field(format!("{at}.network")));
                    return;
                }
            }
        };
        let id = item_id("s", self.contact.social.len());
        self.contact.social.push(SocialHandle {
            id,
            network,
            handle: handle.trim().to_string(),
        });
        self.origin(at, column);
    }

    /// The contact type; HubSpot's lifecycle stages are read as the nearest type.
    pub fn contact_type(&mut self, column: &str, raw: &str) {
        let folded = crate::layout::fold(raw);
        let alias = match folded.as_str() {
            "subscriber" | "marketingqualifiedlead" | "salesqualifiedlead" | "mql" | "sql" => {
                Some(ContactType::Lead)
            }
            "opportunity" => Some(ContactType::Prospect),
            "client" => Some(ContactType::Customer),
            "evangelist" => Some(ContactType::Partner),
            _ => None,
        };
        match alias.map_or_else(|| raw.parse::<ContactType>(), Ok) {
            Ok(value) => {
                self.contact.contact_type = value;
                self.origin("type".into(), column);
            }
            Err(error) => self.problem(Some(column), error),
        }
    }

    /// The level; `high`, `medium`, `low` are read too.
    pub fn level(&mut self, column: &str, raw: &str) {
        let alias = match raw.trim().to_ascii_lowercase().as_str() {
            "high" => Some(Level::Primary),
            "medium" => Some(Level::Secondary),
            "low" => Some(Level::Tertiary),
            _ => None,
        };
        match alias.map_or_else(|| raw.parse::<Level>(), Ok) {
            Ok(value) => {
                self.contact.level = Some(value);
                self.origin("level".into(), column);
            }
            Err(error) => self.problem(Some(column), error),
        }
    }

    /// The language: a BCP 47 tag, or an English name of a common language.
    pub fn language(&mut self, column: &str, raw: &str) {
        let text = raw.trim();
        let tag = match text.to_ascii_lowercase().as_str() {
            "english" => "en",
            "japanese" => "ja",
            "chinese" => "zh",
            "korean" => "ko",
            "german" => "de",
            "french" => "fr",
            "spanish" => "es",
            "portuguese" => "pt",
            "italian" => "it",
            _ => text,
        };
        self.contact.language = Some(tag.to_string());
        self.origin("language".into(), column);
    }

    /// Adds a tag.
    pub fn tag(&mut self, column: &str, tag: &str) {
        let tag = tag.trim();
        if !tag.is_empty() {
            self.contact.tags.insert(tag.to_string(), true);
            self.origin(format!("tags[{tag:?}]"), column);
        }
    }

    /// Appends a paragraph to the notes.
    pub fn notes(&mut self, column: &str, text: &str) {
        let notes = &mut self.contact.notes.0;
        if !notes.is_empty() {
            notes.push('\n');
        }
        notes.push_str(text);
        self.origin("notes".into(), column);
    }

    /// Sets a custom field.
    pub fn custom(&mut self, column: &str, key: &str, value: CustomValue) {
        self.origin(format!("custom[{key:?}]"), column);
        self.contact.custom.insert(key.to_string(), value);
    }

    /// Runs sync-core's validation over the contact (so nothing importable is refused later)
    /// and returns the row with every problem.
    pub fn finish(mut self) -> ParsedRow {
        if let Err(errors) = validate(&self.contact) {
            for error in errors.0 {
                let path = error.field().to_string();
                let column = self
                    .origins
                    .iter()
                    .filter(|(prefix, _)| {
                        path == *prefix
                            || path.starts_with(&format!("{prefix}."))
                            || path.starts_with(&format!("{prefix}["))
                            || prefix.starts_with(&format!("{path}["))
                    })
                    .map(|(_, column)| column.clone())
                    .next();
                self.problem(column.as_deref(), error);
            }
        }
        ParsedRow {
            line: self.line,
            contact: self.contact,
            problems: self.problems,
        }
    }
}

/// A list item's id: unique within its list, which is all sync-core asks (`p1`, `p2`).
fn item_id(prefix: &str, index: usize) -> ItemId {
    ItemId::from(format!("{prefix}{}", index + 1).as_str())
}

impl ParsedRow {
    /// Lowercase emails, E.164 phones and (network, lowercase handle) pairs: what duplicate
    /// detection compares.
    pub fn match_keys(&self) -> MatchKeys {
        MatchKeys::of(&self.contact)
    }
}

impl MatchKeys {
    /// The keys of any contact.
    pub fn of(contact: &Contact) -> MatchKeys {
        let mut emails: Vec<String> = contact
            .emails
            .iter()
            .map(|email| email.address.to_lowercase())
            .collect();
        let mut phones: Vec<String> = contact
            .phones
            .iter()
            .map(|phone| phone.e164.clone())
            .collect();
        let mut social: Vec<(String, String)> = contact
            .social
            .iter()
            .filter(|handle| !handle.handle.trim().is_empty())
            .map(|handle| {
                (
                    handle.network.as_str().to_string(),
                    handle.handle.trim().to_lowercase(),
                )
            })
            .collect();
        emails.sort();
        emails.dedup();
        phones.sort();
        phones.dedup();
        social.sort();
        social.dedup();
        MatchKeys {
            emails,
            phones,
            social,
        }
    }
}

/// Reads the `Custom fields` column: a JSON object of name -> `{"text"|"number"|"bool"|"date":
/// value}` (dates as `YYYY-MM-DD` or `--MM-DD`).
pub(crate) fn custom_fields_from_json(text: &str) -> Result<BTreeMap<String, CustomValue>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("is not a JSON object: {error}"))?;
    let object = value.as_object().ok_or("is not a JSON object")?;
    let mut fields = BTreeMap::new();
    for (key, typed) in object {
        let entry = typed
            .as_object()
            .filter(|entry| entry.len() == 1)
            .and_then(|entry| entry.iter().next())
            .ok_or_else(|| format!("{key:?} is not an object with one type key"))?;
        let value = match entry {
            (kind, serde_json::Value::String(text)) if kind == "text" => {
                CustomValue::Text(text.clone())
            }
            (kind, serde_json::Value::Number(number)) if kind == "number" => CustomValue::Number(
                number
                    .as_f64()
                    .ok_or_else(|| format!("{key:?}: bad number"))?,
            ),
            (kind, serde_json::Value::Bool(flag)) if kind == "bool" => CustomValue::Bool(*flag),
            (kind, serde_json::Value::String(date)) if kind == "date" => CustomValue::Date(
                parse_date("custom", date)
                    .map_err(|_| format!("{key:?}: {date:?} is not a date"))?,
            ),
            (kind, _) => {
                return Err(format!(
                    "{key:?}: {kind:?} is not text, number, bool or date"
                ));
            }
        };
        fields.insert(key.clone(), value);
    }
    Ok(fields)
}

/// Writes custom fields as the JSON object [`custom_fields_from_json`] reads (values of a
/// type this code does not know are left out: a newer layout's export carries them).
pub(crate) fn custom_fields_to_json(fields: &BTreeMap<String, CustomValue>) -> String {
    let mut object = serde_json::Map::new();
    for (key, value) in fields {
        let typed = match value {
            CustomValue::Text(text) => serde_json::json!({ "text": text }),
            CustomValue::Number(number) => serde_json::json!({ "number": number }),
            CustomValue::Bool(flag) => serde_json::json!({ "bool": flag }),
            CustomValue::Date(date) => serde_json::json!({ "date": date.to_string() }),
            CustomValue::Unknown { .. } => continue,
        };
        object.insert(key.clone(), typed);
    }
    if object.is_empty() {
        String::new()
    } else {
        serde_json::Value::Object(object).to_string()
    }
}
