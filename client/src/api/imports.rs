//! Bulk import and export over REST (docs/protocol.md §20): the file goes up to the server,
//! which reads it, finds the column mapping, parses every row with the field rules and runs the
//! import as a job; this side only uploads, adjusts, previews, starts, watches and downloads.
//!
//! Files are streamed both ways: an upload is read from disk a chunk at a time (a 100,000-row
//! CSV is never held in memory), and a download (an error file, an export) is written to a
//! temporary file beside its destination and renamed into place once complete, so a broken
//! connection never leaves half a file under the name asked for.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sync_core::ids::ContactId;
use tokio::io::AsyncReadExt as _;
use tokio::io::AsyncWriteExt as _;

use super::rest::Rest;
use super::server_error;
use crate::error::Error;

/// How long an upload or a download may take in all: a large file over a slow link needs far
/// longer than the other calls' 30 seconds.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(3600);

/// The size of each piece of a file sent up.
const UPLOAD_CHUNK: usize = 64 * 1024;

/// An import's id, as the server gave it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImportId(pub String);

impl fmt::Display for ImportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportState {
    /// Read and parsed; nothing saved. The mapping and options may still change.
    Preview,
    /// Saving rows; `done` counts those handled.
    Running,
    /// Every row was handled.
    Done,
    /// The job stopped on an error of its own (not a row's).
    Failed,
    /// Stopped by the user.
    Cancelled,
    /// A state this version does not know (a newer server).
    #[serde(other)]
    Other,
}

impl ImportState {
    /// Whether the job will not move any more.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Failed | Self::Cancelled)
    }
}

/// What to do with a row that matches a contact the member can already see (the same email,
/// E.164 phone or messaging handle).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Duplicates {
    /// Fill only the existing contact's empty fields and add missing list items.
    #[default]
    Merge,
    /// Leave the existing contact alone and count the row as skipped.
    Skip,
    /// The existing contact's fields become the row's.
    Replace,
}

/// One column of the file and where its values go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportColumn {
    /// The column's header as the file has it.
    pub column: String,
    /// The target key (`given`, `phone:mobile`, `note_line`, `ignore`, …).
    pub target: String,
    /// The first few values of the column, to help choose.
    #[serde(default)]
    pub samples: Vec<String>,
}

/// A place a column's values can go, with its label for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The stable key used in a mapping.
    pub key: String,
    /// How a person would call it.
    #[serde(default)]
    pub label: String,
}

/// The options chosen for the whole batch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// What to do with a row matching an existing contact.
    #[serde(default)]
    pub duplicates: Duplicates,
    /// Tags every imported contact gets.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Who may see the imported contacts, in the REST shape of a contact's visibility.
    #[serde(default)]
    pub visibility: Value,
    /// The rows chosen (their line numbers), or `None` for every row.
    #[serde(default)]
    pub lines: Option<Vec<u64>>,
    /// The region national phone numbers are read in.
    #[serde(default)]
    pub region: Option<String>,
}

/// An import as the server reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Import {
    /// Its id.
    pub id: ImportId,
    /// The uploaded file's name, if it had one (a mailbox import has none).
    #[serde(default)]
    pub file_name: Option<String>,
    /// `csv`, `xlsx`, `xls`, `txt`, `vcard` or `mailbox`.
    #[serde(default)]
    pub format: String,
    /// The character encoding read (CSV and text).
    #[serde(default)]
    pub encoding: Option<String>,
    /// The layout recognised (`rolo`, `google_current`, `outlook`, …).
    #[serde(default)]
    pub layout: Option<String>,
    /// Where it stands.
    pub state: ImportState,
    /// The file's columns with their targets (none for vCard).
    #[serde(default)]
    pub columns: Vec<ImportColumn>,
    /// Every target a column can be given.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// The options for the batch.
    #[serde(default)]
    pub options: ImportOptions,
    /// Rows in the file.
    #[serde(default)]
    pub total: u64,
    /// Rows handled so far.
    #[serde(default)]
    pub done: u64,
    /// Rows saved as new contacts.
    #[serde(default)]
    pub imported: u64,
    /// Rows merged into an existing contact.
    #[serde(default)]
    pub merged: u64,
    /// Rows that replaced an existing contact's fields.
    #[serde(default)]
    pub replaced: u64,
    /// Duplicates skipped, and rows left out of the selection.
    #[serde(default)]
    pub skipped: u64,
    /// Rows that could not be saved (they are in the error file).
    #[serde(default)]
    pub failed: u64,
    /// Why the job failed, when it did (the file became unreadable).
    #[serde(default, alias = "message")]
    pub error: Option<String>,
}

