//! The import job: reads the file a batch at a time, decides each row (new, duplicate, failed,
//! not selected), commits the batch, and records how far it got.
//!
//! Reading and parsing happen on a blocking thread of their own, two batches ahead of the
//! deciding side, which decides each batch and builds its new contacts (documents, saved
//! bytes, search terms) up to `PREPARED_AHEAD` batches ahead of the committing side: the
//! store's committing thread is the bottleneck, and must not wait for a batch to be built,
//! nor leave the other core idle while it writes a stretch of search terms. Bounded channels
//! keep memory flat (a built contact keeps its saved bytes, not its document). The new
//! contacts go in one [`Store::commit_prepared`], its duplicates are changed as REST writes
//! are, in one more commit. Each contact is its own document, so each row is saved whole or not at all, and a
//! row the store refuses is recorded as failed while the others go in.
//!
//! The new contacts' search terms may be left out of those commits (SQLite leaves them: see
//! `index_deferred_terms` in its committer) and are written every `TERMS_EVERY_ROWS` (20,000) rows,
//! at the end, and on a cancel: an imported contact is listed at once and found by search
//! a few seconds later. A run resumed after a restart writes them from the first line again,
//! so what a crash left without terms gets them.
//!
//! [`Store::commit_prepared`]: crate::store::Store::commit_prepared

use std::collections::HashMap;
use std::sync::Arc;

use automerge::ActorId;
use interchange::{Mapping, Reader};
use serde_bytes::ByteBuf;
use sync_core::access::Viewer;
use sync_core::contact::Contact;
use sync_core::document::ContactDoc;
use sync_core::history::{Attribution, Via};
use sync_core::ids::ContactId;
use sync_core::wire::{DocChanges, MAX_PUSH_DOCS, Visibility};

use super::matching::{self, Keys, MatchIndex};
use super::{Duplicates, ImportError, ImportOptions, derived_id, file, row_contact};
use crate::state::{AppState, now_ms};
use crate::store::PreparedContact;
use crate::store::imports::{ImportCounts, ImportProgress, ImportRecord, ImportState};

/// One record as the reading thread hands it over.
#[derive(Debug)]
enum Item {
    /// A line the member did not select.
    NotSelected,
    /// A record that cannot be imported, and why.
    Failed { line: u64, message: String },
    /// A record read into a contact with no problem.
    Row {
        line: u64,
        contact: Box<Contact>,
        keys: Keys,
    },
}

impl Item {
    /// Its line in the file (0 for a line not selected: it creates nothing).
    fn line(&self) -> u64 {
        match self {
            Item::NotSelected => 0,
            Item::Failed { line, .. } | Item::Row { line, .. } => *line,
        }
    }
}

/// How many batches may be decided and built ahead of the one committing (see `run`). With
/// batches of 1,000 rows, sixteen cover a stretch of deferred search terms being written
/// (about 3 s in the import bench, where eight left the builder idle half of it) for about
/// 40 MB more peak memory; the bench went from 33 to 22–25 s.
const PREPARED_AHEAD: usize = 16;

/// Every this many rows (and at the end) the search terms the job's commits left out are
/// written (`Store::index_deferred_terms`): imported contacts are found by search a few
/// seconds after they are listed.
const TERMS_EVERY_ROWS: u64 = 20_000;

/// The lines whose contacts' search terms are still to write.
#[derive(Debug, Default)]
struct DeferredTerms {
    /// The first line not written yet.
    from_line: u64,
    /// The last line committed.
    to_line: u64,
    /// Rows settled since the last write.
    rows: u64,
}

impl DeferredTerms {
    fn committed(&mut self, last_line: u64, rows: u64) {
        self.to_line = self.to_line.max(last_line);
        self.rows += rows;
    }

    fn due(&self) -> bool {
        self.rows >= TERMS_EVERY_ROWS
    }

    /// Write the terms of the contacts of lines `from_line..=to_line` (their ids sort by line:
    /// see `derived_id`).
    async fn write(&mut self, job: &Job<'_>) -> Result<(), ImportError> {
        if self.to_line < self.from_line {
            return Ok(());
        }
        let import = job.record.id;
        job.state
            .store
            .index_deferred_terms(
                job.record.tenant,
                row_contact(import, self.from_line),
                row_contact(import, self.to_line),
            )
            .await?;
        self.from_line = self.to_line + 1;
        self.rows = 0;
        Ok(())
    }
}

