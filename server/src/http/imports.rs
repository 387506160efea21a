//! Imports and exports over REST (docs/protocol.md 20.5): upload a file (streamed to the
//! import folder, size-capped), look at what was read, change the mapping and options,
//! preview rows, start the job and follow it, download the failed rows; collect a mailbox's
//! correspondents; export what the caller may see.
//!
//! Handlers are short: parse, authorise (an import is its uploader's alone; another member's
//! id answers `import_not_found`, as an id that does not exist), call `crate::imports`, map
//! the result. File work runs off the async threads.

use axum::Json;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use interchange::{ExportFormat, Format, Mapping};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::contacts::ContactCaller;
use super::error::{ApiError, ErrorBody};
use super::extract::{Path, Query};
use crate::contacts::Caller;
use crate::http::accounts::JsonBody;
use crate::imports::matching::MatchIndex;
use crate::imports::{
    Duplicates, ImportError, ImportOptions, VisibilityOption, file, file_path, job,
};
use crate::state::{AppState, now_ms};
use crate::store::imports::{ImportId, ImportRecord, ImportState, NewImport};

mod views;

pub use views::{ColumnView, ImportList, ImportView, RowsView, TargetView};

/// Rows a preview page holds unless asked for fewer.
const DEFAULT_ROWS: usize = 100;
/// Most rows in a preview page.
const MAX_ROWS: usize = 500;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sample))
        // The file streams to disk under its own cap (`ROLO_IMPORT_MAX_MB`), not the JSON one.
        .routes(routes!(upload, list).layer(DefaultBodyLimit::disable()))
        .routes(routes!(one, change))
        .routes(routes!(rows))
        .routes(routes!(start))
        .routes(routes!(cancel))
        .routes(routes!(errors))
        .routes(routes!(mailbox_folders))
        .routes(routes!(mailbox_import))
        .routes(routes!(export_filtered, export_selected))
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        let coded = |status, code, message: String| ApiError::Import {
            status,
            code,
            message,
        };
        match error {
            ImportError::NotFound(id) => coded(
                StatusCode::NOT_FOUND,
                "import_not_found",
                format!("import {id} not found"),
            ),
            ImportError::Started(id) => coded(
                StatusCode::CONFLICT,
                "import_started",
                ImportError::Started(id).to_string(),
            ),
            ImportError::FileDeleted(id) => coded(
                StatusCode::GONE,
                "import_file_deleted",
                ImportError::FileDeleted(id).to_string(),
            ),
            ImportError::BadInput { field, message } => ApiError::BadRequest { field, message },
            ImportError::TooLarge { .. } => ApiError::PayloadTooLarge,
            ImportError::Unreadable(message) => coded(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unreadable_file",
                format!("the file cannot be read: {message}"),
            ),
            ImportError::Mailbox(error) => {
                let status = if error.is_user_input() {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::BAD_GATEWAY
                };
                coded(status, mailbox_code(error.code()), error.to_string())
            }
            ImportError::Contacts(error) => error.into(),
            ImportError::Store(error) => error.into(),
            other => ApiError::Unavailable(crate::store::StoreError::Corrupt(other.to_string())),
        }
    }
}

/// The API's code for a `mailbox` crate code.
fn mailbox_code(code: &str) -> &'static str {
    match code {
        "invalid_account" => "mailbox_invalid_account",
        "invalid_conditions" => "mailbox_invalid_conditions",
        "unknown_host" => "mailbox_unknown_host",
        "connection_refused" => "mailbox_connection_refused",
        "connect_failed" => "mailbox_connect_failed",
        "tls" => "mailbox_tls",
        "bad_credentials" => "mailbox_bad_credentials",
        "no_such_folder" => "mailbox_no_such_folder",
        "timeout" => "mailbox_timeout",
        "connection_lost" => "mailbox_connection_lost",
        _ => "mailbox_server_error",
    }
}

/// The import `id` of the caller's, or `import_not_found`.
async fn owned(state: &AppState, caller: &Caller, id: &str) -> Result<ImportRecord, ApiError> {
    let id: ImportId = id
        .trim()
        .parse()
        .map_err(|error: crate::store::imports::BadImportId| {
            ApiError::bad("id", error.to_string())
        })?;
    match state.store.import(caller.tenant, id).await? {
        Some(record) if record.member == caller.member() => Ok(record),
        _ => Err(ImportError::NotFound(id).into()),
    }
}