impl Import {
    /// The rows saved one way or another: created, merged or replaced.
    pub fn saved(&self) -> u64 {
        self.imported + self.merged + self.replaced
    }
}

/// One column's target in a mapping sent to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnTarget {
    /// The column's header.
    pub column: String,
    /// Its target key.
    pub target: String,
}

/// A change to an import in preview; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportPatch {
    /// The whole mapping, every column with its target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Vec<ColumnTarget>>,
    /// What to do with duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicates: Option<Duplicates>,
    /// Tags for every imported contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Who may see the imported contacts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Value>,
    /// The rows to import: `Some(None)` for all, `Some(Some(lines))` for those lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Option<Vec<u64>>>,
}

impl ImportPatch {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A problem with one field of a row: the row is not imported until it is fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    /// The file's column it came from, when one did.
    #[serde(default)]
    pub column: Option<String>,
    /// The contact field, as the field rules name it (`phones[0].e164`).
    #[serde(default)]
    pub field: String,
    /// A stable code (`phone_not_e164`, `bad_email`, …).
    #[serde(default)]
    pub code: String,
    /// What is wrong, for a person.
    #[serde(default)]
    pub message: String,
}

/// One row as the server parsed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRow {
    /// Its line (CSV, text), row (sheets) or card number.
    pub line: u64,
    /// Whether it is among the rows to import.
    #[serde(default = "selected_by_default")]
    pub selected: bool,
    /// Its parsed values by target key (a string, or a list when several columns share a
    /// target).
    #[serde(default)]
    pub values: BTreeMap<String, Value>,
    /// What keeps it from being imported.
    #[serde(default)]
    pub problems: Vec<RowProblem>,
    /// The existing contact it matches, if any.
    #[serde(default)]
    pub duplicate_of: Option<String>,
}

fn selected_by_default() -> bool {
    true
}

impl ImportRow {
    /// Whether it would be imported: chosen and without a problem.
    pub fn importable(&self) -> bool {
        self.selected && self.problems.is_empty()
    }
}

/// A page of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowPage {
    /// The rows, in file order.
    pub rows: Vec<ImportRow>,
    /// Rows in the whole file.
    #[serde(default)]
    pub total: u64,
}

/// How to read an uploaded file; `None` lets the server detect it.
#[derive(Debug, Clone, Default)]
pub struct UploadOptions {
    /// The name the server sees (its extension helps detect the format).
    pub file_name: Option<String>,
    /// `csv`, `xlsx`, `xls`, `txt` or `vcard`.
    pub format: Option<String>,
    /// A character encoding label (`shift_jis`, `windows-1252`, …).
    pub encoding: Option<String>,
}

/// A mailbox account on an IMAP server (always over TLS). The password is sent for this one
/// call and never stored.
#[derive(Debug, Clone, Serialize)]
pub struct MailboxLogin {
    /// The IMAP server's host name.
    pub host: String,
    /// Its port (993 for IMAP over TLS).
    pub port: u16,
    /// The mailbox user.
    pub username: String,
    /// Its password.
    #[serde(serialize_with = "expose")]
    pub password: crate::account::Secret,
    /// A PEM certificate to trust besides the usual ones (a company's own CA, a test server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
}

fn expose<S: serde::Serializer>(
    secret: &crate::account::Secret,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

/// Which messages of a mailbox to collect addresses from.
#[derive(Debug, Clone, Serialize)]
pub struct MailboxQuery {
    /// The account.
    #[serde(flatten)]
    pub login: MailboxLogin,
    /// The folder (`INBOX`, `Sent`, …).
    pub folder: String,
    /// Messages on or after this day (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Messages before this day (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Only addresses at this domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_domain: Option<String>,
}

/// The formats an export writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Comma-separated values, UTF-8.
    #[default]
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// vCard (3.0 unless asked for 4.0).
    Vcard,
}