/// Start the job of `record` (now `running`, claimed by this process) on a task of its own;
/// nothing if a job of this process runs it already.
pub fn spawn(state: AppState, record: ImportRecord) -> Option<tokio::task::JoinHandle<()>> {
    if !state.imports.enter(record.id) {
        return None;
    }
    Some(tokio::spawn(async move {
        let (tenant, id) = (record.tenant, record.id);
        if let Err(error) = run(&state, record).await {
            tracing::error!(%tenant, import = %id, %error, "an import failed");
            let message = error.to_string();
            if let Err(error) = state
                .store
                .finish_import(tenant, id, ImportState::Failed, Some(&message), now_ms())
                .await
            {
                tracing::error!(%tenant, import = %id, %error, "recording a failed import");
            }
        }
        state.imports.leave(id);
    }))
}

/// Run the job to its end.
async fn run(state: &AppState, record: ImportRecord) -> Result<(), ImportError> {
    let store = &state.store;
    let tenant = record.tenant;
    let Some(member) = store.member(tenant, record.member).await? else {
        return Err(ImportError::bad("member", "the importing member is gone"));
    };
    let caller =
        crate::contacts::Caller::load(store.as_ref(), tenant, record.member, member.role).await?;
    let options: ImportOptions = serde_json::from_str(&record.options)
        .map_err(|error| ImportError::bad("options", error.to_string()))?;
    let mapping: Mapping = serde_json::from_str(&record.mapping)
        .map_err(|error| ImportError::bad("mapping", error.to_string()))?;
    let company_region = store.tenant_region(tenant).await?;
    // The region the file's phone numbers are read in (the company's unless chosen).
    let region = if options.region.is_empty() {
        company_region.clone()
    } else {
        options.region.clone()
    };
    let visibility = options
        .visibility
        .as_ref()
        .map(|visibility| visibility.read())
        .transpose()
        .map_err(|message| ImportError::bad("visibility", message))?;
    let mut index = MatchIndex::new(store.match_rows(tenant, &caller.viewer).await?);
    let started_ms = record.started_ms.unwrap_or(record.created_ms);
    let path = super::file_path(&state.config.import_dir, record.id);
    let reader = file::open(&path, &file::options_of(&record), &record.file_name)?;

    let (batches, mut arriving) = tokio::sync::mpsc::channel::<Vec<Item>>(2);
    let reading = tokio::task::spawn_blocking({
        let options = options.clone();
        let position = record.position;
        let rows = state.config.import_batch_rows;
        move || {
            read_batches(
                reader, position, rows, &mapping, &region, &options, &batches,
            )
        }
    });

    let job = Job {
        state,
        record: &record,
        viewer: caller.viewer.clone(),
        by: Attribution::server_side(record.member, Via::Import),
        started_ms,
        options: &options,
        visibility,
        company_region,
    };
    let mut counts = record.counts;
    let mut position = record.position;
    // From the first line: what a run before a restart committed may lack its terms.
    let mut terms = DeferredTerms::default();

    // Batches are decided and their contacts built up to `PREPARED_AHEAD` batches ahead of
    // the one committing. The committing thread is the bottleneck: it must never wait for a
    // batch to be built, and while it writes a stretch of deferred search terms (seconds) the
    // other core goes on building instead of idling.
    let (ready, mut prepared) = tokio::sync::mpsc::channel::<Prepared>(PREPARED_AHEAD);
    let preparing = {
        let (job, index) = (&job, &mut index);
        async move {
            while let Some(batch) = arriving.recv().await {
                let batch = job.prepare(batch, index).await?;
                if ready.send(batch).await.is_err() {
                    // The committing side stopped (a cancel): dropping `arriving` stops the
                    // reading thread too.
                    break;
                }
            }
            Ok::<_, ImportError>(())
        }
    };
    let committing = {
        let (job, terms) = (&job, &mut terms);
        async move {
            while let Some(batch) = prepared.recv().await {
                let (settled, last_line) = (batch.settled, batch.last_line);
                let failures = job.commit(batch, &mut counts).await?;
                terms.committed(last_line, settled);
                if terms.due() {
                    terms.write(job).await?;
                }
                position += settled;
                counts.done = position;
                let progress = ImportProgress {
                    counts,
                    position,
                    failures,
                };
                if !store
                    .record_import_progress(
                        tenant,
                        record.id,
                        &progress,
                        state.imports.lease,
                        now_ms(),
                    )
                    .await?
                {
                    // Cancelled meanwhile, or taken over by another node after this one's
                    // lease ran out: what was saved stays saved, and found by search.
                    return Ok(false);
                }
            }
            Ok::<_, ImportError>(true)
        }
    };
    let (prepared, still_running) = tokio::join!(preparing, committing);
    if !still_running? {
        terms.write(&job).await?;
        return Ok(());
    }
    prepared?;
    reading.await??;
    terms.write(&job).await?;
    store
        .finish_import(tenant, record.id, ImportState::Done, None, now_ms())
        .await?;
    Ok(())
}