/// Where the uploaded file of `record` is, or `import_file_deleted` once it was deleted
/// after its keeping.
fn kept_file(state: &AppState, record: &ImportRecord) -> Result<std::path::PathBuf, ApiError> {
    if record.file_deleted_ms.is_some() {
        return Err(ImportError::FileDeleted(record.id).into());
    }
    Ok(file_path(&state.config.import_dir, record.id))
}

/// A file to download.
fn attachment(bytes: Vec<u8>, mime: &str, name: &str) -> Response {
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Which sample.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SampleParams {
    /// `csv`, `xlsx` or `txt`.
    format: String,
}

/// A sample file with a header row and one row of example values.
#[utoipa::path(
    get, path = "/v1/imports/sample", tag = "imports",
    params(SampleParams),
    responses(
        (status = 200, description = "The sample file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "Not csv, xlsx or txt", body = ErrorBody),
    )
)]
async fn sample(
    ContactCaller(_caller): ContactCaller,
    Query(params): Query<SampleParams>,
) -> Result<Response, ApiError> {
    let format: Format = match params.format.trim() {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        "txt" => Format::Text,
        _ => return Err(ApiError::bad("format", "must be csv, xlsx or txt")),
    };
    let bytes = interchange::sample(format);
    Ok(attachment(
        bytes,
        format.mime(),
        &format!("rolo-sample.{}", format.extension()),
    ))
}

/// What the upload says about its file.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The file's name (helps tell `.txt` apart).
    file_name: Option<String>,
    /// `csv`, `xlsx`, `xls`, `txt` or `vcard`; detected when absent.
    format: Option<String>,
    /// A text encoding label (`Shift_JIS`, `windows-1252`, `UTF-16LE`); detected when absent.
    encoding: Option<String>,
}

/// Upload a file to import: its bytes are the body, any content type. It is read at once
/// (format, encoding, layout, suggested mapping, records counted) and stored in `preview`.
#[utoipa::path(
    post, path = "/v1/imports", tag = "imports",
    params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    responses(
        (status = 201, description = "The import, in preview", body = ImportView),
        (status = 400, description = "An unknown format or encoding", body = ErrorBody),
        (status = 413, description = "Over ROLO_IMPORT_MAX_MB", body = ErrorBody),
        (status = 422, description = "No reader can open the file (`unreadable_file`)", body = ErrorBody),
    )
)]
async fn upload(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Query(params): Query<UploadParams>,
    body: Body,
) -> Result<(StatusCode, Json<ImportView>), ApiError> {
    let format = params
        .format
        .as_deref()
        .map(|text| {
            text.trim()
                .parse::<Format>()
                .map_err(|error| ApiError::bad("format", error.to_string()))
        })
        .transpose()?;
    let encoding = params
        .encoding
        .as_deref()
        .map(|label| {
            interchange::encoding_rs::Encoding::for_label(label.trim().as_bytes())
                .ok_or_else(|| ApiError::bad("encoding", format!("{label:?} is not an encoding")))
        })
        .transpose()?;
    let id = ImportId::random();
    let path = file_path(&state.config.import_dir, id);
    receive(&state, body, &path).await?;
    let file_name = params
        .file_name
        .unwrap_or_else(|| "upload".into())
        .chars()
        .take(200)
        .collect::<String>();
    let options = interchange::ReadOptions { format, encoding };
    let stored = store_import(&state, &caller, id, file_name, options, None).await;
    if stored.is_err() {
        let _ = tokio::fs::remove_file(&path).await;
    }
    let record = stored?;
    Ok((
        StatusCode::CREATED,
        Json(views::view(&state, &record, true).await?),
    ))
}

/// Stream `body` into the file at `path`, refusing it past the cap (the partial file goes).
async fn receive(state: &AppState, body: Body, path: &std::path::Path) -> Result<(), ApiError> {
    tokio::fs::create_dir_all(&state.config.import_dir)
        .await
        .map_err(ImportError::from)?;
    let mut out = tokio::fs::File::create(path)
        .await
        .map_err(ImportError::from)?;
    let mut stream = body.into_data_stream();
    let mut received: u64 = 0;
    let result: Result<(), ApiError> = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| ApiError::bad("body", error.to_string()))?;
            received += chunk.len() as u64;
            if received > state.config.import_max_bytes {
                return Err(ImportError::TooLarge {
                    max_bytes: state.config.import_max_bytes,
                }
                .into());
            }
            out.write_all(&chunk).await.map_err(ImportError::from)?;
        }
        out.flush().await.map_err(ImportError::from)?;
        out.sync_all().await.map_err(ImportError::from)?;
        Ok(())
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(path).await;
    }
    result
}

