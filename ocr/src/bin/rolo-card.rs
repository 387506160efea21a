//! `rolo-card read PHOTO…`: reads business-card photos with no server and prints the drafts as
//! one JSON array (or, with `--jsonl`, one JSON object per line as each photo is read), for
//! people checking a card and for scripts. Each entry holds the photo, the seconds it took,
//! the full name as the saved contact would be listed, and the draft (or the error).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ocr::CardReader;
use serde_json::{Value, json};

/// Reads business-card photos into draft contacts.
#[derive(Parser)]
#[command(name = "rolo-card", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reads each photo and prints the drafts as one JSON array.
    Read {
        /// Card photos (JPEG, PNG, GIF or WebP).
        #[arg(required = true)]
        photos: Vec<PathBuf>,
        /// Print one JSON object per line, each as soon as its photo is read.
        #[arg(long)]
        jsonl: bool,
        /// Leave out the recognised lines, printing only the fields.
        #[arg(long)]
        fields_only: bool,
        /// Do not use Tesseract as the second engine.
        #[arg(long)]
        no_tesseract: bool,
    },
}

/// One photo's entry: its draft with the full name as listed, or why it could not be read.
fn entry(reader: &CardReader, photo: &Path, fields_only: bool) -> (Value, bool) {
    let started = std::time::Instant::now();
    let result = reader.read_file(photo);
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(mut draft) => {
            if fields_only {
                draft.lines.clear();
            }
            let full_name = draft.full_name();
            let value = json!({
                "photo": photo,
                "seconds": seconds,
                "full_name": full_name,
                "draft": draft,
            });
            (value, true)
        }
        Err(error) => {
            eprintln!("rolo-card: {}: {error}", photo.display());
            (json!({ "photo": photo, "error": error.to_string() }), false)
        }
    }
}

fn main() -> ExitCode {
    let Cli { command } = Cli::parse();
    let Command::Read {
        photos,
        jsonl,
        fields_only,
        no_tesseract,
    } = command;
    let reader = match CardReader::from_env() {
        Ok(reader) if no_tesseract => reader.without_tesseract(),
        Ok(reader) => reader,
        Err(error) => {
            eprintln!("rolo-card: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut all_read = true;
    let mut entries = Vec::new();
    let mut stdout = std::io::stdout().lock();
    for photo in &photos {
        let (value, read) = entry(&reader, photo, fields_only);
        all_read &= read;
        if jsonl {
            // Written and flushed per photo, so a script sees each card as it is read.
            if writeln!(stdout, "{value}")
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::FAILURE;
            }
        } else {
            entries.push(value);
        }
    }
    if !jsonl {
        let text = serde_json::to_string_pretty(&Value::Array(entries))
            .expect("a JSON value always serialises");
        if writeln!(stdout, "{text}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    if all_read {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