/// Read the records after the first `skip`, parse them and send them a batch at a time.
fn read_batches(
    mut reader: Reader,
    skip: u64,
    rows: usize,
    mapping: &Mapping,
    region: &str,
    options: &ImportOptions,
    batches: &tokio::sync::mpsc::Sender<Vec<Item>>,
) -> Result<(), ImportError> {
    let mut ordinal = 0u64;
    let mut batch = Vec::with_capacity(rows);
    while let Some(next) = reader.next_record() {
        ordinal += 1;
        if ordinal <= skip {
            continue;
        }
        let item = match next {
            Err(error) => Item::Failed {
                line: error.line,
                message: error.message,
            },
            Ok(record) if !options.selects(record.line) => Item::NotSelected,
            Ok(record) => {
                let parsed = interchange::parse_record(&record, mapping, region);
                if parsed.is_importable() {
                    let keys = Keys::of(&parsed.contact);
                    Item::Row {
                        line: parsed.line,
                        contact: Box::new(parsed.contact),
                        keys,
                    }
                } else {
                    Item::Failed {
                        line: parsed.line,
                        message: parsed.problem_summary(),
                    }
                }
            }
        };
        batch.push(item);
        if batch.len() == rows {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(rows));
            if batches.blocking_send(full).is_err() {
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        let _ = batches.blocking_send(batch);
    }
    Ok(())
}

/// What a job knows while it runs.
struct Job<'a> {
    state: &'a AppState,
    record: &'a ImportRecord,
    /// The importing member as the access rules see them.
    viewer: Viewer,
    /// How its changes are attributed.
    by: Attribution,
    /// The time every new contact's first change carries.
    started_ms: i64,
    options: &'a ImportOptions,
    /// Who sees the contacts it creates.
    visibility: Option<Visibility>,
    /// The company's phone region, which search terms are made with.
    company_region: String,
}

/// A row to create, and the rows of this batch merged into it.
struct Pending {
    line: u64,
    contact: Contact,
}

/// What becomes of an existing contact in this batch: the rows merged into it or replacing it.
type Edits = HashMap<ContactId, Vec<(u64, Contact)>>;

/// A batch decided, its new contacts built, ready to commit.
struct Prepared {
    /// How many records it settles.
    settled: u64,
    /// The line of its last record (0 for none).
    last_line: u64,
    /// What deciding it counted (rows not selected, failed, skipped or folded).
    counts: ImportCounts,
    /// Rows that failed before reaching the store, with why.
    failures: Vec<(u64, String)>,
    /// Each new contact's line, and its first change with what accepting it computes.
    creates: Vec<(u64, Built)>,
    /// Existing contacts the batch's duplicates change.
    edits: Edits,
}

/// A new contact's push and prepared document, or why it could not be made.
type Built = Result<(DocChanges, Arc<PreparedContact>), sync_core::document::DocumentError>;

