//! `rolo import` and `rolo export`: bulk import and export, run by the server (docs/protocol.md
//! §20). The file is streamed up, the server finds the mapping and parses every row; this
//! command changes what the user asked to change, prints the mapping, then previews or
//! starts the import and watches it to the end. The last line on standard output is always
//! `imported N of M` (or `would import N of M` for a preview), so scripts can read it.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{ArgGroup, Args, ValueEnum};

use crate::account::Secret;
use crate::api::Rest;
use crate::api::imports::{
    ColumnTarget, Duplicates, ExportFormat, ExportQuery, Import, ImportPatch, ImportState,
    MailboxLogin, MailboxQuery, UploadOptions,
};
use crate::error::Error;
use crate::sync::{SyncOptions, sync_once};
use crate::view::imports as view;

/// How often a running import is asked where it stands.
const POLL: Duration = Duration::from_millis(250);

/// How often a plain progress line is written when standard error is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(1);

/// Rows fetched per page of a preview.
const PREVIEW_PAGE: u64 = 500;

/// Cells of the progress bar.
const BAR_WIDTH: usize = 30;

/// The formats a sample file comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SampleFormat {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// Rolo's plain-text format.
    Txt,
}

/// The formats an uploaded file can be read as (detected when not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FileFormat {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook (2007 and later).
    Xlsx,
    /// An Excel workbook (97–2003).
    Xls,
    /// Rolo's plain-text format.
    Txt,
    /// vCard 3.0 or 4.0.
    Vcard,
}

/// Arguments of `rolo import`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["file", "sample", "imap"])))]
pub struct ImportArgs {
    /// The file to import: CSV, Excel (XLSX, XLS), Rolo's text format or vCard. The server
    /// reads it and finds the columns' mapping; this prints the mapping first.
    #[arg(conflicts_with_all = ["sample", "imap"])]
    file: Option<PathBuf>,
    /// Save nothing: print each row's values and problems, then `would import N of M`.
    #[arg(long)]
    preview: bool,
    /// Send a column's values to another field than the mapping found, as COLUMN=FIELD
    /// (`"Mobile Phone=phone:mobile"`, `Fax=ignore`, `Budget=custom:Budget`). Repeatable.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    map: Vec<String>,
    /// A row matching a contact you can see (same email, phone or messaging handle): merge
    /// into it (fill its empty fields), skip it, or replace its fields. Default: merge.
    #[arg(long, value_enum)]
    duplicates: Option<Duplicates>,
    /// Tag every imported contact. Repeatable.
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Only you can see the imported contacts (default: everyone in the company).
    #[arg(long)]
    private: bool,
    /// Write the rows that could not be imported here, in the file's format with an added
    /// error column: fix them and import that file as it is.
    #[arg(long, value_name = "ERRFILE")]
    errors: Option<PathBuf>,
    /// Do not sync this device after the import (by default the new contacts are fetched at
    /// once; after a very large import a later `rolo sync` may suit better).
    #[arg(long)]
    no_sync: bool,
    /// Read the file as this format (default: detected).
    #[arg(long, value_enum, value_name = "F")]
    format: Option<FileFormat>,
    /// Read a CSV or text file in this character encoding (`shift_jis`, `euc-kr`, `gb18030`,
    /// `windows-1252`, `utf-16le`; default: detected).
    #[arg(long, value_name = "E")]
    encoding: Option<String>,
    /// Write a sample file to fill in (csv, xlsx or txt) to OUT, and import nothing.
    #[arg(long, num_args = 2, value_names = ["FORMAT", "OUT"], conflicts_with_all = ["imap", "preview", "map", "errors"])]
    sample: Option<Vec<String>>,
    /// Import the people in a mailbox's messages instead of a file: the IMAP server (over
    /// TLS; port 993 unless given). The password comes from ROLO_IMAP_PASSWORD, else it is
    /// asked for; it is used for this call only and never stored.
    #[arg(long, value_name = "HOST[:PORT]", requires = "user")]
    imap: Option<String>,
    /// The mailbox user name (with --imap).
    #[arg(long, value_name = "U", requires = "imap")]
    user: Option<String>,
    /// The mailbox folder to read (with --imap), e.g. INBOX.
    #[arg(long, value_name = "F", requires = "imap", conflicts_with = "folders")]
    folder: Option<String>,
    /// List the mailbox's folders and import nothing (with --imap).
    #[arg(long, requires = "imap")]
    folders: bool,
    /// Only messages on or after this day, YYYY-MM-DD (with --imap).
    #[arg(long, value_name = "D", requires = "folder")]
    since: Option<String>,
    /// Only messages before this day, YYYY-MM-DD (with --imap).
    #[arg(long, value_name = "D", requires = "folder")]
    before: Option<String>,
    /// Only people whose address is at this domain (with --imap).
    #[arg(long, value_name = "D", requires = "folder")]
    domain: Option<String>,
    /// Trust this PEM certificate for the IMAP server besides the system's (with --imap):
    /// a company's own CA, or a test server's.
    #[arg(long, value_name = "PEM", requires = "imap")]
    imap_ca: Option<PathBuf>,
}

