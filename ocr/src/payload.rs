//! Contact payloads found in QR codes: vCard (2.1, 3.0, 4.0), MECARD and BIZCARD.
//!
//! A QR code states its fields exactly, so each becomes a [`Field`] with confidence 1 and
//! source `qr` — unless normalising it failed (a national phone number with no country to
//! read it in), in which case the field keeps the raw text at confidence 0.5 for the rep to fix
//! rather than being dropped.

use sync_core::validate::{parse_country, parse_email, parse_phone, parse_url};

use crate::draft::{Field, FieldKind, Source};
use crate::extract::contact_info::is_mobile_number;

/// The contact fields of a QR payload, or `None` when the payload is not a contact (a URL,
/// plain text).
pub fn parse_payload(text: &str) -> Option<Vec<Field>> {
    let trimmed = text.trim_start_matches('\u{FEFF}').trim();
    let upper = trimmed.get(..11).unwrap_or(trimmed).to_ascii_uppercase();
    if upper.starts_with("BEGIN:VCARD") {
        Some(parse_vcard(trimmed))
    } else if upper.starts_with("MECARD:") {
        Some(parse_mecard(&trimmed[7..]))
    } else if upper.starts_with("BIZCARD:") {
        Some(parse_bizcard(&trimmed[8..]))
    } else {
        None
    }
}

/// Collects fields, normalising each value on the way in.
#[derive(Default)]
struct Fields {
    /// What was found, in payload order.
    fields: Vec<Field>,
    /// The country of the first address, used to read national phone numbers.
    region: Option<String>,
    /// Phones seen before the address gave a region, normalised at the end.
    pending_phones: Vec<(String, String)>,
}

impl Fields {
    /// Adds a plain-text field unless blank.
    fn text(&mut self, kind: FieldKind, raw: &str) {
        let value = raw.trim();
        if !value.is_empty() {
            self.push(kind, "", value.to_string(), value, true);
        }
    }

    /// Adds a field; `exact` false marks a value kept raw because it would not normalise.
    fn push(&mut self, kind: FieldKind, label: &str, value: String, raw: &str, exact: bool) {
        self.fields.push(Field {
            kind,
            label: label.to_string(),
            value,
            raw: raw.trim().to_string(),
            confidence: if exact { 1.0 } else { 0.5 },
            source: Source::Qr,
            bbox: None,
            problem: None,
        });
    }

    fn phone(&mut self, label: &str, raw: &str) {
        if !raw.trim().is_empty() {
            self.pending_phones
                .push((label.to_string(), raw.trim().to_string()));
        }
    }

    fn email(&mut self, raw: &str) {
        let raw = raw.trim();
        if raw.is_empty() {
            return;
        }
        // Some writers prefix an IM service (`EMAIL;IM:MSN:steve@example.net`).
        let candidate = match raw.split_once(':') {
            Some((service, rest)) if service.chars().all(|c| c.is_ascii_alphabetic()) => rest,
            _ => raw,
        };
        match parse_email("email", candidate) {
            Ok(address) => self.push(FieldKind::Email, "", address, raw, true),
            Err(_) => self.push(FieldKind::Email, "", raw.to_string(), raw, false),
        }
    }

    fn url(&mut self, raw: &str) {
        let raw = raw.trim();
        if raw.is_empty() {
            return;
        }
        match parse_url("url", raw) {
            Ok(url) => self.push(FieldKind::Url, "", url, raw, true),
            Err(_) => self.push(FieldKind::Url, "", raw.to_string(), raw, false),
        }
    }

    /// Adds an address from its lines and its country as printed.
    fn address(&mut self, lines: &[&str], country: &str) {
        let lines: Vec<&str> = lines
            .iter()
            .map(|line| line.trim())
            .filter(|line| !line.is_empty())
            .collect();
        let country = country.trim();
        if lines.is_empty() && country.is_empty() {
            return;
        }
        let mut text = lines.join("\n");
        if !country.is_empty() {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(country);
        }
        self.push(FieldKind::Address, "", text.clone(), &text, true);
        if let Ok(code) = parse_country("country", country)
            && !code.is_empty()
        {
            self.push(FieldKind::Country, "", code.clone(), country, true);
            self.region.get_or_insert(code);
        }
    }

