//! Bulk imports in the store: the import as a job (its file's description, the mapping and
//! options the member chose, where the job stands), the rows that failed, and what duplicate
//! detection reads.
//!
//! An import is one row from upload to its end. The job that runs it writes its progress
//! after every batch (`position`: records settled, in file order, with the counts), so a job
//! cut off by a restart is picked up where its last batch ended. Several server nodes may share
//! the database: a running import has one runner, a server process holding a [`Lease`] that
//! its job renews with every batch, and another node takes it over only once the lease ran
//! out ([`ImportStore::orphaned_imports`], [`ImportStore::claim_import`]).
//! The contacts themselves are committed through [`Store::commit`](super::Store::commit) like
//! any push; the job makes each row's change byte for byte the same when it makes it again, so
//! a batch committed just before the cut is recognised (`AlreadyStored`) and never doubled.

use async_trait::async_trait;
use sync_core::access::Viewer;
use sync_core::ids::{ContactId, MemberId, TenantId};
use uuid::Uuid;

use super::StoreError;

/// An import's id: chosen by the server at upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImportId(Uuid);

impl ImportId {
    /// A fresh random id.
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    /// The id from its 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(Uuid::from_bytes(bytes))
    }

    /// Its 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
}

impl std::fmt::Display for ImportId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An import id that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an import id (a UUID)")]
pub struct BadImportId(pub String);

impl std::str::FromStr for ImportId {
    type Err = BadImportId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(text)
            .map(Self)
            .map_err(|_| BadImportId(text.to_string()))
    }
}

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportState {
    /// Uploaded and read; nothing saved yet. Mapping and options may change.
    Preview,
    /// The job is saving rows (or will resume at start-up).
    Running,
    /// Every row was settled: imported, merged, replaced, skipped or failed.
    Done,
    /// The job could not go on (the file became unreadable); `error` says why.
    Failed,
    /// The member gave it up.
    Cancelled,
}

impl ImportState {
    /// The stored (and JSON) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preview => "preview",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "preview" => Self::Preview,
            "running" => Self::Running,
            "done" => Self::Done,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            other => return Err(StoreError::Corrupt(format!("import state {other:?}"))),
        })
    }
}

/// How many records an import has and how those settled so far ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Records in the file (selected or not).
    pub total: u64,
    /// Records settled so far.
    pub done: u64,
    /// New contacts created.
    pub imported: u64,
    /// Duplicates whose empty fields were filled.
    pub merged: u64,
    /// Duplicates whose fields became the row's.
    pub replaced: u64,
    /// Duplicates left as they were, and rows not selected.
    pub skipped: u64,
    /// Rows that could not be imported (see [`ImportStore::import_failures`]).
    pub failed: u64,
}

/// A file just uploaded and read, to store in `preview`.
#[derive(Debug, Clone)]
pub struct NewImport {
    /// Its id (the file in the import folder is named by it).
    pub id: ImportId,
    /// Who uploaded it.
    pub member: MemberId,
    /// The file's name as uploaded.
    pub file_name: String,
    /// The format read (`csv`, `xlsx`, …, `mailbox`).
    pub format: String,
    /// The text encoding read.
    pub encoding: String,
    /// The layout recognised.
    pub layout: String,
    /// The headers, in order.
    pub columns: Vec<String>,
    /// The mapping, as JSON.
    pub mapping: String,
    /// The options, as JSON.
    pub options: String,
    /// Records in the file.
    pub total: u64,
    /// Milliseconds since the Unix epoch.
    pub now_ms: i64,
}