impl ExportFormat {
    /// The name the REST API uses.
    pub fn key(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::Vcard => "vcard",
        }
    }

    /// The format a file name's extension asks for, if it names one.
    pub fn from_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            "vcf" | "vcard" => Some(Self::Vcard),
            _ => None,
        }
    }
}

/// Which contacts to export: those matching a search and a tag (all when both are empty), or
/// exactly the ones listed.
#[derive(Debug, Clone, Default)]
pub struct ExportQuery {
    /// The file format.
    pub format: ExportFormat,
    /// vCard 3 (the default, for Apple devices) or 4.
    pub vcard_version: Option<u8>,
    /// Words to search for, as `rolo search` takes them.
    pub search: Option<String>,
    /// Only contacts with this tag.
    pub tag: Option<String>,
    /// These contacts only (the search and tag are then not used).
    pub ids: Vec<ContactId>,
}

/// Upload progress: bytes sent so far, shared with whoever draws it.
pub type Sent = Arc<AtomicU64>;

impl Rest {
    /// `GET /v1/imports/sample?format=`: a sample file (`csv`, `xlsx` or `txt`) with a header
    /// and one row of example values.
    pub async fn import_sample(&self, format: &str) -> Result<Vec<u8>, Error> {
        let url = self.url(&["v1", "imports", "sample"], &[("format", format)])?;
        let response = checked(self.request(Method::GET, url).send().await?).await?;
        Ok(response.bytes().await?.to_vec())
    }