/// Arguments of `rolo export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write.
    out: PathBuf,
    /// The file format (default: from OUT's extension — .csv, .xlsx, .vcf — else csv).
    #[arg(long, value_enum)]
    format: Option<ExportFormat>,
    /// vCard version: 3 (default, what Apple devices read) or 4.
    #[arg(long, value_name = "3|4", value_parser = clap::value_parser!(u8).range(3..=4))]
    vcard_version: Option<u8>,
    /// Only the contacts this search finds (as `rolo search` reads it).
    #[arg(long, value_name = "QUERY")]
    search: Option<String>,
    /// Only contacts with this tag.
    #[arg(long, value_name = "T")]
    tag: Option<String>,
    /// Only these contacts (an id or the start of one). Repeatable; the search and tag are
    /// then not used.
    #[arg(long = "id", value_name = "ID", conflicts_with_all = ["search", "tag"])]
    ids: Vec<String>,
}

pub(super) async fn import(home: &Path, args: ImportArgs) -> anyhow::Result<()> {
    if let Some(sample) = &args.sample {
        return write_sample(home, sample).await;
    }
    let mut replica = super::open(home).await?;
    if args.folders {
        let rest = Rest::signed_in(&mut replica).await?;
        replica.close().await?;
        let folders = rest.mailbox_folders(&mailbox_login(&args)?).await?;
        for folder in folders {
            say!("{folder}");
        }
        return Ok(());
    }
    // The server looks for duplicates among the contacts it has: this device's edits first.
    sync_once(&mut replica, &SyncOptions::default())
        .await
        .context("could not sync before importing")?;
    let rest = Rest::signed_in(&mut replica).await?;

    let import = match (&args.file, &args.imap) {
        (Some(file), _) => upload(&rest, file, &args).await?,
        (None, Some(_)) => {
            let query = mailbox_query(&args)?;
            eprintln!("reading {} at {}…", query.folder, query.login.host);
            rest.mailbox_import(&query).await?
        }
        (None, None) => unreachable!("clap requires a file, --sample or --imap"),
    };
    let patch = patch_for(&import, &args)?;
    let import = if patch.is_empty() {
        import
    } else {
        rest.patch_import(&import.id, &patch).await?
    };
    for line in view::mapping_lines(&import) {
        say!("{line}");
    }

    if args.preview {
        replica.close().await?;
        let mut would = 0;
        let mut offset = 0;
        loop {
            let page = rest.import_rows(&import.id, offset, PREVIEW_PAGE).await?;
            for row in &page.rows {
                for line in view::row_lines(row, &import) {
                    say!("{line}");
                }
                if view::would_import(row, import.options.duplicates) {
                    would += 1;
                }
            }
            offset += page.rows.len() as u64;
            if page.rows.is_empty() || offset >= page.total {
                break;
            }
        }
        say!("would import {would} of {}", import.total);
        return Ok(());
    }

    let started = rest.start_import(&import.id).await?;
    let finished = watch(&rest, started).await?;
    if finished.failed > 0
        && let Some(path) = &args.errors
    {
        rest.import_errors(&finished.id, path).await?;
        say!(
            "wrote the {} rows not imported to {}",
            finished.failed,
            path.display()
        );
    }
    if finished.failed > 0 && args.errors.is_none() {
        eprintln!(
            "{} rows were not imported; the error file has them with their reasons (next time \
             pass --errors ERRFILE; or GET /v1/imports/{}/errors)",
            finished.failed, finished.id
        );
    }
    // The new contacts come to this device now, not at some later sync.
    if finished.saved() > 0
        && !args.no_sync
        && let Err(error) = sync_once(&mut replica, &SyncOptions::default()).await
    {
        eprintln!("warning: imported, but this device could not sync: {error}");
    }
    replica.close().await?;
    say!("{}", view::outcome_line(&finished));
    say!("{}", view::imported_line(&finished));
    if finished.state != ImportState::Done {
        return Err(Error::ImportStopped {
            message: finished
                .error
                .clone()
                .unwrap_or_else(|| format!("{:?}", finished.state).to_lowercase()),
        }
        .into());
    }
    Ok(())
}

