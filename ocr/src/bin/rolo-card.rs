//! `rolo-card read PHOTO…`: reads business-card photos with no server and prints each draft
//! as JSON, one object per photo, for people checking a card and for scripts.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ocr::CardReader;

/// Reads business-card photos into draft contacts.
#[derive(Parser)]
#[command(name = "rolo-card", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reads each photo and prints its draft as JSON.
    Read {
        /// Card photos (JPEG, PNG, GIF or WebP).
        #[arg(required = true)]
        photos: Vec<PathBuf>,
        /// Leave out the recognised lines, printing only the fields.
        #[arg(long)]
        fields_only: bool,
        /// Do not use Tesseract as the second engine.
        #[arg(long)]
        no_tesseract: bool,
    },
}

fn main() -> ExitCode {
    let Cli { command } = Cli::parse();
    let Command::Read {
        photos,
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
    let mut failed = false;
    for photo in &photos {
        let started = std::time::Instant::now();
        let result = reader.read_file(photo);
        let seconds = started.elapsed().as_secs_f64();
        let value = match result {
            Ok(mut draft) => {
                if fields_only {
                    draft.lines.clear();
                }
                serde_json::json!({ "photo": photo, "seconds": seconds, "draft": draft })
            }
            Err(error) => {
                failed = true;
                eprintln!("rolo-card: {}: {error}", photo.display());
                serde_json::json!({ "photo": photo, "error": error.to_string() })
            }
        };
        match serde_json::to_string_pretty(&value) {
            Ok(text) => println!("{text}"),
            Err(error) => {
                eprintln!("rolo-card: {error}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
