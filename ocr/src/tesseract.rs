//! Tesseract as the second engine, through its command-line program and TSV output.
//!
//! PP-OCR's dictionary has no Hangul and no Cyrillic, so lines it reads poorly are read again
//! by Tesseract (Debian `tesseract-ocr` plus language packs). Running the program (not
//! linking libtesseract) keeps the crate free of C bindings and `unsafe`, and a crash in it
//! cannot take the reader down. `OMP_THREAD_LIMIT=1` stops it from spreading over every core,
//! which on a 2-core box only adds contention.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use image::GrayImage;

use crate::draft::{BBox, Engine, TextLine};

/// Why Tesseract could not read an image.
#[derive(Debug, thiserror::Error)]
pub enum TesseractError {
    /// The program is not installed.
    #[error("tesseract is not installed (Debian: apt-get install tesseract-ocr)")]
    NotInstalled,
    /// A language pack is missing.
    #[error("tesseract lacks the language data {0} (Debian: tesseract-ocr-<lang>)")]
    MissingLanguage(String),
    /// Writing the temporary image or running the program failed.
    #[error("running tesseract: {0}")]
    Io(#[from] std::io::Error),
    /// The program failed.
    #[error("tesseract failed: {0}")]
    Failed(String),
}

/// The Tesseract program and the languages it has.
#[derive(Debug, Clone)]
pub struct Tesseract {
    /// The executable.
    program: PathBuf,
    /// Installed language codes (`eng`, `jpn`, `kor`, …).
    languages: Vec<String>,
}

impl Tesseract {
    /// Finds `tesseract` on the `PATH` and lists its languages; `None` when not installed.
    pub fn find() -> Option<Self> {
        let program = PathBuf::from("tesseract");
        let output = Command::new(&program).arg("--list-langs").output().ok()?;
        if !output.status.success() {
            return None;
        }
        // The list goes to stdout in recent versions and stderr in older ones.
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        let languages = text
            .lines()
            .skip_while(|line| !line.starts_with("List of available languages"))
            .skip(1)
            .map(|line| line.trim().to_string())
            .filter(|line| !line.is_empty())
            .collect();
        Some(Self { program, languages })
    }

    /// Whether the language data `code` is installed.
    pub fn has(&self, code: &str) -> bool {
        self.languages.iter().any(|l| l == code)
    }

    /// Reads `image` with the languages `langs` (`kor+eng`) in page segmentation mode `psm`,
    /// returning one line per Tesseract text line.
    pub fn read(
        &self,
        image: &GrayImage,
        langs: &str,
        psm: u8,
    ) -> Result<Vec<TextLine>, TesseractError> {
        for lang in langs.split('+') {
            if !self.has(lang) {
                return Err(TesseractError::MissingLanguage(lang.to_string()));
            }
        }
        let path = temp_png();
        image
            .save(&path)
            .map_err(|e| TesseractError::Failed(format!("writing {}: {e}", path.display())))?;
        let output = Command::new(&self.program)
            .arg(&path)
            .arg("stdout")
            .args(["-l", langs, "--psm", &psm.to_string(), "tsv"])
            .env("OMP_THREAD_LIMIT", "1")
            .output();
        let _ = std::fs::remove_file(&path);
        let output = output.map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => TesseractError::NotInstalled,
            _ => TesseractError::Io(e),
        })?;
        if !output.status.success() {
            return Err(TesseractError::Failed(
                String::from_utf8_lossy(&output.stderr).trim().to_string(),
            ));
        }
        Ok(parse_tsv(&String::from_utf8_lossy(&output.stdout)))
    }
}

/// A fresh path in the temporary directory for the image handed to Tesseract.
fn temp_png() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("rolo-ocr-{}-{n}.png", std::process::id()))
}

/// Groups Tesseract's TSV words (level 5) into lines, joining CJK words without a space.
pub fn parse_tsv(tsv: &str) -> Vec<TextLine> {
    // Each line keyed by Tesseract's (block, paragraph, line) numbers, with its words'
    // confidences.
    type Key = (u32, u32, u32);
    let mut lines: Vec<(Key, TextLine, Vec<f32>)> = Vec::new();
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let text = cols[11].trim();
        let conf: f32 = cols[10].parse().unwrap_or(-1.0);
        if text.is_empty() || conf < 0.0 {
            continue;
        }
        let num = |i: usize| cols[i].parse::<u32>().unwrap_or(0);
        let key = (num(2), num(3), num(4));
        let bbox = BBox {
            x: num(6),
            y: num(7),
            width: num(8),
            height: num(9),
        };
        match lines.iter_mut().find(|(k, ..)| *k == key) {
            Some((_, line, confs)) => {
                // Tesseract splits CJK text into "words" of a character or two; they are joined
                // again unless the print shows a clear gap. Korean spaces its words, but by less
                // than a character, so its word spaces are lost too; field extraction splits
                // glued department and title itself.
                let gap = bbox.x as i64 - (line.bbox.x + line.bbox.width) as i64;
                let cjk_join = line
                    .text
                    .chars()
                    .next_back()
                    .is_some_and(crate::script::is_cjk)
                    && text.chars().next().is_some_and(crate::script::is_cjk)
                    && gap * 2 < bbox.height as i64;
                if !cjk_join {
                    line.text.push(' ');
                }
                line.text.push_str(text);
                line.bbox = line.bbox.union(bbox);
                confs.push(conf / 100.0);
            }
            None => lines.push((
                key,
                TextLine {
                    text: text.to_string(),
                    confidence: 0.0,
                    bbox,
                    engine: Engine::Tesseract,
                },
                vec![conf / 100.0],
            )),
        }
    }
    lines
        .into_iter()
        .map(|(_, mut line, confs)| {
            line.confidence = confs.iter().sum::<f32>() / confs.len().max(1) as f32;
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_group_into_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   5\t1\t1\t1\t1\t1\t10\t10\t40\t12\t96\tAiko\n\
                   5\t1\t1\t1\t1\t2\t55\t10\t40\t12\t90\tSato\n\
                   5\t1\t1\t1\t2\t1\t10\t30\t20\t12\t80\t山田\n\
                   5\t1\t1\t1\t2\t2\t32\t30\t40\t12\t70\t太郎\n\
                   5\t1\t1\t1\t3\t1\t10\t50\t20\t12\t80\t영업팀\n\
                   5\t1\t1\t1\t3\t2\t50\t50\t40\t12\t70\t부장\n";
        let lines = parse_tsv(tsv);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].text, "Aiko Sato");
        assert_eq!(
            lines[0].bbox,
            BBox {
                x: 10,
                y: 10,
                width: 85,
                height: 12
            }
        );
        assert!((lines[0].confidence - 0.93).abs() < 1e-4);
        assert_eq!(lines[1].text, "山田太郎");
        assert_eq!(lines[2].text, "영업팀 부장");
    }
}