/// Read the stored file at the import's path and store the import in `preview`.
async fn store_import(
    state: &AppState,
    caller: &Caller,
    id: ImportId,
    file_name: String,
    options: interchange::ReadOptions,
    mailbox: Option<&str>,
) -> Result<ImportRecord, ApiError> {
    let path = file_path(&state.config.import_dir, id);
    let described = tokio::task::spawn_blocking({
        let file_name = file_name.clone();
        move || file::describe(&path, &options, &file_name)
    })
    .await
    .map_err(ImportError::from)??;
    let import_options = ImportOptions {
        region: state.store.tenant_region(caller.tenant).await?,
        ..ImportOptions::default()
    };
    let new = NewImport {
        id,
        member: caller.member(),
        file_name,
        format: mailbox.unwrap_or(described.format.as_str()).to_string(),
        encoding: described.encoding,
        layout: described.layout,
        columns: described.columns,
        mapping: serde_json::to_string(&described.mapping).expect("a mapping serialises"),
        options: serde_json::to_string(&import_options).expect("options serialise"),
        total: described.total,
        now_ms: now_ms(),
    };
    Ok(state.store.create_import(caller.tenant, &new).await?)
}

/// The caller's imports, newest first (without sample values).
#[utoipa::path(
    get, path = "/v1/imports", tag = "imports",
    responses((status = 200, description = "The caller's imports", body = ImportList))
)]
async fn list(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
) -> Result<Json<ImportList>, ApiError> {
    let records = state
        .store
        .imports_of(caller.tenant, caller.member())
        .await?;
    let mut imports = Vec::with_capacity(records.len());
    for record in &records {
        imports.push(views::view(&state, record, false).await?);
    }
    Ok(Json(ImportList { imports }))
}

/// One import: what was read, the mapping and options, and its progress.
#[utoipa::path(
    get, path = "/v1/imports/{id}", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses(
        (status = 200, description = "The import", body = ImportView),
        (status = 404, description = "No such import of the caller's (`import_not_found`)", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<Json<ImportView>, ApiError> {
    let record = owned(&state, &caller, &id).await?;
    Ok(Json(views::view(&state, &record, true).await?))
}

/// What may change before an import starts; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ImportChange {
    /// Columns and their new targets: `[{"column", "target"}]` (the columns named change).
    #[schema(value_type = Option<Vec<Object>>)]
    mapping: Option<Mapping>,
    /// `merge`, `skip` or `replace`.
    duplicates: Option<Duplicates>,
    /// Tags for every contact it creates or changes.
    tags: Option<Vec<String>>,
    /// Who sees the contacts it creates.
    visibility: Option<VisibilityOption>,
    /// The lines to import; `[]` or absent keeps the choice, `null` is not distinguished.
    lines: Option<Vec<u64>>,
    /// The default phone region.
    region: Option<String>,
}

/// Change the mapping or options of an import still in preview.
#[utoipa::path(
    patch, path = "/v1/imports/{id}", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    request_body = ImportChange,
    responses(
        (status = 200, description = "The import", body = ImportView),
        (status = 400, description = "An unknown column or a bad value (`field` names it)", body = ErrorBody),
        (status = 404, description = "No such import of the caller's", body = ErrorBody),
        (status = 409, description = "It has started (`import_started`)", body = ErrorBody),
    )
)]
async fn change(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
    JsonBody(change): JsonBody<ImportChange>,
) -> Result<Json<ImportView>, ApiError> {
    let record = owned(&state, &caller, &id).await?;
    if record.state != ImportState::Preview {
        return Err(ImportError::Started(record.id).into());
    }
    let mut mapping = views::mapping_of(&record)?;
    let mut options = views::options_of(&record)?;
    if let Some(changes) = change.mapping {
        let unknown = mapping.apply(&changes);
        if let Some(column) = unknown.first() {
            return Err(ApiError::bad(
                "mapping",
                format!("the file has no column {column:?}"),
            ));
        }
    }
    if let Some(duplicates) = change.duplicates {
        options.duplicates = duplicates;
    }
    if let Some(tags) = change.tags {
        options.tags = tags;
    }
    if let Some(visibility) = change.visibility {
        let read = visibility
            .read()
            .map_err(|message| ApiError::bad("visibility", message))?;
        // Every listed member, group and unit must exist, as when a contact is shared.
        crate::contacts::check_listed(&state, &caller, &read).await?;
        options.visibility = Some(visibility);
    }
    if let Some(lines) = change.lines {
        options.lines = Some(lines);
    }
    if let Some(region) = change.region {
        options.region = region;
    }
    let options = options.normalized();
    let changed = state
        .store
        .set_import_setup(
            caller.tenant,
            record.id,
            &serde_json::to_string(&mapping).expect("a mapping serialises"),
            &serde_json::to_string(&options).expect("options serialise"),
            now_ms(),
        )
        .await?;
    if !changed {
        return Err(ImportError::Started(record.id).into());
    }
    let record = owned(&state, &caller, &record.id.to_string()).await?;
    Ok(Json(views::view(&state, &record, true).await?))
}