    fn birthday(&mut self, raw: &str) {
        let raw = raw.trim();
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let iso = match (digits.len(), raw.starts_with("--")) {
            (8, _) => format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]),
            (4, true) => format!("--{}-{}", &digits[..2], &digits[2..]),
            _ => raw.to_string(),
        };
        if sync_core::validate::parse_date("birthday", &iso).is_ok() {
            self.push(FieldKind::Birthday, "", iso, raw, true);
        } else if !raw.is_empty() {
            self.push(FieldKind::Birthday, "", raw.to_string(), raw, false);
        }
    }

    /// Splits a name written as one string: family first when it is in a CJK script.
    fn whole_name(&mut self, raw: &str) {
        let (given, family) = crate::extract::names::split_name(raw.trim());
        self.text(FieldKind::GivenName, &given);
        self.text(FieldKind::FamilyName, &family);
    }

    /// Normalises the phones now that the address may have given a region.
    fn finish(mut self) -> Vec<Field> {
        for (label, raw) in std::mem::take(&mut self.pending_phones) {
            match parse_phone("phone", &raw, self.region.as_deref()) {
                Ok(e164) => {
                    let label = match label.as_str() {
                        UNTYPED if is_mobile_number(&e164) => "mobile".to_string(),
                        UNTYPED => "work".to_string(),
                        _ => label,
                    };
                    self.push(FieldKind::Phone, &label, e164, &raw, true)
                }
                Err(_) => {
                    let label = if label == UNTYPED { "work" } else { &label };
                    self.push(FieldKind::Phone, label, raw.clone(), &raw, false)
                }
            }
        }
        self.fields
    }
}

/// One `NAME;PARAMS:VALUE` line of a vCard.
struct Property<'a> {
    /// Upper-case name without any group prefix.
    name: String,
    /// Upper-case parameters, `TYPE=` values split out (`WORK`, `CELL`, `CHARSET=UTF-8`).
    params: Vec<String>,
    /// The raw value, still escaped.
    value: &'a str,
}

impl Property<'_> {
    fn has(&self, param: &str) -> bool {
        self.params.iter().any(|p| p == param)
    }
}

/// vCard lines are folded (CRLF + space continues a line) and 2.1 quoted-printable values end
/// soft breaks with `=`; both are undone before parsing.
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match lines.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.push_str(&line[1..]),
            Some(last) if last.ends_with('=') && last.to_ascii_uppercase().contains("QUOTED") => {
                last.pop();
                last.push_str(line);
            }
            _ => lines.push(line.to_string()),
        }
    }
    lines
}

fn property(line: &str) -> Option<Property<'_>> {
    let (head, value) = line.split_once(':')?;
    let mut parts = head.split(';');
    let name = parts.next()?;
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
    let mut params = Vec::new();
    for param in parts {
        let upper = param.to_ascii_uppercase();
        match upper.split_once('=') {
            Some(("TYPE", types)) => {
                params.extend(types.split(',').map(|t| t.trim_matches('"').to_string()))
            }
            _ => params.push(upper),
        }
    }
    Some(Property {
        name,
        params,
        value,
    })
}

/// Decodes `=XX` escapes of a quoted-printable value as UTF-8.
fn quoted_printable(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        if bytes[i] == b'='
            && let (Some(high), Some(low)) = (hex(i + 1), hex(i + 2))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a structured value on unescaped `sep` and unescapes each component.
fn components(value: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => parts.last_mut().unwrap().push('\n'),
                Some(other) => parts.last_mut().unwrap().push(other),
                None => {}
            },
            c if c == sep => parts.push(String::new()),
            c => parts.last_mut().unwrap().push(c),
        }
    }
    parts
}

/// The label of a phone whose payload does not say what kind it is (MECARD's TEL, a vCard
/// TEL without types): filed as `work` unless the number itself is a mobile's.
const UNTYPED: &str = "";