pub(super) async fn export(home: &Path, args: ExportArgs) -> anyhow::Result<()> {
    let mut replica = super::open(home).await?;
    // The server exports what it has: this device's edits go first.
    sync_once(&mut replica, &SyncOptions::default())
        .await
        .context("could not sync before exporting")?;
    let mut ids = Vec::with_capacity(args.ids.len());
    for id in &args.ids {
        ids.push(replica.resolve(id).await?);
    }
    let rest = Rest::signed_in(&mut replica).await?;
    replica.close().await?;
    let format = args
        .format
        .or_else(|| ExportFormat::from_path(&args.out))
        .unwrap_or_default();
    let query = ExportQuery {
        format,
        vcard_version: args.vcard_version,
        search: args.search.filter(|s| !s.trim().is_empty()),
        tag: args.tag,
        ids,
    };
    let size = rest.export(&query, &args.out).await?;
    say!(
        "exported to {} ({}, {size} bytes)",
        args.out.display(),
        match (format, args.vcard_version) {
            (ExportFormat::Vcard, Some(4)) => "vcard 4.0".to_string(),
            (ExportFormat::Vcard, _) => "vcard 3.0".to_string(),
            (other, _) => other.key().to_string(),
        }
    );
    Ok(())
}

/// `--sample FORMAT OUT`: the server's sample file, written to OUT.
async fn write_sample(home: &Path, sample: &[String]) -> anyhow::Result<()> {
    let [format, out] = sample else {
        unreachable!("clap takes exactly two values for --sample");
    };
    let format = SampleFormat::from_str(format, true)
        .map_err(|_| anyhow::anyhow!("--sample: {format:?} is not csv, xlsx or txt"))?;
    let key = format
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let mut replica = super::open(home).await?;
    let rest = Rest::signed_in(&mut replica).await?;
    replica.close().await?;
    let bytes = rest.import_sample(&key).await?;
    std::fs::write(out, &bytes).with_context(|| format!("could not write {out}"))?;
    say!("wrote a {key} sample to {out}");
    Ok(())
}

/// Streams the file up with a progress bar on a terminal.
async fn upload(rest: &Rest, file: &Path, args: &ImportArgs) -> anyhow::Result<Import> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("could not read {}", file.display()))?
        .len();
    let options = UploadOptions {
        file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
        format: args.format.and_then(|f| {
            f.to_possible_value()
                .map(|value| value.get_name().to_string())
        }),
        encoding: args.encoding.clone(),
    };
    let sent = Arc::new(AtomicU64::new(0));
    let mut progress = Progress::new();
    let call = rest.upload_import(file, &options, Arc::clone(&sent));
    tokio::pin!(call);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let import = loop {
        tokio::select! {
            answer = &mut call => break answer,
            _ = tick.tick() => progress.show("uploading", kib(sent.load(Ordering::Relaxed)), kib(size), "KiB"),
        }
    };
    progress.finish();
    import.with_context(|| format!("could not upload {}", file.display()))
}

/// Bytes in KiB, rounded up (a small file is 1 KiB, not 0).
fn kib(bytes: u64) -> u64 {
    bytes.div_ceil(1024)
}

/// Polls a started import until it finishes, drawing its progress. Ctrl-C cancels it (the
/// rows saved so far stay saved) rather than leaving it running unseen.
async fn watch(rest: &Rest, mut import: Import) -> anyhow::Result<Import> {
    let mut progress = Progress::new();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let mut cancelled = false;
    while !import.state.is_finished() {
        progress.show("importing", import.done, import.total, "rows");
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = &mut interrupted, if !cancelled => {
                cancelled = true;
                progress.finish();
                eprintln!("cancelling the import; the rows saved so far stay saved");
                import = rest.cancel_import(&import.id).await?;
                continue;
            }
        }
        import = rest.import(&import.id).await?;
    }
    progress.show("importing", import.done, import.total, "rows");
    progress.finish();
    Ok(import)
}

