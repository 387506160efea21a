//! Ranking the lines left after contact details and addresses into the person's name (with
//! its phonetic reading), company, title and department.

mod company;
mod titles;

use super::names::{
    email_matches_name, has_legal_form, is_company, is_department, is_title, looks_like_name,
    looks_like_reading, split_japanese_name, split_name_in,
};
use super::{Fields, Line, mostly_cjk};
use crate::draft::FieldKind;
use crate::script::{count, is_kana};

/// Department endings a CJK title line may run straight into the title from (`営業部部長`).
const DEPARTMENT_ENDS: &[&str] = &[
    "本部",
    "部门",
    "部門",
    "中心",
    "センター",
    "グループ",
    "사업부",
    "본부",
    "센터",
    "部",
    "課",
    "室",
    "팀",
];

/// Splits a CJK line with no space between department and title (`営業部部長`,
/// `研发中心技术总监`) at the last department ending whose remainder is a title.
fn split_glued(text: &str) -> Option<(&str, &str)> {
    let mut best = None;
    for end in DEPARTMENT_ENDS {
        for (at, _) in text.match_indices(end) {
            let split = at + end.len();
            let (dept, title) = text.split_at(split);
            if dept.chars().count() >= 2
                && !title.is_empty()
                && is_title(title)
                && !is_department(title)
                && best.is_none_or(|(d, _): (&str, &str)| dept.len() > d.len())
            {
                best = Some((dept, title));
            }
        }
    }
    best
}