/// The label a vCard TEL's types give it.
fn phone_label(prop: &Property<'_>) -> &'static str {
    if prop.has("FAX") {
        "fax"
    } else if prop.has("CELL") {
        "mobile"
    } else if prop.has("HOME") {
        "home"
    } else if prop.has("WORK") {
        "work"
    } else {
        UNTYPED
    }
}

fn parse_vcard(text: &str) -> Vec<Field> {
    let mut fields = Fields::default();
    let mut full_name = None;
    let mut have_n = false;
    for line in unfold(text) {
        let Some(prop) = property(&line) else {
            continue;
        };
        let decoded;
        let value = if prop.has("ENCODING=QUOTED-PRINTABLE") || prop.has("QUOTED-PRINTABLE") {
            decoded = quoted_printable(prop.value);
            decoded.as_str()
        } else {
            prop.value
        };
        let parts = components(value, ';');
        let part = |i: usize| parts.get(i).map(String::as_str).unwrap_or_default();
        match prop.name.as_str() {
            "N" => {
                have_n = true;
                fields.text(FieldKind::FamilyName, part(0));
                let given = [part(1), part(2)].join(" ");
                fields.text(FieldKind::GivenName, &given);
            }
            "FN" => full_name = Some(part(0).to_string()),
            "X-PHONETIC-LAST-NAME" => fields.text(FieldKind::PhoneticFamilyName, part(0)),
            "X-PHONETIC-FIRST-NAME" => fields.text(FieldKind::PhoneticGivenName, part(0)),
            // Japanese 2.1 phones: SOUND;X-IRMC-N:やまだ;たろう
            "SOUND" if prop.has("X-IRMC-N") => {
                fields.text(FieldKind::PhoneticFamilyName, part(0));
                fields.text(FieldKind::PhoneticGivenName, part(1));
            }
            "ORG" => {
                fields.text(FieldKind::Company, part(0));
                fields.text(FieldKind::Department, part(1));
            }
            "TITLE" => fields.text(FieldKind::Title, part(0)),
            "TEL" => fields.phone(phone_label(&prop), &components(value, '\u{0}')[0]),
            "EMAIL" => fields.email(part(0)),
            "URL" => fields.url(&components(value, '\u{0}')[0]),
            "ADR" => {
                let mut lines = vec![part(0), part(1), part(2)];
                let locality = [part(3), part(4), part(5)]
                    .into_iter()
                    .filter(|p| !p.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                lines.push(&locality);
                fields.address(&lines, part(6));
            }
            "BDAY" => fields.birthday(part(0)),
            "NOTE" => fields.text(FieldKind::Note, &components(value, '\u{0}')[0]),
            "X-SOCIALPROFILE" => {
                let network = prop
                    .params
                    .iter()
                    .find(|p| !p.contains('='))
                    .map(|p| p.to_ascii_lowercase())
                    .unwrap_or_default();
                let handle = components(value, '\u{0}')[0].trim().to_string();
                if !handle.is_empty() {
                    fields.push(FieldKind::Social, &network, handle.clone(), &handle, true);
                }
            }
            _ => {}
        }
    }
    if !have_n && let Some(name) = full_name {
        fields.whole_name(&name);
    }
    fields.finish()
}

/// MECARD (NTT Docomo): `MECARD:N:Owen,Sean;SOUND:…;TEL:…;EMAIL:…;;`
fn parse_mecard(body: &str) -> Vec<Field> {
    let mut fields = Fields::default();
    for entry in components(body, ';') {
        let Some((key, value)) = entry.split_once(':') else {
            continue;
        };
        match key.trim().to_ascii_uppercase().as_str() {
            "N" => match value.split_once(',') {
                Some((family, given)) => {
                    fields.text(FieldKind::GivenName, given);
                    fields.text(FieldKind::FamilyName, family);
                }
                None => fields.whole_name(value),
            },
            "SOUND" => match value.split_once(',') {
                Some((family, given)) => {
                    fields.text(FieldKind::PhoneticGivenName, given);
                    fields.text(FieldKind::PhoneticFamilyName, family);
                }
                None => fields.text(FieldKind::PhoneticFamilyName, value),
            },
            "TEL" | "TEL-AV" => fields.phone(UNTYPED, value),
            "EMAIL" => fields.email(value),
            "URL" => fields.url(value),
            "ORG" => fields.text(FieldKind::Company, value),
            "TITLE" => fields.text(FieldKind::Title, value),
            "ADR" => fields.address(&value.split(',').collect::<Vec<_>>(), ""),
            "BDAY" => fields.birthday(value),
            "NOTE" => fields.text(FieldKind::Note, value),
            _ => {}
        }
    }
    fields.finish()
}

/// BIZCARD: `BIZCARD:N:Sean;X:Owen;T:Engineer;C:Google;A:…;B:phone;M:mobile;F:fax;E:email;;`
fn parse_bizcard(body: &str) -> Vec<Field> {
    let mut fields = Fields::default();
    for entry in components(body, ';') {
        let Some((key, value)) = entry.split_once(':') else {
            continue;
        };
        match key.trim().to_ascii_uppercase().as_str() {
            "N" => fields.text(FieldKind::GivenName, value),
            "X" => fields.text(FieldKind::FamilyName, value),
            "T" => fields.text(FieldKind::Title, value),
            "C" => fields.text(FieldKind::Company, value),
            "A" => fields.address(&[value], ""),
            "B" => fields.phone("work", value),
            "M" => fields.phone("mobile", value),
            "F" => fields.phone("fax", value),
            "E" => fields.email(value),
            _ => {}
        }
    }
    fields.finish()
}

#[cfg(test)]
mod tests;