impl Job<'_> {
    /// Decide each row of one batch (new, duplicate, failed, not selected) and build its new
    /// contacts. Rows learnt here are duplicates for the batches after it.
    async fn prepare(
        &self,
        batch: Vec<Item>,
        index: &mut MatchIndex,
    ) -> Result<Prepared, ImportError> {
        let settled = batch.len() as u64;
        let last_line = batch.iter().map(Item::line).max().unwrap_or(0);
        let mut counts = ImportCounts::default();
        let mut failures = Vec::new();
        let mut creates: Vec<Pending> = Vec::new();
        let mut created_at: HashMap<ContactId, usize> = HashMap::new();
        let mut edits: Edits = HashMap::new();
        for item in batch {
            let (line, mut contact, keys) = match item {
                Item::NotSelected => {
                    counts.skipped += 1;
                    continue;
                }
                Item::Failed { line, message } => {
                    counts.failed += 1;
                    failures.push((line, message));
                    continue;
                }
                Item::Row {
                    line,
                    contact,
                    keys,
                } => (line, *contact, keys),
            };
            for tag in &self.options.tags {
                contact.tags.insert(tag.clone(), true);
            }
            let own = row_contact(self.record.id, line);
            match index.find(&keys).filter(|found| *found != own) {
                // Its own contact, committed before a restart, is not a duplicate of itself.
                None => {
                    index.learn(own, &keys);
                    created_at.insert(own, creates.len());
                    creates.push(Pending { line, contact });
                }
                Some(_) if self.options.duplicates == Duplicates::Skip => counts.skipped += 1,
                Some(existing) => {
                    if let Some(&at) = created_at.get(&existing) {
                        // A person twice in this batch: fold the row into the contact to create.
                        apply(self.options.duplicates, &mut creates[at].contact, &contact);
                        count_duplicate(self.options.duplicates, &mut counts);
                    } else {
                        edits.entry(existing).or_default().push((line, contact));
                    }
                }
            }
        }
        let creates = self.build(creates).await?;
        Ok(Prepared {
            settled,
            last_line,
            counts,
            failures,
            creates,
            edits,
        })
    }

    /// Commit a prepared batch, adding what it settled to `counts`. Returns its failed rows.
    async fn commit(
        &self,
        batch: Prepared,
        counts: &mut ImportCounts,
    ) -> Result<Vec<(u64, String)>, ImportError> {
        let mut failures = batch.failures;
        counts.skipped += batch.counts.skipped;
        counts.failed += batch.counts.failed;
        counts.merged += batch.counts.merged;
        counts.replaced += batch.counts.replaced;
        counts.imported += batch.counts.imported;
        self.create(batch.creates, counts, &mut failures).await?;
        self.edit(batch.edits, counts, &mut failures).await?;
        Ok(failures)
    }

    /// Build the new contacts' documents, off the async threads.
    async fn build(&self, creates: Vec<Pending>) -> Result<Vec<(u64, Built)>, ImportError> {
        let import = self.record.id;
        let by = self.by.clone();
        let at_ms = self.started_ms;
        let visibility = self.visibility.clone();
        let company_region = self.company_region.clone();
        Ok(tokio::task::spawn_blocking(move || {
            creates
                .into_iter()
                .map(|pending| {
                    let bytes = derived_id(import, pending.line);
                    let id = ContactId::from_bytes(bytes);
                    let made = ContactDoc::create_by(
                        id,
                        ActorId::from(bytes),
                        &by,
                        at_ms,
                        &pending.contact,
                    )
                    .map(|(doc, change)| {
                        let push = DocChanges {
                            doc: id,
                            changes: vec![ByteBuf::from(change.raw_bytes().to_vec())],
                            visibility: visibility.clone(),
                        };
                        // What the store would work out again from the change, made here,
                        // beside its committing thread rather than on it.
                        let prepared = PreparedContact::new(
                            &doc,
                            &change,
                            pending.contact,
                            &company_region,
                            true,
                        );
                        (push, Arc::new(prepared))
                    });
                    (pending.line, made)
                })
                .collect::<Vec<_>>()
        })
        .await?)
    }

    /// Commit the new contacts.
    async fn create(
        &self,
        built: Vec<(u64, Built)>,
        counts: &mut ImportCounts,
        failures: &mut Vec<(u64, String)>,
    ) -> Result<(), ImportError> {
        let mut pushes = Vec::with_capacity(built.len());
        let mut prepared = Vec::with_capacity(built.len());
        let mut lines = Vec::with_capacity(built.len());
        for (line, made) in built {
            match made {
                Ok((push, ready)) => {
                    lines.push(line);
                    pushes.push(push);
                    prepared.push(Some(ready));
                }
                Err(error) => {
                    counts.failed += 1;
                    failures.push((line, error.to_string()));
                }
            }
        }
        for ((pushes, prepared), lines) in pushes
            .chunks(MAX_PUSH_DOCS)
            .zip(prepared.chunks(MAX_PUSH_DOCS))
            .zip(lines.chunks(MAX_PUSH_DOCS))
        {
            let results = self
                .state
                .store
                .commit_prepared(self.record.tenant, &self.viewer, pushes, prepared.to_vec())
                .await?;
            let mut head = None;
            for (result, line) in results.iter().zip(lines) {
                match &result.rejected {
                    Some(rejection) => {
                        counts.failed += 1;
                        failures.push((*line, rejection.message.clone()));
                    }
                    None => {
                        counts.imported += 1;
                        head = head.max(result.seq);
                    }
                }
            }
            if let Some(seq) = head {
                self.state.hub.advanced(self.record.tenant, seq);
            }
        }
        Ok(())
    }

    /// Merge the duplicate rows into (or let them replace) the existing contacts, one change
    /// per contact, all committed together.
    async fn edit(
        &self,
        edits: Edits,
        counts: &mut ImportCounts,
        failures: &mut Vec<(u64, String)>,
    ) -> Result<(), ImportError> {
        let store = &self.state.store;
        let tenant = self.record.tenant;
        let mode = self.options.duplicates;
        let mut pushes = Vec::new();
        let mut rows_of: HashMap<ContactId, Vec<u64>> = HashMap::new();
        for (id, rows) in edits {
            let lines: Vec<u64> = rows.iter().map(|(line, _)| *line).collect();
            let loaded = match store.load_contact(tenant, id).await? {
                Some(loaded) if self.viewer.sees(&loaded.meta) => loaded,
                _ => {
                    for line in lines {
                        counts.failed += 1;
                        failures.push((line, format!("the duplicate contact {id} is gone")));
                    }
                    continue;
                }
            };
            let by = self.by.clone();
            let at_ms = now_ms();
            let made = tokio::task::spawn_blocking(move || {
                let mut doc = ContactDoc::clone(&loaded.doc);
                doc.automerge_mut()
                    .set_actor(ActorId::from(rand::random::<[u8; 16]>()));
                doc.edit_by(&by, at_ms, move |contact| {
                    for (_, row) in &rows {
                        apply(mode, contact, row);
                    }
                })
            })
            .await?;
            match made {
                Ok(change) => {
                    for _ in &lines {
                        count_duplicate(mode, counts);
                    }
                    if let Some(change) = change {
                        pushes.push(DocChanges::new(
                            id,
                            vec![ByteBuf::from(change.raw_bytes().to_vec())],
                        ));
                        rows_of.insert(id, lines);
                    }
                }
                Err(error) => {
                    for line in lines {
                        counts.failed += 1;
                        failures.push((line, error.to_string()));
                    }
                }
            }
        }
        for chunk in pushes.chunks(MAX_PUSH_DOCS) {
            let results = store.commit(tenant, &self.viewer, chunk).await?;
            let mut head = None;
            for result in results {
                match result.rejected {
                    Some(rejection) => {
                        for line in rows_of.remove(&result.doc).unwrap_or_default() {
                            uncount_duplicate(mode, counts);
                            counts.failed += 1;
                            failures.push((line, rejection.message.clone()));
                        }
                    }
                    None => head = head.max(result.seq),
                }
            }
            if let Some(seq) = head {
                self.state.hub.advanced(tenant, seq);
            }
        }
        Ok(())
    }
}

/// Merge `row` into `contact` or let it replace it.
fn apply(mode: Duplicates, contact: &mut Contact, row: &Contact) {
    match mode {
        Duplicates::Merge => matching::merge(contact, row),
        Duplicates::Replace => matching::replace(contact, row),
        Duplicates::Skip => {}
    }
}

fn count_duplicate(mode: Duplicates, counts: &mut ImportCounts) {
    match mode {
        Duplicates::Merge => counts.merged += 1,
        Duplicates::Replace => counts.replaced += 1,
        Duplicates::Skip => counts.skipped += 1,
    }
}

fn uncount_duplicate(mode: Duplicates, counts: &mut ImportCounts) {
    match mode {
        Duplicates::Merge => counts.merged -= 1,
        Duplicates::Replace => counts.replaced -= 1,
        Duplicates::Skip => counts.skipped -= 1,
    }
}