/// The change the options ask for, against what the server found.
fn patch_for(import: &Import, args: &ImportArgs) -> Result<ImportPatch, Error> {
    let mut patch = ImportPatch::default();
    if !args.map.is_empty() {
        let mut mapping: Vec<ColumnTarget> = import
            .columns
            .iter()
            .map(|c| ColumnTarget {
                column: c.column.clone(),
                target: c.target.clone(),
            })
            .collect();
        for given in &args.map {
            let (column, target) = given
                .rsplit_once('=')
                .filter(|(column, target)| !column.trim().is_empty() && !target.trim().is_empty())
                .ok_or_else(|| Error::NotAMapping {
                    value: given.clone(),
                })?;
            let at = column_index(&mapping, column.trim()).ok_or_else(|| Error::NoSuchColumn {
                column: column.to_string(),
                columns: import.columns.iter().map(|c| c.column.clone()).collect(),
            })?;
            mapping[at].target = target.trim().to_string();
        }
        patch.mapping = Some(mapping);
    }
    if let Some(duplicates) = args.duplicates
        && duplicates != import.options.duplicates
    {
        patch.duplicates = Some(duplicates);
    }
    if !args.tags.is_empty() {
        patch.tags = Some(args.tags.clone());
    }
    if args.private {
        patch.visibility = Some(crate::api::sharing::visibility_json(
            &sync_core::wire::Visibility::Members {
                members: Vec::new(),
                groups: Vec::new(),
                units: Vec::new(),
            },
        ));
    }
    Ok(patch)
}

/// The column named exactly, else the one named so ignoring case if only one is.
fn column_index(mapping: &[ColumnTarget], name: &str) -> Option<usize> {
    if let Some(at) = mapping.iter().position(|c| c.column == name) {
        return Some(at);
    }
    let mut folded = mapping
        .iter()
        .enumerate()
        .filter(|(_, c)| c.column.trim().eq_ignore_ascii_case(name));
    match (folded.next(), folded.next()) {
        (Some((at, _)), None) => Some(at),
        _ => None,
    }
}

fn mailbox_login(args: &ImportArgs) -> anyhow::Result<MailboxLogin> {
    let address = args.imap.as_deref().unwrap_or_default();
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') || host.starts_with('[') => (
            host.trim_matches(['[', ']']).to_string(),
            port.parse::<u16>()
                .with_context(|| format!("--imap: {port:?} is not a port"))?,
        ),
        _ => (address.to_string(), 993),
    };
    anyhow::ensure!(!host.is_empty(), "--imap: no host given");
    let ca_pem = match &args.imap_ca {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("--imap-ca: could not read {}", path.display()))?,
        ),
        None => None,
    };
    Ok(MailboxLogin {
        host,
        port,
        username: args.user.clone().unwrap_or_default(),
        password: imap_password()?,
        ca_pem,
    })
}

fn mailbox_query(args: &ImportArgs) -> anyhow::Result<MailboxQuery> {
    let folder = args
        .folder
        .clone()
        .context("--imap needs --folder (or --folders to list them)")?;
    Ok(MailboxQuery {
        login: mailbox_login(args)?,
        folder,
        since: day("--since", args.since.as_deref())?,
        before: day("--before", args.before.as_deref())?,
        sender_domain: args
            .domain
            .as_ref()
            .map(|d| d.trim().trim_start_matches('@').to_ascii_lowercase()),
    })
}

/// A `YYYY-MM-DD` day as given, checked.
fn day(option: &'static str, value: Option<&str>) -> Result<Option<String>, Error> {
    let Some(value) = value else { return Ok(None) };
    let bad = || Error::NotADay {
        option,
        value: value.to_string(),
    };
    let parts: Vec<&str> = value.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(bad());
    };
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return Err(bad());
    }
    let (month, day): (u32, u32) = (
        month.parse().map_err(|_| bad())?,
        day.parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    Ok(Some(value.to_string()))
}

/// The mailbox password: ROLO_IMAP_PASSWORD, else asked for on the terminal, else the first
/// line of standard input.
fn imap_password() -> anyhow::Result<Secret> {
    if let Some(password) = std::env::var_os("ROLO_IMAP_PASSWORD") {
        return Ok(Secret::new(password.to_string_lossy().into_owned()));
    }
    super::account::ask_password("Mailbox password: ")
}

/// A progress display on standard error: a bar redrawn in place on a terminal, otherwise a
/// plain line now and then (logs and pipes get no control characters).
struct Progress {
    terminal: bool,
    drawn: bool,
    last_plain: Option<(Instant, u64)>,
}

