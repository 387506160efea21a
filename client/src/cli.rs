//! The `rolo` command line: argument types and what each command does. `main.rs` only parses
//! the arguments and calls [`run`]; everything here goes through the library's public API,
//! as any other program using the client would.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::input::InputError;
use crate::replica::Replica;

/// `println!` that tolerates a closed standard output (`rolo list | head -1`): the rest of
/// the output is dropped instead of the command panicking half-way.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::write_line(format_args!($($arg)*))
    };
}

mod account;
mod activity;
mod cards;
mod contacts;
mod history;
mod imports;
mod search;
mod sharing;
mod sync;
mod team;

/// The file inside the data directory that holds the replica.
pub const REPLICA_FILE: &str = "replica.db";

/// Rolo: your team's shared contact book, offline first.
#[derive(Debug, Parser)]
#[command(name = "rolo", version, about)]
pub struct Cli {
    /// Data directory holding this device's replica (default: ~/.local/share/rolo).
    #[arg(long, env = "ROLO_HOME", global = true)]
    pub home: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands. Those about contacts work offline on this device's replica and are sent at
/// the next sync; sharing, ownership, purging, company-wide tags and the company's people need
/// the server.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a company account with you as its owner, and sign this device in.
    Signup(account::SignupArgs),
    /// Sign this device in to an existing account.
    Login(account::LoginArgs),
    /// Accept an invitation: choose your password and sign this device in.
    Join(account::JoinArgs),
    /// List the contacts: the active ones, or the archived ones, the trash, or all.
    List(search::ListArgs),
    /// Search the contacts on this device, offline: names (any part, reading, accents and
    /// kana width ignored), emails, phones in any format, companies, tags.
    Search(search::SearchArgs),
    /// Show one contact.
    Show(contacts::ShowArgs),
    /// Add a contact. Works offline; it is sent at the next sync.
    Add(contacts::AddArgs),
    /// Change a contact. Works offline; the change is sent at the next sync.
    Edit(contacts::EditArgs),
    /// Move a contact to the trash.
    Delete(contacts::IdArgs),
    /// Take a contact back out of the trash.
    Restore(contacts::IdArgs),
    /// Archive a contact: it leaves the list but stays findable with --archived.
    Archive(contacts::IdArgs),
    /// Take a contact out of the archive.
    Unarchive(contacts::IdArgs),
    /// Add or remove a contact's tags.
    Tag(activity::TagArgs),
    /// List the tags with how many contacts carry each; rename or delete one company-wide.
    Tags(search::TagsArgs),
    /// A contact's activity log (calls, visits, meetings, notes); `add` logs one.
    Activity(activity::ActivityArgs),
    /// A contact's history: who changed what, when, on which device.
    History(history::HistoryArgs),
    /// Put a field, or the whole contact, back as it was at a revision (a new edit).
    Revert(history::RevertArgs),
    /// Share a contact with everyone, or with more members, groups or org units (its
    /// owner and admins; needs the server).
    Share(sharing::ShareArgs),
    /// Stop sharing a contact with some members, groups or org units (needs the server).
    Unshare(sharing::UnshareArgs),
    /// Give a contact to another member (its owner and admins; needs the server).
    Transfer(sharing::TransferArgs),
    /// Delete a contact for good, everywhere (its owner and admins; needs the server).
    Purge(contacts::IdArgs),
    /// Delete every contact in your trash for good (needs the server).
    EmptyTrash,
    /// Invite someone to the company; prints the one-time code they join with.
    Invite(team::InviteArgs),
    /// List the company's members.
    Members(team::MembersArgs),
    /// Deactivate or activate a member, or change their role (admins).
    Member(team::MemberArgs),
    /// List the groups with their members.
    Groups(team::ListArgs),
    /// Create, rename or delete a group; add or remove its members (admins).
    #[command(subcommand)]
    Group(team::GroupCommand),
    /// Show the org units as a tree, with their members.
    Units(team::ListArgs),
    /// Create, move, rename or delete an org unit; add or remove its members (admins).
    #[command(subcommand)]
    Unit(team::UnitCommand),
    /// Business cards: scan, review the drafts read from them, save or dismiss.
    Card(cards::CardArgs),
    /// Import contacts from a file (CSV, Excel, text, vCard) or a mailbox, through the server:
    /// prints the mapping found, then previews (--preview) or imports with a progress bar;
    /// the last line is `imported N of M` (exit status 0 whenever the import ran to its end,
    /// rows that failed included). `--sample FORMAT OUT` writes a file to fill in.
    Import(imports::ImportArgs),
    /// Export the contacts you can see (all, a search, a tag, or some ids) to CSV, Excel or
    /// vCard, through the server.
    Export(imports::ExportArgs),
    /// Sync with the server: once, or staying connected with --live.
    Sync(sync::SyncArgs),
    /// Where this device stands: cursor, unsent changes, last sync.
    Status(sync::StatusArgs),
}

