//! The card workers: claim a due card, read it in a child process under a time and memory
//! limit, store the outcome, and tell the scanning device.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sync_core::card::{CardError, Field, FieldKind};
use sync_core::contact::{BlobRef, CardImage, CardSide};
use sync_core::ids::ItemId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::child::{CPU_ENV, ChildInput, ChildOutput, MEMORY_ENV, SideRead};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::cards::{CardJob, CardOutcome, CardReading, NewBlob};

/// A card that keeps crashing or timing out is given up after this many claims.
pub const MAX_ATTEMPTS: u32 = 3;

/// How long a claim lasts beyond the read's own time limit: a worker that died is noticed
/// and its card taken again after this.
const LEASE_SLACK: Duration = Duration::from_secs(30);

/// How often an idle worker looks for cards queued on other nodes or due for a retry. Uploads
/// on this node wake it at once.
const POLL: Duration = Duration::from_secs(2);

/// Largest answer a child may write: two stored images and their fields.
const MAX_CHILD_OUTPUT: u64 = 16 * 1024 * 1024;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// Reviewed and failed cards are forgotten this long after their last change.
pub const KEEP_FINISHED_CARDS: Duration = Duration::from_secs(30 * 24 * 3600);

/// How often the finished cards are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Run `config.card_workers` workers, and the sweep of finished cards, until shutdown.
pub fn spawn(state: AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks: Vec<_> = (0..state.config.card_workers)
        .map(|_| tokio::spawn(work(state.clone())))
        .collect();
    tasks.push(tokio::spawn(sweep(state)));
    tasks
}