impl Progress {
    fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            drawn: false,
            last_plain: None,
        }
    }

    fn show(&mut self, label: &str, done: u64, total: u64, unit: &str) {
        if self.terminal {
            eprint!(
                "\r{}\x1b[K",
                view::progress_bar(label, done, total, unit, BAR_WIDTH)
            );
            self.drawn = true;
            return;
        }
        let due = match self.last_plain {
            None => true,
            Some((at, before)) => before != done && at.elapsed() >= PLAIN_EVERY,
        };
        if due {
            eprintln!("{label}: {done} of {total} {unit}");
            self.last_plain = Some((Instant::now(), done));
        }
    }

    fn finish(&mut self) {
        if self.drawn {
            eprintln!();
            self.drawn = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(columns: &[&str]) -> Vec<ColumnTarget> {
        columns
            .iter()
            .map(|c| ColumnTarget {
                column: (*c).into(),
                target: "ignore".into(),
            })
            .collect()
    }

    #[test]
    fn a_column_is_found_by_its_exact_name_else_ignoring_case_when_unique() {
        let columns = mapping(&["Mobile", "Email", "email"]);
        assert_eq!(column_index(&columns, "Mobile"), Some(0));
        assert_eq!(column_index(&columns, "MOBILE"), Some(0));
        assert_eq!(column_index(&columns, "email"), Some(2));
        assert_eq!(
            column_index(&columns, "EMAIL"),
            None,
            "two columns fold to it"
        );
        assert_eq!(column_index(&columns, "Fax"), None);
    }

    /// `rolo import ARGS…` as clap reads it.
    fn parse(args: &[&str]) -> ImportArgs {
        #[derive(clap::Parser)]
        struct Command {
            #[command(flatten)]
            args: ImportArgs,
        }
        use clap::Parser as _;
        Command::try_parse_from([&["import"], args].concat())
            .unwrap()
            .args
    }

    fn uploaded() -> Import {
        serde_json::from_value(serde_json::json!({
            "id": "i1", "format": "csv", "state": "preview", "total": 2,
            "columns": [
                {"column": "Given", "target": "note_line", "samples": []},
                {"column": "Mobile Phone", "target": "phone:mobile", "samples": []},
            ],
            "options": {"duplicates": "merge", "tags": [], "visibility": null, "lines": null},
        }))
        .unwrap()
    }

    #[test]
    fn options_become_one_patch_with_the_whole_mapping() {
        let args = parse(&[
            "people.csv",
            "--map",
            "given=given",
            "--map",
            "Mobile Phone = phone:work",
            "--duplicates",
            "merge",
            "--tag",
            "fair",
            "--private",
        ]);
        let patch = patch_for(&uploaded(), &args).unwrap();
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            serde_json::json!({
                "mapping": [
                    {"column": "Given", "target": "given"},
                    {"column": "Mobile Phone", "target": "phone:work"},
                ],
                "tags": ["fair"],
                "visibility": {"all": false, "members": [], "groups": [], "units": []},
            }),
            "merge is already the import's, so it is not sent"
        );
        assert!(
            patch_for(&uploaded(), &parse(&["people.csv"]))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_mapping_naming_no_column_or_without_a_field_is_refused() {
        let no_column = patch_for(&uploaded(), &parse(&["a.csv", "--map", "Fax=ignore"]));
        assert!(
            matches!(&no_column, Err(Error::NoSuchColumn { columns, .. }) if columns.len() == 2),
            "{no_column:?}"
        );
        let no_field = patch_for(&uploaded(), &parse(&["a.csv", "--map", "Given="]));
        assert!(matches!(no_field, Err(Error::NotAMapping { .. })));
    }

    #[test]
    fn a_sample_a_file_or_a_mailbox_but_only_one() {
        use clap::Parser as _;
        #[derive(clap::Parser, Debug)]
        struct Command {
            #[command(flatten)]
            args: ImportArgs,
        }
        assert!(Command::try_parse_from(["import"]).is_err());
        assert!(Command::try_parse_from(["import", "a.csv", "--sample", "csv", "b.csv"]).is_err());
        assert!(
            Command::try_parse_from(["import", "--imap", "imap.example", "--folders"]).is_err(),
            "--user is needed"
        );
        let sample = parse(&["--sample", "xlsx", "out.xlsx"]);
        assert_eq!(
            sample.sample.as_deref(),
            Some(&["xlsx".to_string(), "out.xlsx".to_string()][..])
        );
    }

    #[test]
    fn days_are_year_month_day() {
        assert_eq!(
            day("--since", Some("2026-03-01")).unwrap().as_deref(),
            Some("2026-03-01")
        );
        assert!(day("--since", None).unwrap().is_none());
        for bad in ["03/01/2026", "2026-3-1", "2026-13-01", "yesterday"] {
            assert!(
                matches!(day("--since", Some(bad)), Err(Error::NotADay { .. })),
                "{bad}"
            );
        }
    }
}