/// Runs one command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let home = home_dir(cli.home)?;
    match cli.command {
        Command::Signup(args) => account::signup(&home, args).await,
        Command::Login(args) => account::login(&home, args).await,
        Command::Join(args) => account::join(&home, args).await,
        Command::List(args) => search::list(&home, args).await,
        Command::Search(args) => search::search(&home, args).await,
        Command::Show(args) => contacts::show(&home, args).await,
        Command::Add(args) => contacts::add(&home, args).await,
        Command::Edit(args) => contacts::edit(&home, args).await,
        Command::Delete(args) => contacts::delete(&home, args).await,
        Command::Restore(args) => contacts::restore(&home, args).await,
        Command::Archive(args) => contacts::archive(&home, args).await,
        Command::Unarchive(args) => contacts::unarchive(&home, args).await,
        Command::Tag(args) => activity::tag(&home, args).await,
        Command::Tags(args) => search::tags(&home, args).await,
        Command::Activity(args) => activity::activity(&home, args).await,
        Command::History(args) => history::history(&home, args).await,
        Command::Revert(args) => history::revert(&home, args).await,
        Command::Share(args) => sharing::share(&home, args).await,
        Command::Unshare(args) => sharing::unshare(&home, args).await,
        Command::Transfer(args) => sharing::transfer(&home, args).await,
        Command::Purge(args) => sharing::purge(&home, args).await,
        Command::EmptyTrash => sharing::empty_trash(&home).await,
        Command::Invite(args) => team::invite(&home, args).await,
        Command::Members(args) => team::members(&home, args).await,
        Command::Member(args) => team::member(&home, args).await,
        Command::Groups(args) => team::groups(&home, args).await,
        Command::Group(command) => team::group(&home, command).await,
        Command::Units(args) => team::units(&home, args).await,
        Command::Unit(command) => team::unit(&home, command).await,
        Command::Card(args) => cards::run(&home, args).await,
        Command::Import(args) => imports::import(&home, args).await,
        Command::Export(args) => imports::export(&home, args).await,
        Command::Sync(args) => sync::sync(&home, args).await,
        Command::Status(args) => sync::status(&home, args).await,
    }
}

/// The process exit code for a failed command: 2 when the input was at fault (a field that
/// does not parse, a contact that breaks a rule, an id, revision or name that matches nothing
/// or several, a field that cannot be reverted, a photo the server would refuse, a card not
/// ready to save, an import's `--map` naming no column, a day not `YYYY-MM-DD`), 1 otherwise.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    let input = error.chain().any(|cause| {
        cause.is::<InputError>()
            || matches!(
                cause.downcast_ref::<Error>(),
                Some(
                    Error::Edit(_)
                        | Error::UnknownContact(_)
                        | Error::NoMatch { .. }
                        | Error::AmbiguousId { .. }
                        | Error::ServerUrl { .. }
                        | Error::PhotoTooLarge { .. }
                        | Error::PhotoNotImage { .. }
                        | Error::UnknownCard(_)
                        | Error::NoCardMatch { .. }
                        | Error::AmbiguousCard { .. }
                        | Error::CardNotReady { .. }
                        | Error::CardResolved { .. }
                        | Error::NoSuchCardField { .. }
                        | Error::CardFieldToFix { .. }
                        | Error::CardFixInvalid { .. }
                        | Error::NoRevisionMatch { .. }
                        | Error::AmbiguousRevision { .. }
                        | Error::History(_)
                        | Error::Restore(_)
                        | Error::NoSuchName { .. }
                        | Error::AmbiguousName { .. }
                        | Error::NoSuchColumn { .. }
                        | Error::NotAMapping { .. }
                        | Error::NotADay { .. }
                )
            )
    });
    if input { 2 } else { 1 }
}

/// Writes one line to standard output; see `say!`.
pub(crate) fn write_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if let Err(error) = writeln!(out, "{line}")
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        tracing::warn!(%error, "could not write to standard output");
    }
}

/// The data directory: `--home`, `ROLO_HOME`, `$XDG_DATA_HOME/rolo` or
/// `~/.local/share/rolo`.
fn home_dir(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(home) = given {
        return Ok(home);
    }
    if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(data).join("rolo"));
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .context("no data directory: pass --home or set ROLO_HOME")?;
    Ok(PathBuf::from(home).join(".local/share/rolo"))
}

/// Opens the replica in `home`, creating the directory (private to the user) if needed.
async fn open(home: &Path) -> anyhow::Result<Replica> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(home)
        .with_context(|| format!("could not create the data directory {}", home.display()))?;
    Ok(Replica::open(home.join(REPLICA_FILE)).await?)
}
