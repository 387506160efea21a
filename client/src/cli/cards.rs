//! `rolo card scan`, `list`, `show`, `save` and `dismiss`: business cards, all offline; the
//! photos go up and the drafts come down at the next `rolo sync`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use sync_core::contact::CardSide;

use crate::cards::{CardState, MAX_PHOTO_BYTES, check_photo, side_name};
use crate::error::Error;
use crate::view::card as view;

/// Arguments of `rolo card`.
#[derive(Debug, Args)]
pub struct CardArgs {
    /// What to do with cards.
    #[command(subcommand)]
    command: CardCommand,
}

/// The `rolo card` commands.
#[derive(Debug, Subcommand)]
enum CardCommand {
    /// Queue a card's photos for reading. Works offline; they are uploaded at the next sync.
    Scan(ScanArgs),
    /// List the cards waiting for you (with --all, saved and dismissed ones too).
    List(ListArgs),
    /// Show a card: each field read, with its number, confidence and source.
    Show(ShowArgs),
    /// Save a read card as a new contact, or add it to one with --into.
    Save(SaveArgs),
    /// Dismiss a card (photos not uploaded yet are deleted).
    Dismiss(IdArgs),
}

/// Arguments of `rolo card scan`.
#[derive(Debug, Args)]
struct ScanArgs {
    /// Photo of the front: JPEG, PNG, GIF or WebP, at most 10 MB.
    front: PathBuf,
    /// Photo of the back, if it says anything.
    back: Option<PathBuf>,
}

/// Arguments of `rolo card list`.
#[derive(Debug, Args)]
struct ListArgs {
    /// Include saved and dismissed cards.
    #[arg(long)]
    all: bool,
    /// Print JSON (an array of cards) instead of one line each.
    #[arg(long)]
    json: bool,
}

/// Arguments of `rolo card show`.
#[derive(Debug, Args)]
struct ShowArgs {
    /// The card's id, or the start of it.
    id: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `rolo card save`.
#[derive(Debug, Args)]
struct SaveArgs {
    /// The card's id, or the start of it.
    id: String,
    /// Add the card to this contact (id or start of it) instead of making a new one: values
    /// it lacks are added after its own, nothing is replaced.
    #[arg(long, value_name = "CONTACT")]
    into: Option<String>,
    /// Leave out these fields (numbers from `rolo card show`), comma-separated.
    #[arg(long, value_name = "N,...", value_delimiter = ',')]
    drop: Vec<usize>,
    /// Correct a phone the reader could not check (`rolo card show` marks it): field N gets
    /// NUMBER, read in the card's region unless it starts with `+`. Repeatable.
    #[arg(long, value_name = "N=NUMBER", value_parser = parse_fix)]
    fix: Vec<(usize, String)>,
}

/// `N=NUMBER` of `--fix`.
fn parse_fix(text: &str) -> Result<(usize, String), String> {
    let (index, number) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not N=NUMBER"))?;
    let index = index
        .trim()
        .parse()
        .map_err(|_| format!("{index:?} is not a field number"))?;
    Ok((index, number.trim().to_string()))
}

/// A command that takes only a card id.
#[derive(Debug, Args)]
struct IdArgs {
    /// The card's id, or the start of it.
    id: String,
}

pub(super) async fn run(home: &Path, args: CardArgs) -> anyhow::Result<()> {
    match args.command {
        CardCommand::Scan(args) => scan(home, args).await,
        CardCommand::List(args) => list(home, args).await,
        CardCommand::Show(args) => show(home, args).await,
        CardCommand::Save(args) => save(home, args).await,
        CardCommand::Dismiss(args) => dismiss(home, args).await,
    }
}

async fn scan(home: &Path, args: ScanArgs) -> anyhow::Result<()> {
    // Read and checked before the replica is opened: a wrong file costs nothing.
    let front = read_photo(&args.front, CardSide::Front)?;
    let back = match &args.back {
        Some(path) => Some(read_photo(path, CardSide::Back)?),
        None => None,
    };
    let mut replica = super::open(home).await?;
    let card = replica.scan_card(front, back).await?;
    replica.close().await?;
    // Only the id on standard output, so scripts can capture it.
    say!("{card}");
    Ok(())
}

/// A photo's bytes, refused with the file named when the server would refuse them.
fn read_photo(path: &Path, side: CardSide) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("could not read {}", path.display()))?
        .len();
    // Checked before reading, so a huge file is not read into memory just to be refused.
    if size > MAX_PHOTO_BYTES {
        let error = Error::PhotoTooLarge {
            side: side_name(&side),
            bytes: size,
            limit: MAX_PHOTO_BYTES,
        };
        return Err(named_with_reason(path, error));
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    check_photo(side, &bytes).map_err(|error| named_with_reason(path, error))?;
    Ok(bytes)
}

/// The error with the file's name in front, keeping the library error in the chain (for the
/// exit code).
fn named_with_reason(path: &Path, error: Error) -> anyhow::Error {
    let message = format!("{}: {error}", path.display());
    anyhow::Error::new(error).context(message)
}

async fn list(home: &Path, args: ListArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let cards: Vec<_> = replica
        .cards()
        .await?
        .into_iter()
        .filter(|card| args.all || !card.state.is_resolved())
        .collect();
    if args.json {
        // Each card as `card show --json` gives it, possible duplicates included.
        let mut all = Vec::with_capacity(cards.len());
        for card in &cards {
            let duplicates = match &card.draft {
                Some(draft) if !card.state.is_resolved() => replica.card_duplicates(draft).await?,
                _ => Vec::new(),
            };
            all.push(view::json(card, &duplicates));
        }
        replica.close().await?;
        say!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        replica.close().await?;
        for card in &cards {
            say!("{}", view::list_line(card));
        }
    }
    Ok(())
}

async fn show(home: &Path, args: ShowArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve_card(&args.id).await?;
    let card = replica.card(id).await?.ok_or(Error::UnknownCard(id))?;
    let duplicates = match &card.draft {
        Some(draft) if !card.state.is_resolved() => replica.card_duplicates(draft).await?,
        _ => Vec::new(),
    };
    replica.close().await?;
    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&view::json(&card, &duplicates))?
        );
    } else {
        say!("{}", view::page(&card, &duplicates).trim_end());
    }
    Ok(())
}

async fn save(home: &Path, args: SaveArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve_card(&args.id).await?;
    let into = match &args.into {
        Some(text) => Some(replica.resolve(text).await?),
        None => None,
    };
    let keep = if args.drop.is_empty() {
        None
    } else {
        let card = replica.card(id).await?.ok_or(Error::UnknownCard(id))?;
        let count = card.draft.map_or(0, |draft| draft.fields.len());
        // Only a ready draft has fields to drop; any other card is refused by `save_card`
        // with its own reason.
        let ready = card.state == CardState::Ready;
        if let Some(&index) = args.drop.iter().find(|&&index| ready && index >= count) {
            return Err(Error::NoSuchCardField {
                card: id,
                index,
                count,
            }
            .into());
        }
        Some(
            (0..count)
                .filter(|index| !args.drop.contains(index))
                .collect::<Vec<_>>(),
        )
    };
    let contact = replica
        .save_card_fixed(id, into, keep.as_deref(), &args.fix)
        .await?;
    replica.close().await?;
    // Only the contact's id on standard output, as `rolo add` prints it.
    say!("{contact}");
    Ok(())
}

async fn dismiss(home: &Path, args: IdArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    let id = replica.resolve_card(&args.id).await?;
    replica.dismiss_card(id).await?;
    replica.close().await?;
    say!("dismissed card {id}");
    Ok(())
}