/// An import as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    /// The tenant.
    pub tenant: TenantId,
    /// The import.
    pub id: ImportId,
    /// Who uploaded it.
    pub member: MemberId,
    /// The file's name as uploaded.
    pub file_name: String,
    /// The format read.
    pub format: String,
    /// The text encoding read.
    pub encoding: String,
    /// The layout recognised.
    pub layout: String,
    /// The headers, in order.
    pub columns: Vec<String>,
    /// The mapping, as JSON.
    pub mapping: String,
    /// The options, as JSON.
    pub options: String,
    /// Where it stands.
    pub state: ImportState,
    /// The counts so far.
    pub counts: ImportCounts,
    /// Records settled, in file order: where a resumed job goes on.
    pub position: u64,
    /// When the job started (the time its changes carry).
    pub started_ms: Option<i64>,
    /// Why it failed as a whole.
    pub error: Option<String>,
    /// When it was uploaded.
    pub created_ms: i64,
    /// When it last changed.
    pub updated_ms: i64,
    /// When it ended.
    pub finished_ms: Option<i64>,
    /// When its uploaded file was deleted (some days after it ended).
    pub file_deleted_ms: Option<i64>,
}

/// A server process's claim on the imports it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// The process, by an id it picks at start-up.
    pub runner: Uuid,
    /// How long a claim holds without being renewed, in milliseconds.
    pub ms: i64,
}

impl Lease {
    /// A claim for a process starting now.
    pub fn new(duration: std::time::Duration) -> Self {
        Self {
            runner: Uuid::new_v4(),
            ms: i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
        }
    }
}

/// What a batch of the job settled, stored in one transaction.
#[derive(Debug, Clone, Default)]
pub struct ImportProgress {
    /// The counts after the batch.
    pub counts: ImportCounts,
    /// Records settled after the batch.
    pub position: u64,
    /// The batch's failed rows: line and why.
    pub failures: Vec<(u64, String)>,
}

/// A live contact's values duplicate detection compares (lowercase emails, E.164 phones,
/// messaging handles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchRow {
    /// The contact.
    pub contact: ContactId,
    /// Its email addresses, lowercase.
    pub emails: Vec<String>,
    /// Its phones in E.164.
    pub phones: Vec<String>,
    /// Its messaging handles as `network:handle`, lowercase.
    pub handles: Vec<String>,
}

/// The columns every import query selects, in this order.
macro_rules! import_columns {
    () => {
        "tenant_id, id, member_id, file_name, format, encoding, layout, columns, mapping, \
         options, state, total, done, imported, merged, replaced, skipped, failed, position, \
         started_ms, error, created_ms, updated_ms, finished_ms, file_deleted_ms"
    };
}
pub(crate) use import_columns;

/// An import row as selected by [`import_columns`], column by column (more than the 16
/// columns sqlx reads into a tuple).
pub(crate) struct ImportRow {
    pub tenant: Uuid,
    pub id: Uuid,
    pub member: Uuid,
    pub text: [String; 8],
    pub numbers: [i64; 8],
    pub started_ms: Option<i64>,
    pub error: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub finished_ms: Option<i64>,
    pub file_deleted_ms: Option<i64>,
}

/// An import from its row.
pub(crate) fn import_record(row: ImportRow) -> Result<ImportRecord, StoreError> {
    let [
        file_name,
        format,
        encoding,
        layout,
        columns,
        mapping,
        options,
        state,
    ] = row.text;
    let [
        total,
        done,
        imported,
        merged,
        replaced,
        skipped,
        failed,
        position,
    ] = row.numbers.map(|value| value.max(0) as u64);
    let id = row.id;
    Ok(ImportRecord {
        tenant: TenantId::from_bytes(row.tenant.into_bytes()),
        id: ImportId(id),
        member: MemberId::from_bytes(row.member.into_bytes()),
        file_name,
        format,
        encoding,
        layout,
        columns: serde_json::from_str(&columns)
            .map_err(|error| StoreError::Corrupt(format!("import {id} columns: {error}")))?,
        mapping,
        options,
        state: ImportState::parse(&state)?,
        counts: ImportCounts {
            total,
            done,
            imported,
            merged,
            replaced,
            skipped,
            failed,
        },
        position,
        started_ms: row.started_ms,
        error: row.error,
        created_ms: row.created_ms,
        updated_ms: row.updated_ms,
        finished_ms: row.finished_ms,
        file_deleted_ms: row.file_deleted_ms,
    })
}