/// Splits a line printed as `Title, Department` or `部署 役職` into its parts.
fn parts(text: &str) -> Vec<&str> {
    let separators: &[&str] = &[" | ", " / ", ", ", " - ", " · ", "・"];
    let mut parts = vec![text];
    for sep in separators {
        parts = parts.iter().flat_map(|p| p.split(sep)).collect();
    }
    if mostly_cjk(text) {
        parts = parts.iter().flat_map(|p| p.split_whitespace()).collect();
        parts = parts
            .iter()
            .flat_map(|p| match split_glued(p) {
                Some((dept, title)) => vec![dept, title],
                None => vec![*p],
            })
            .collect();
    }
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// The letters of an email domain's first label (`yamatakei` of `s.t@yamatakei.co.jp`).
fn domain_word(email: &str) -> Option<String> {
    let domain = email.rsplit_once('@')?.1;
    let first = domain.split('.').next()?;
    let word: String = first.chars().filter(char::is_ascii_alphanumeric).collect();
    (word.len() >= 3
        && !["gmail", "yahoo", "outlook", "hotmail", "naver", "qq"].contains(&word.as_str()))
    .then_some(word)
}

/// Whether a line's letters contain the email domain's word (`Yamata Keiki` / `yamatakei`).
fn matches_domain(text: &str, domains: &[String]) -> bool {
    let letters: String = text
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    letters.len() >= 3
        && domains
            .iter()
            .any(|d| letters.contains(d.as_str()) || d.contains(letters.as_str()))
}

/// Picks name, company, titles and department from the unused lines. `family_first`: the
/// card's Latin names are printed family name first (a Vietnamese card).
pub(super) fn rank(out: &mut Fields, lines: &mut [Line], emails: &[String], family_first: bool) {
    let domains: Vec<String> = emails.iter().filter_map(|e| domain_word(e)).collect();
    let locals: Vec<&str> = emails
        .iter()
        .filter_map(|e| e.split_once('@').map(|(l, _)| l))
        .collect();
    let tallest = lines
        .iter()
        .filter(|l| !l.used)
        .map(|l| l.bbox.height)
        .max()
        .unwrap_or(1)
        .max(1) as f32;
    // Where the contact block (phones, emails, address: the lines used so far) begins.
    let contact_top = lines.iter().filter(|l| l.used).map(|l| l.bbox.y).min();

    let mut companies: Vec<company::Candidate> = Vec::new();
    let mut names: Vec<usize> = Vec::new();
    let mut others: Vec<usize> = Vec::new();
    let mut titles: Vec<(String, usize)> = Vec::new();
    let mut department: Option<(String, usize)> = None;
    for (index, line) in lines.iter().enumerate() {
        if line.used {
            continue;
        }
        let text = line.text.as_str();
        let matches = matches_domain(text, &domains);
        let pieces = parts(text);
        let has_title = pieces.iter().any(|p| is_title(p) && !is_department(p));
        // A legal form makes a company line; a company word only where no title word is
        // (`Chief Technology Officer` is a title).
        if has_legal_form(text) || is_company(text) && !has_title {
            companies.push(company::Candidate {
                index,
                matches_domain: matches,
            });
            continue;
        }
        let depts: Vec<&str> = pieces
            .iter()
            .copied()
            .filter(|p| is_department(p))
            .collect();
        if has_title || !depts.is_empty() {
            let rest: Vec<&str> = pieces
                .iter()
                .copied()
                .filter(|p| !depts.contains(p))
                .collect();
            if !depts.is_empty() && department.is_none() {
                department = Some((depts.join(" "), index));
            }
            if !rest.is_empty() {
                let joined = if mostly_cjk(text) {
                    rest.join(" ")
                } else {
                    rest.join(", ")
                };
                titles.push((joined, index));
            }
            continue;
        }
        // A line spelling the email's domain is the company, unless the local part names it
        // too (`kevin@osei.com` on Kevin Osei's own card).
        let named_by_local = locals.iter().any(|l| email_matches_name(l, text) > 0.0);
        if matches && (!looks_like_name(text) || !named_by_local) {
            companies.push(company::Candidate {
                index,
                matches_domain: true,
            });
        } else if looks_like_name(text) {
            names.push(index);
        } else {
            others.push(index);
        }
    }

    // A Latin line just above or below a taller CJK name is its reading, not a second name.
    let is_reading_of_cjk = |latin: usize| {
        let l = lines[latin].bbox;
        !mostly_cjk(&lines[latin].text)
            && names.iter().any(|&c| {
                let b = lines[c].bbox;
                let gap = if l.y >= b.y {
                    l.y.saturating_sub(b.y + b.height)
                } else {
                    b.y.saturating_sub(l.y + l.height)
                };
                mostly_cjk(&lines[c].text) && b.height > l.height && gap <= b.height
            })
    };
    let names: Vec<usize> = names
        .iter()
        .copied()
        .filter(|&i| !is_reading_of_cjk(i))
        .collect();

    // The name: the tallest candidate, with the email's local part as a strong vote.
    let score = |index: usize| {
        let line = &lines[index];
        let height = line.bbox.height as f32 / tallest;
        let vote = locals
            .iter()
            .map(|l| email_matches_name(l, &line.text))
            .fold(0.0_f32, f32::max);
        (height + 0.6 * vote, vote)
    };
    let name = names
        .iter()
        .copied()
        .max_by(|&a, &b| score(a).0.total_cmp(&score(b).0));
    if let Some(index) = name {
        let (s, vote) = score(index);
        let line = &lines[index];
        let certainty = (0.55 + 0.25 * s.min(1.0) + 0.2 * vote).min(0.98);
        let japanese = lines.iter().any(|l| count(&l.text, is_kana) > 0);
        let (given, family) = if japanese {
            split_japanese_name(&line.text)
        } else {
            split_name_in(&line.text, family_first)
        };
        out.text(
            FieldKind::GivenName,
            &given,
            line.confidence * certainty,
            line.bbox,
        );
        out.text(
            FieldKind::FamilyName,
            &family,
            line.confidence * certainty,
            line.bbox,
        );
        lines[index].used = true;
        if mostly_cjk(&lines[index].text) {
            add_reading(out, lines, index);
        }
    }

    // Titles: a title broken over two lines is joined (its second line may look like a name:
    // `Global Partnerships`); a second title is kept as one more.
    let mut rest: Vec<usize> = others.iter().chain(names.iter()).copied().collect();
    rest.sort_unstable();
    let titles = titles::gather(lines, &titles, &mut rest);
    others.retain(|i| rest.contains(i));
    let names: Vec<usize> = names.into_iter().filter(|i| rest.contains(i)).collect();

    // The company among what is left: legal form, acronyms, brand words, then height.
    let candidates: Vec<company::Candidate> = companies
        .into_iter()
        .chain(
            others
                .iter()
                .chain(names.iter())
                .copied()
                .filter(|&i| {
                    let text = &lines[i].text;
                    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
                    !lines[i].used && text.chars().count() >= 2 && letters >= 2
                })
                .map(|index| company::Candidate {
                    index,
                    matches_domain: false,
                }),
        )
        .filter(|c| !lines[c.index].used)
        .collect();
    if let Some(choice) = company::choose(lines, &candidates, name, contact_top) {
        let line = &lines[choice.index];
        let (mut text, mut bbox, mut confidence) = (line.text.clone(), line.bbox, line.confidence);
        if let Some(before) = company::name_before_legal_form(lines, &candidates, choice.index) {
            let named = &lines[before];
            text = format!("{} {text}", named.text);
            bbox = bbox.union(named.bbox);
            confidence = confidence.min(named.confidence);
            lines[before].used = true;
        }
        out.text(
            FieldKind::Company,
            &text,
            confidence * choice.certainty,
            bbox,
        );
        lines[choice.index].used = true;
    }
    if let Some((text, index)) = department {
        let line = &lines[index];
        out.text(
            FieldKind::Department,
            &text,
            line.confidence * 0.85,
            line.bbox,
        );
        lines[index].used = true;
    }
    for (text, bbox, confidence, used) in titles {
        out.text(FieldKind::Title, &text, confidence * 0.85, bbox);
        for index in used {
            lines[index].used = true;
        }
    }
}

/// Adds the phonetic reading printed just above or below a CJK name (furigana, romanisation).
fn add_reading(out: &mut Fields, lines: &mut [Line], name: usize) {
    let name_box = lines[name].bbox;
    let near = |index: usize| {
        let b = lines[index].bbox;
        let gap = if b.y >= name_box.y {
            b.y.saturating_sub(name_box.y + name_box.height)
        } else {
            name_box.y.saturating_sub(b.y + b.height)
        };
        let overlaps = b.x < name_box.x + name_box.width + name_box.height
            && name_box.x < b.x + b.width + name_box.height;
        gap <= name_box.height && overlaps && b.height <= name_box.height
    };
    let Some(index) = (0..lines.len())
        // A katakana title (`マネージャー`) beside the name is not its reading.
        .filter(|&i| {
            let text = &lines[i].text;
            !lines[i].used && near(i) && looks_like_reading(text) && !is_title(text)
        })
        .min_by_key(|&i| lines[i].bbox.y.abs_diff(name_box.y))
    else {
        return;
    };
    let text = lines[index].text.clone();
    let kana = count(&text, is_kana) > 0;
    let words: Vec<&str> = text.split_whitespace().collect();
    let (given, family) = if kana || words.len() < 2 {
        // Kana follows the name's own order: family first.
        match words.as_slice() {
            [family, rest @ ..] => (rest.join(" "), family.to_string()),
            [] => (String::new(), String::new()),
        }
    } else {
        let caps = |w: &str| w.len() > 1 && w.chars().all(|c| !c.is_lowercase());
        let japanese = count(&lines[name].text, is_kana) > 0
            || lines.iter().any(|l| count(&l.text, is_kana) > 0);
        if caps(words[0]) && !caps(words[words.len() - 1]) {
            (words[1..].join(" "), words[0].to_string())
        } else if caps(words[words.len() - 1]) && !caps(words[0]) {
            (
                words[..words.len() - 1].join(" "),
                words[words.len() - 1].to_string(),
            )
        } else if japanese {
            // Romaji on Japanese cards is printed in Western order (Taro Yamada).
            (
                words[..words.len() - 1].join(" "),
                words[words.len() - 1].to_string(),
            )
        } else {
            // Pinyin and Korean romanisation keep the family name first (Wang Wei).
            (words[1..].join(" "), words[0].to_string())
        }
    };
    let line = &lines[index];
    let confidence = line.confidence * 0.8;
    out.text(FieldKind::PhoneticGivenName, &given, confidence, line.bbox);
    out.text(
        FieldKind::PhoneticFamilyName,
        &family,
        confidence,
        line.bbox,
    );
    lines[index].used = true;
}