/// Which rows to preview.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct RowsParams {
    /// Records to pass over first (0).
    offset: u64,
    /// Rows to read (100, at most 500).
    limit: Option<usize>,
}

/// Rows read with the current mapping: values, problems per field, the duplicate each would
/// merge into. Saves nothing.
#[utoipa::path(
    get, path = "/v1/imports/{id}/rows", tag = "imports",
    params(("id" = String, Path, description = "The import's id"), RowsParams),
    responses(
        (status = 200, description = "The rows", body = RowsView),
        (status = 404, description = "No such import of the caller's", body = ErrorBody),
        (status = 410, description = "The uploaded file was deleted after its keeping (`import_file_deleted`)", body = ErrorBody),
    )
)]
async fn rows(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
    Query(params): Query<RowsParams>,
) -> Result<Json<RowsView>, ApiError> {
    let record = owned(&state, &caller, &id).await?;
    let path = kept_file(&state, &record)?;
    let mapping = views::mapping_of(&record)?;
    let options = views::options_of(&record)?;
    let region = if options.region.is_empty() {
        state.store.tenant_region(caller.tenant).await?
    } else {
        options.region.clone()
    };
    let index = MatchIndex::new(
        state
            .store
            .match_rows(caller.tenant, &caller.viewer)
            .await?,
    );
    let limit = params.limit.unwrap_or(DEFAULT_ROWS).clamp(1, MAX_ROWS);
    let total = record.counts.total;
    let rows = tokio::task::spawn_blocking(move || {
        let reading = crate::imports::preview::Reading {
            mapping: &mapping,
            options: &options,
            region: &region,
            index: &index,
        };
        crate::imports::preview::rows(&path, &record, &reading, params.offset, limit)
    })
    .await
    .map_err(ImportError::from)??;
    Ok(Json(RowsView { rows, total }))
}

/// Start saving: the job runs in the background; poll `GET /v1/imports/{id}`.
#[utoipa::path(
    post, path = "/v1/imports/{id}/start", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses(
        (status = 202, description = "Running", body = ImportView),
        (status = 404, description = "No such import of the caller's", body = ErrorBody),
        (status = 409, description = "Not in preview (`import_started`)", body = ErrorBody),
        (status = 410, description = "The uploaded file was deleted after its keeping (`import_file_deleted`)", body = ErrorBody),
    )
)]
async fn start(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ImportView>), ApiError> {
    let record = owned(&state, &caller, &id).await?;
    kept_file(&state, &record)?;
    if !state
        .store
        .start_import(caller.tenant, record.id, state.imports.lease, now_ms())
        .await?
    {
        return Err(ImportError::Started(record.id).into());
    }
    let record = owned(&state, &caller, &id).await?;
    job::spawn(state.clone(), record.clone());
    Ok((
        StatusCode::ACCEPTED,
        Json(views::view(&state, &record, false).await?),
    ))
}

/// Give an import up: one in preview never saves anything; a running one stops after its
/// current batch (what was saved stays).
#[utoipa::path(
    post, path = "/v1/imports/{id}/cancel", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses(
        (status = 200, description = "Cancelled (or already ended)", body = ImportView),
        (status = 404, description = "No such import of the caller's", body = ErrorBody),
    )
)]
async fn cancel(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<Json<ImportView>, ApiError> {
    let record = owned(&state, &caller, &id).await?;
    state
        .store
        .finish_import(
            caller.tenant,
            record.id,
            ImportState::Cancelled,
            None,
            now_ms(),
        )
        .await?;
    let record = owned(&state, &caller, &id).await?;
    Ok(Json(views::view(&state, &record, false).await?))
}

/// The failed rows as a file in the uploaded format, each with its reason in an added
/// `Import error` column; corrected and uploaded as it is, it imports.
#[utoipa::path(
    get, path = "/v1/imports/{id}/errors", tag = "imports",
    params(("id" = String, Path, description = "The import's id")),
    responses(
        (status = 200, description = "The error file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "No such import of the caller's", body = ErrorBody),
        (status = 410, description = "The uploaded file was deleted after its keeping (`import_file_deleted`)", body = ErrorBody),
    )
)]
async fn errors(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let record = owned(&state, &caller, &id).await?;
    let path = kept_file(&state, &record)?;
    let failures = state
        .store
        .import_failures(caller.tenant, record.id)
        .await?;
    let stem = record
        .file_name
        .rsplit_once('.')
        .map_or(record.file_name.as_str(), |(stem, _)| stem)
        .to_string();
    let (bytes, format) =
        tokio::task::spawn_blocking(move || file::error_file(&path, &record, &failures))
            .await
            .map_err(ImportError::from)??;
    Ok(attachment(
        bytes,
        format.mime(),
        &format!("{stem}-errors.{}", format.extension()),
    ))
}