/// The part of the store that holds imports.
#[async_trait]
pub trait ImportStore {
    /// Store a file just read, in `preview`.
    async fn create_import(
        &self,
        tenant: TenantId,
        new: &NewImport,
    ) -> Result<ImportRecord, StoreError>;
    /// One import.
    async fn import(
        &self,
        tenant: TenantId,
        id: ImportId,
    ) -> Result<Option<ImportRecord>, StoreError>;
    /// A member's imports, newest first.
    async fn imports_of(
        &self,
        tenant: TenantId,
        member: MemberId,
    ) -> Result<Vec<ImportRecord>, StoreError>;
    /// Change the mapping and options of an import still in `preview`; `false` (nothing
    /// changed) once it left `preview`.
    async fn set_import_setup(
        &self,
        tenant: TenantId,
        id: ImportId,
        mapping: &str,
        options: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Move an import from `preview` to `running`, started at `now_ms` and run under `lease`;
    /// `false` if it was not in `preview` (started twice, cancelled, its file deleted).
    async fn start_import(
        &self,
        tenant: TenantId,
        id: ImportId,
        lease: Lease,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Record a batch's progress and failed rows in one transaction (a failure recorded again
    /// after a restart is kept once), renewing `lease`, for an import whose runner is still
    /// `lease`'s: a `running` one, or one cancelled while the batch committed (its rows are
    /// saved, so they are counted). `true` if the job goes on: `false` once it was cancelled
    /// or taken over by another node after this one's lease ran out (then nothing moves).
    async fn record_import_progress(
        &self,
        tenant: TenantId,
        id: ImportId,
        progress: &ImportProgress,
        lease: Lease,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// End a `running` (or, for `Cancelled`, a `preview`) import as `state`, with `error`
    /// when it failed; `false` if it had ended already.
    async fn finish_import(
        &self,
        tenant: TenantId,
        id: ImportId,
        state: ImportState,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Every `running` import of every tenant whose lease ran out by `expired_by_ms` (or that
    /// has none): what a node may take over with [`claim_import`](Self::claim_import).
    async fn orphaned_imports(&self, expired_by_ms: i64) -> Result<Vec<ImportRecord>, StoreError>;
    /// Take over, under `lease` from `now_ms`, a `running` import whose lease ran out by
    /// `expired_by_ms` (`now_ms`, or later for a store only one process can use); `false` if
    /// another node was first (or it ended meanwhile).
    async fn claim_import(
        &self,
        tenant: TenantId,
        id: ImportId,
        lease: Lease,
        expired_by_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Give up `lease`'s claims on running imports (a clean shutdown): any node may take them
    /// over at once. Returns how many.
    async fn release_imports(&self, lease: Lease) -> Result<u64, StoreError>;
    /// Every ended import (and every one left in `preview`) of every tenant that ended (or
    /// was last changed) before `before_ms` and still has its uploaded file.
    async fn imports_past_keeping(&self, before_ms: i64) -> Result<Vec<ImportRecord>, StoreError>;
    /// Record that an import's uploaded file is about to be deleted: one left in `preview`
    /// becomes `cancelled`. `false` (keep the file) if it is running or was recorded already.
    async fn forget_import_file(
        &self,
        tenant: TenantId,
        id: ImportId,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// An import's failed rows, by line.
    async fn import_failures(
        &self,
        tenant: TenantId,
        id: ImportId,
    ) -> Result<Vec<(u64, String)>, StoreError>;
    /// The emails and phones of every live contact `viewer` may see (not in the trash): what
    /// an import's rows are compared with to find duplicates. One read for the whole job, so
    /// 100,000 rows cost no 100,000 queries.
    async fn match_rows(
        &self,
        tenant: TenantId,
        viewer: &Viewer,
    ) -> Result<Vec<MatchRow>, StoreError>;
}