    /// `POST /v1/imports`: streams the file at `path` up (its bytes counted in `sent` as they
    /// go) and answers the import in preview, with the mapping the server found.
    pub async fn upload_import(
        &self,
        path: &Path,
        options: &UploadOptions,
        sent: Sent,
    ) -> Result<Import, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = tokio::fs::File::open(path).await.map_err(io)?;
        let size = file.metadata().await.map_err(io)?.len();
        let mut query = Vec::new();
        if let Some(name) = &options.file_name {
            query.push(("file_name", name.as_str()));
        }
        if let Some(format) = &options.format {
            query.push(("format", format.as_str()));
        }
        if let Some(encoding) = &options.encoding {
            query.push(("encoding", encoding.as_str()));
        }
        let url = self.url(&["v1", "imports"], &query)?;
        let chunks = futures_util::stream::try_unfold((file, sent), |(mut file, sent)| async {
            let mut buffer = vec![0; UPLOAD_CHUNK];
            let read = file.read(&mut buffer).await?;
            if read == 0 {
                return Ok::<_, std::io::Error>(None);
            }
            buffer.truncate(read);
            sent.fetch_add(read as u64, Ordering::Relaxed);
            Ok(Some((buffer, (file, sent))))
        });
        let response = self
            .request(Method::POST, url)
            .timeout(TRANSFER_TIMEOUT)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .header(reqwest::header::CONTENT_LENGTH, size)
            .body(reqwest::Body::wrap_stream(chunks))
            .send()
            .await?;
        json(response).await
    }

    /// `GET /v1/imports`: the caller's imports.
    pub async fn imports(&self) -> Result<Vec<Import>, Error> {
        #[derive(Deserialize)]
        struct List {
            imports: Vec<Import>,
        }
        let list: List = self.fetch(Method::GET, &["v1", "imports"], None).await?;
        Ok(list.imports)
    }

    /// `GET /v1/imports/{id}`: where the import stands.
    pub async fn import(&self, id: &ImportId) -> Result<Import, Error> {
        self.fetch(Method::GET, &["v1", "imports", &id.0], None)
            .await
    }

    /// `PATCH /v1/imports/{id}`: changes the mapping or options of an import in preview.
    pub async fn patch_import(&self, id: &ImportId, patch: &ImportPatch) -> Result<Import, Error> {
        let body = serde_json::to_value(patch)
            .map_err(|error| Error::Protocol(format!("an import change: {error}")))?;
        self.fetch(Method::PATCH, &["v1", "imports", &id.0], Some(&body))
            .await
    }

    /// `GET /v1/imports/{id}/rows`: `limit` parsed rows from the `offset`-th.
    pub async fn import_rows(
        &self,
        id: &ImportId,
        offset: u64,
        limit: u64,
    ) -> Result<RowPage, Error> {
        let (offset, limit) = (offset.to_string(), limit.to_string());
        let url = self.url(
            &["v1", "imports", &id.0, "rows"],
            &[("offset", &offset), ("limit", &limit)],
        )?;
        json(self.request(Method::GET, url).send().await?).await
    }

    /// `POST /v1/imports/{id}/cancel`: stops a running import; rows saved before stay saved.
    pub async fn cancel_import(&self, id: &ImportId) -> Result<Import, Error> {
        self.fetch(Method::POST, &["v1", "imports", &id.0, "cancel"], None)
            .await
    }

    /// `POST /v1/imports/{id}/start`: saves the chosen rows, as a job on the server; poll
    /// [`Rest::import`] for its progress.
    pub async fn start_import(&self, id: &ImportId) -> Result<Import, Error> {
        self.fetch(Method::POST, &["v1", "imports", &id.0, "start"], None)
            .await
    }

    /// `GET /v1/imports/{id}/errors`: the rows that failed, in the uploaded format with an
    /// added error column, written to `out`; returns its size.
    pub async fn import_errors(&self, id: &ImportId, out: &Path) -> Result<u64, Error> {
        let url = self.url(&["v1", "imports", &id.0, "errors"], &[])?;
        let response = self
            .request(Method::GET, url)
            .timeout(TRANSFER_TIMEOUT)
            .send()
            .await?;
        download(checked(response).await?, out).await
    }

    /// `POST /v1/imports/mailbox/folders`: the folders of a mailbox.
    pub async fn mailbox_folders(&self, login: &MailboxLogin) -> Result<Vec<String>, Error> {
        #[derive(Deserialize)]
        struct Folders {
            folders: Vec<String>,
        }
        let body = serde_json::to_value(login)
            .map_err(|error| Error::Protocol(format!("a mailbox login: {error}")))?;
        let folders: Folders = self
            .fetch(
                Method::POST,
                &["v1", "imports", "mailbox", "folders"],
                Some(&body),
            )
            .await?;
        Ok(folders.folders)
    }

    /// `POST /v1/imports/mailbox`: collects the senders and recipients of a folder's messages
    /// into an import in preview, one row each.
    pub async fn mailbox_import(&self, query: &MailboxQuery) -> Result<Import, Error> {
        let body = serde_json::to_value(query)
            .map_err(|error| Error::Protocol(format!("a mailbox query: {error}")))?;
        let url = self.url(&["v1", "imports", "mailbox"], &[])?;
        // Reading a large folder takes the server a while.
        let response = self
            .request(Method::POST, url)
            .timeout(TRANSFER_TIMEOUT)
            .json(&body)
            .send()
            .await?;
        json(response).await
    }

    /// `GET` (a search and tag) or `POST` (a list of ids) `/v1/contacts/export`: the contacts
    /// the caller may see, written to `out`; returns its size.
    pub async fn export(&self, query: &ExportQuery, out: &Path) -> Result<u64, Error> {
        let version = query.vcard_version.map(|v| v.to_string());
        let request = if query.ids.is_empty() {
            let mut pairs = vec![("format", query.format.key())];
            if let Some(version) = &version {
                pairs.push(("vcard_version", version));
            }
            if let Some(search) = &query.search {
                pairs.push(("q", search));
            }
            if let Some(tag) = &query.tag {
                pairs.push(("tag", tag));
            }
            let url = self.url(&["v1", "contacts", "export"], &pairs)?;
            self.request(Method::GET, url)
        } else {
            let url = self.url(&["v1", "contacts", "export"], &[])?;
            let ids: Vec<String> = query.ids.iter().map(ToString::to_string).collect();
            let mut body = serde_json::json!({ "format": query.format.key(), "ids": ids });
            if let Some(version) = query.vcard_version {
                body["vcard_version"] = version.into();
            }
            self.request(Method::POST, url).json(&body)
        };
        let response = request.timeout(TRANSFER_TIMEOUT).send().await?;
        download(checked(response).await?, out).await
    }
}

/// The response if it succeeded, else the server's error.
async fn checked(response: reqwest::Response) -> Result<reqwest::Response, Error> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let text = response.text().await.unwrap_or_default();
    Err(server_error(status.as_u16(), &text))
}