/// A mailbox to read: IMAP over TLS, always.
#[derive(Deserialize, ToSchema)]
pub struct MailboxAccount {
    /// The server's host name.
    host: String,
    /// The IMAP-over-TLS port (993 when absent).
    #[serde(default)]
    port: Option<u16>,
    /// The user name.
    username: String,
    /// The password (used for this connection only, never stored).
    password: String,
    /// A PEM certificate to trust besides the system's (a company CA, a test server).
    #[serde(default)]
    ca_pem: Option<String>,
}

impl MailboxAccount {
    /// The account, trusting the request's CA and the server's (`ROLO_IMAP_CA_FILE`) too.
    fn account(self, config: &crate::config::Config) -> ::mailbox::Account {
        let extra_ca_pem = match (self.ca_pem, &config.imap_ca_pem) {
            (Some(asked), Some(configured)) => {
                let mut both = asked.into_bytes();
                both.push(b'\n');
                both.extend_from_slice(configured);
                Some(both)
            }
            (Some(asked), None) => Some(asked.into_bytes()),
            (None, configured) => configured.clone(),
        };
        ::mailbox::Account {
            host: self.host,
            port: self.port.unwrap_or(::mailbox::DEFAULT_PORT),
            username: self.username,
            password: self.password,
            extra_ca_pem,
        }
    }
}

/// The mailbox's folders.
#[derive(Serialize, ToSchema)]
pub struct FolderList {
    /// Folder names, `INBOX` first.
    folders: Vec<String>,
}

/// List the folders of a mailbox.
#[utoipa::path(
    post, path = "/v1/imports/mailbox/folders", tag = "imports",
    request_body = MailboxAccount,
    responses(
        (status = 200, description = "The folders", body = FolderList),
        (status = 400, description = "A `mailbox_*` code the user can fix (credentials, host)", body = ErrorBody),
        (status = 502, description = "The mail server failed (`mailbox_*`)", body = ErrorBody),
    )
)]
async fn mailbox_folders(
    State(state): State<AppState>,
    ContactCaller(_caller): ContactCaller,
    JsonBody(account): JsonBody<MailboxAccount>,
) -> Result<Json<FolderList>, ApiError> {
    let folders = crate::imports::mailbox::folders(&account.account(&state.config)).await?;
    Ok(Json(FolderList { folders }))
}

/// Which messages of a mailbox to collect the senders and recipients of.
#[derive(Deserialize, ToSchema)]
pub struct MailboxImport {
    /// The account.
    #[serde(flatten)]
    account: MailboxAccount,
    /// The folder.
    folder: String,
    /// Messages on or after this day (`YYYY-MM-DD`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    since: Option<::mailbox::NaiveDate>,
    /// Messages before this day.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    before: Option<::mailbox::NaiveDate>,
    /// Messages from this domain.
    #[serde(default)]
    sender_domain: Option<String>,
}