/// Forget finished cards now and then. Every node sweeps; the deletes are idempotent.
async fn sweep(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    loop {
        let before = now_ms() - KEEP_FINISHED_CARDS.as_millis() as i64;
        match state.store.forget_cards(before).await {
            Ok(0) => {}
            Ok(forgotten) => tracing::info!(forgotten, "forgot finished business cards"),
            Err(error) => {
                metrics::counter!("rolo_errors_total", "kind" => "card_store").increment(1);
                tracing::warn!(%error, "sweeping finished cards failed");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(SWEEP_EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}

async fn work(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    let lease = state.config.card_timeout + LEASE_SLACK;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let claimed = state
            .store
            .claim_card(now_ms(), lease.as_millis() as i64)
            .await;
        match claimed {
            Ok(Some(job)) => {
                if let Err(error) = process(&state, job).await {
                    metrics::counter!("rolo_errors_total", "kind" => "card_store").increment(1);
                    tracing::error!(%error, "storing a card's outcome failed");
                }
                continue;
            }
            Ok(None) => {}
            Err(error) => {
                metrics::counter!("rolo_errors_total", "kind" => "card_store").increment(1);
                tracing::error!(%error, "claiming a card failed");
            }
        }
        tokio::select! {
            () = state.card_jobs.notified() => {}
            () = tokio::time::sleep(POLL) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Read one claimed card and store what came of it.
async fn process(state: &AppState, job: CardJob) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let outcome = match read_in_child(state, &job).await {
        Ok(ChildOutput::Read(sides)) => read_outcome(state, &job, sides).await?,
        Ok(ChildOutput::Refused {
            side,
            code,
            message,
        }) => CardOutcome::Failed(CardError {
            code,
            message: format!("{}: {message}", side_name(side)),
        }),
        Err(error) if job.attempts >= MAX_ATTEMPTS => CardOutcome::Failed(error),
        Err(error) => CardOutcome::Retry {
            at_ms: now_ms() + backoff(job.attempts).as_millis() as i64,
            error,
        },
    };
    let kind = match &outcome {
        CardOutcome::Read { .. } => "read",
        CardOutcome::Failed(_) => "failed",
        CardOutcome::Retry { .. } => "retry",
    };
    metrics::counter!("rolo_cards_total", "outcome" => kind).increment(1);
    metrics::histogram!("rolo_card_seconds").record(started.elapsed().as_secs_f64());
    if let CardOutcome::Failed(error) | CardOutcome::Retry { error, .. } = &outcome {
        tracing::info!(card = %job.card, attempt = job.attempts, code = %error.code, message = %error.message, "card not read");
    }
    let stored = state.store.finish_card(&job, &outcome, now_ms()).await?;
    if stored && !matches!(outcome, CardOutcome::Retry { .. }) {
        state.hub.card_read(job.tenant, job.device, job.card);
    }
    Ok(())
}

/// 2 s, 4 s, 8 s, … between attempts.
fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(1 << attempts.clamp(1, 10))
}

fn side_name(side: usize) -> &'static str {
    if side == 0 { "front" } else { "back" }
}

/// The child's answer, or why there was none (crash, timeout, garbage): a retryable error.
async fn read_in_child(state: &AppState, job: &CardJob) -> Result<ChildOutput, CardError> {
    let config = &state.config;
    let mut photos = vec![serde_bytes::ByteBuf::from(job.front.clone())];
    photos.extend(job.back.clone().map(serde_bytes::ByteBuf::from));
    let input = rmp_serde::to_vec_named(&ChildInput { photos }).expect("bytes always serialise");
    let failed = |code: &str, message: String| CardError {
        code: code.into(),
        message,
    };
    let mut child = spawn_child(
        &config.card_reader,
        config.card_memory_bytes,
        config.card_timeout,
    )
    .map_err(|error| {
        failed(
            "reader_unavailable",
            format!("the card reader could not start: {error}"),
        )
    })?;
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = child.stdout.take().expect("piped");
    let exchange = async {
        // Write and read at once: a child that answers before reading all its input must
        // not deadlock on a full pipe.
        let write = async {
            let _ = stdin.write_all(&input).await;
            drop(stdin);
        };
        let mut output = Vec::new();
        let mut limited = (&mut stdout).take(MAX_CHILD_OUTPUT);
        let ((), read) = tokio::join!(write, limited.read_to_end(&mut output));
        read.map(|_| output)
    };
    let output = match tokio::time::timeout(config.card_timeout, exchange).await {
        Ok(Ok(output)) => output,
        Ok(Err(error)) => {
            return Err(failed(
                "reader_crashed",
                format!("reading its answer: {error}"),
            ));
        }
        Err(_) => {
            let _ = child.kill().await;
            return Err(failed(
                "read_timeout",
                format!(
                    "reading the card took longer than {} s",
                    config.card_timeout.as_secs()
                ),
            ));
        }
    };
    let status = child
        .wait()
        .await
        .map_err(|error| failed("reader_crashed", error.to_string()))?;
    if !status.success() {
        return Err(failed(
            "reader_crashed",
            format!("the card reader stopped ({status}); the photo may need too much memory"),
        ));
    }
    rmp_serde::from_slice(&output)
        .map_err(|error| failed("reader_crashed", format!("unreadable answer: {error}")))
}

fn spawn_child(
    reader: &Path,
    memory_bytes: u64,
    timeout: Duration,
) -> std::io::Result<tokio::process::Child> {
    tokio::process::Command::new(reader)
        .arg("read-card")
        .env(MEMORY_ENV, memory_bytes.to_string())
        .env(CPU_ENV, timeout.as_secs().max(1).to_string())
        // Tesseract, run by the child, would otherwise start a thread per core.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
}

/// The images stored by hash, the fields of both sides, and the contacts that look the same.
async fn read_outcome(
    state: &AppState,
    job: &CardJob,
    sides: Vec<SideRead>,
) -> Result<CardOutcome, StoreError> {
    let mut reading = CardReading::default();
    let mut blobs = Vec::new();
    for (index, side) in sides.into_iter().enumerate() {
        let sha256 = hex::encode(Sha256::digest(&side.jpeg));
        reading.images.push(CardImage {
            id: ItemId::from_random(rand::random()),
            side: if index == 0 {
                CardSide::Front
            } else {
                CardSide::Back
            },
            blob: BlobRef {
                sha256: sha256.clone(),
                mime: "image/jpeg".into(),
                bytes: side.jpeg.len() as u64,
            },
        });
        blobs.push(NewBlob {
            sha256,
            mime: "image/jpeg".into(),
            data: side.jpeg.into_vec(),
        });
        reading.region = reading.region.or(side.region);
        for field in side.fields {
            if !already_read(&reading.fields, &field) {
                reading.fields.push(field);
            }
        }
    }
    reading.duplicates = duplicates(state, job, &reading.fields).await?;
    Ok(CardOutcome::Read { reading, blobs })
}

/// The back of a card often repeats the front (the same email in another language).
fn already_read(fields: &[Field], field: &Field) -> bool {
    fields
        .iter()
        .any(|held| held.kind == field.kind && held.value == field.value)
}

/// Contacts the scanning member can see that share an email or phone with the card.
async fn duplicates(
    state: &AppState,
    job: &CardJob,
    fields: &[Field],
) -> Result<Vec<sync_core::ids::ContactId>, StoreError> {
    let values = |kind: FieldKind| -> Vec<String> {
        fields
            .iter()
            .filter(|field| field.kind == kind)
            .map(|field| field.value.to_lowercase())
            .collect()
    };
    let (emails, phones) = (values(FieldKind::Email), values(FieldKind::Phone));
    if emails.is_empty() && phones.is_empty() {
        return Ok(Vec::new());
    }
    let candidates = state
        .store
        .contacts_sharing(job.tenant, &emails, &phones)
        .await?;
    let viewer = state.store.access(job.tenant, job.member).await?.viewer;
    let mut visible = Vec::new();
    for doc in candidates {
        if let Some(meta) = state.store.doc_meta(job.tenant, doc).await?
            && viewer.sees(&meta)
        {
            visible.push(doc);
        }
    }
    Ok(visible)
}