/// A JSON answer, or the server's error.
async fn json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, Error> {
    let path = response.url().path().to_string();
    let text = checked(response).await?.text().await?;
    serde_json::from_str(&text)
        .map_err(|error| Error::Protocol(format!("the server's answer to {path}: {error}")))
}

/// Writes the answer's body to `out` through a temporary file beside it; returns its size.
async fn download(mut response: reqwest::Response, out: &Path) -> Result<u64, Error> {
    let partial = partial_path(out);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let mut file = tokio::fs::File::create(&partial)
        .await
        .map_err(io(&partial))?;
    let mut size = 0u64;
    let written = async {
        while let Some(chunk) = response.chunk().await? {
            file.write_all(&chunk).await.map_err(io(&partial))?;
            size += chunk.len() as u64;
        }
        file.sync_all().await.map_err(io(&partial))?;
        Ok::<_, Error>(())
    }
    .await;
    drop(file);
    match written {
        Ok(()) => {
            tokio::fs::rename(&partial, out).await.map_err(io(out))?;
            Ok(size)
        }
        Err(error) => {
            // Best effort: the partial file is ours and useless.
            let _ = tokio::fs::remove_file(&partial).await;
            Err(error)
        }
    }
}

/// `out` with `.part` added to its name, in the same directory (so the rename is atomic).
fn partial_path(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    out.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_reads_from_the_contract_shape_and_unknown_states_do_not_fail() {
        let json = serde_json::json!({
            "id": "7f0c", "file_name": "people.csv", "format": "csv", "encoding": "UTF-8",
            "layout": "rolo", "state": "preview",
            "columns": [{"column": "Mobile", "target": "phone:mobile", "samples": ["090-1234-5678"]}],
            "targets": [{"key": "phone:mobile", "label": "Phone (mobile)"}],
            "options": {"duplicates": "skip", "tags": ["fair"], "visibility": {"all": true}, "lines": null, "region": "JP"},
            "total": 3, "done": 0, "imported": 0, "merged": 0, "replaced": 0, "skipped": 0, "failed": 0,
            "created_ms": 1, "finished_ms": null
        });
        let import: Import = serde_json::from_value(json).unwrap();
        assert_eq!(import.state, ImportState::Preview);
        assert_eq!(import.options.duplicates, Duplicates::Skip);
        assert_eq!(import.columns[0].samples, ["090-1234-5678"]);
        let later: ImportState = serde_json::from_value(serde_json::json!("paused")).unwrap();
        assert_eq!(later, ImportState::Other);
        assert!(!later.is_finished());
    }

    #[test]
    fn a_patch_sends_only_what_changes_and_all_rows_as_null() {
        let patch = ImportPatch {
            duplicates: Some(Duplicates::Replace),
            lines: Some(None),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            serde_json::json!({"duplicates": "replace", "lines": null})
        );
        assert!(ImportPatch::default().is_empty());
    }

    #[test]
    fn the_export_format_follows_the_file_name() {
        assert_eq!(
            ExportFormat::from_path(Path::new("team.VCF")),
            Some(ExportFormat::Vcard)
        );
        assert_eq!(
            ExportFormat::from_path(Path::new("a/b.xlsx")),
            Some(ExportFormat::Xlsx)
        );
        assert_eq!(ExportFormat::from_path(Path::new("people")), None);
        assert_eq!(
            partial_path(Path::new("/tmp/x/out.csv")),
            Path::new("/tmp/x/out.csv.part")
        );
    }

    #[test]
    fn a_mailbox_query_is_flat_and_carries_the_password_once() {
        let query = MailboxQuery {
            login: MailboxLogin {
                host: "imap.kita.example".into(),
                port: 993,
                username: "aiko".into(),
                password: crate::account::Secret::new("pw"),
                ca_pem: None,
            },
            folder: "INBOX".into(),
            since: Some("2026-01-01".into()),
            before: None,
            sender_domain: None,
        };
        assert_eq!(
            serde_json::to_value(&query).unwrap(),
            serde_json::json!({"host": "imap.kita.example", "port": 993, "username": "aiko",
                "password": "pw", "folder": "INBOX", "since": "2026-01-01"})
        );
        assert!(!format!("{query:?}").contains("pw\""));
    }
}