/// Collect a mailbox's correspondents as an import in preview (format `mailbox`).
#[utoipa::path(
    post, path = "/v1/imports/mailbox", tag = "imports",
    request_body = MailboxImport,
    responses(
        (status = 201, description = "The import, in preview", body = ImportView),
        (status = 400, description = "A `mailbox_*` code the user can fix", body = ErrorBody),
        (status = 502, description = "The mail server failed (`mailbox_*`)", body = ErrorBody),
    )
)]
async fn mailbox_import(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    JsonBody(request): JsonBody<MailboxImport>,
) -> Result<(StatusCode, Json<ImportView>), ApiError> {
    let folder = request.folder.clone();
    let request = crate::imports::mailbox::MailboxRequest {
        account: request.account.account(&state.config),
        conditions: ::mailbox::Conditions {
            since: request.since,
            before: request.before,
            sender_domain: request.sender_domain,
            ..::mailbox::Conditions::folder(request.folder)
        },
    };
    let region = state.store.tenant_region(caller.tenant).await?;
    let (bytes, _) = crate::imports::mailbox::collect(&request, &region).await?;
    let id = ImportId::random();
    let path = file_path(&state.config.import_dir, id);
    tokio::fs::create_dir_all(&state.config.import_dir)
        .await
        .map_err(ImportError::from)?;
    tokio::fs::write(&path, bytes)
        .await
        .map_err(ImportError::from)?;
    let options = interchange::ReadOptions {
        format: Some(Format::Csv),
        encoding: Some(interchange::encoding_rs::UTF_8),
    };
    let record = store_import(
        &state,
        &caller,
        id,
        format!("{folder}.csv"),
        options,
        Some(file::MAILBOX_FORMAT),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::view(&state, &record, true).await?),
    ))
}

/// The format of an export and the filters of `GET /v1/contacts`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (default), `xlsx` or `vcard`.
    format: Option<String>,
    /// 3 (default) or 4, for vCard.
    vcard_version: Option<u8>,
    /// Search text, as `GET /v1/contacts` takes it.
    q: Option<String>,
    /// Only this type.
    #[serde(rename = "type")]
    contact_type: Option<String>,
    /// Only this level.
    level: Option<String>,
    /// Only contacts this member owns.
    owner: Option<String>,
    /// Only contacts with this tag.
    tag: Option<String>,
    /// `active` (default), `archived`, `trash` or `all`.
    shelf: Option<String>,
}

fn export_format(format: Option<&str>, version: Option<u8>) -> Result<ExportFormat, ApiError> {
    let format = format.map(str::trim).filter(|text| !text.is_empty());
    ExportFormat::from_parts(format.unwrap_or("csv"), version).ok_or_else(|| {
        ApiError::bad(
            "format",
            "must be csv, xlsx or vcard (vcard_version 3 or 4)",
        )
    })
}

fn export_response(bytes: Vec<u8>, format: ExportFormat) -> Response {
    attachment(
        bytes,
        format.mime(),
        &format!("rolo-contacts.{}", format.extension()),
    )
}

/// Export every contact the caller may see that the filters keep.
#[utoipa::path(
    get, path = "/v1/contacts/export", tag = "imports",
    params(ExportParams),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "A parameter does not read (`field` names it)", body = ErrorBody),
    )
)]
async fn export_filtered(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    let format = export_format(params.format.as_deref(), params.vcard_version)?;
    let region = state.store.tenant_region(caller.tenant).await?;
    let query = super::contacts::list::ListParams {
        q: params.q,
        contact_type: params.contact_type,
        level: params.level,
        owner: params.owner,
        tag: params.tag,
        shelf: params.shelf,
        ..Default::default()
    }
    .read(&region)?;
    let bytes = crate::imports::export::by_query(&state, &caller, query, format).await?;
    Ok(export_response(bytes, format))
}

/// Contacts to export by id.
#[derive(Deserialize, ToSchema)]
pub struct ExportSelection {
    /// `csv` (default), `xlsx` or `vcard`.
    #[serde(default)]
    format: Option<String>,
    /// 3 (default) or 4, for vCard.
    #[serde(default)]
    vcard_version: Option<u8>,
    /// The contacts; those the caller may not see are left out.
    ids: Vec<String>,
}

/// Export the contacts selected (those the caller may see).
#[utoipa::path(
    post, path = "/v1/contacts/export", tag = "imports",
    request_body = ExportSelection,
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "A bad id or format (`field` names it)", body = ErrorBody),
    )
)]
async fn export_selected(
    State(state): State<AppState>,
    ContactCaller(caller): ContactCaller,
    JsonBody(selection): JsonBody<ExportSelection>,
) -> Result<Response, ApiError> {
    let format = export_format(selection.format.as_deref(), selection.vcard_version)?;
    let ids = selection
        .ids
        .iter()
        .enumerate()
        .map(|(index, text)| {
            text.trim()
                .parse()
                .map_err(|error: sync_core::ids::IdParseError| {
                    ApiError::bad(format!("ids[{index}]"), error.to_string())
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let bytes = crate::imports::export::by_ids(&state, &caller, &ids, format).await?;
    Ok(export_response(bytes, format))
}
