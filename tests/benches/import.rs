//! A 100,000-row CSV imported through the real server in its own process; then the rows it
//! reported, fixed, imported again, and the whole company exported in each format. Targets (DESIGN.md 7): the import in < 30 s with < 300 MB server
//! RSS, every row imported or reported.
//!
//! The file is the varied company of `tests::company` (names in two scripts, one or two
//! phones, emails, companies, tags), with one row in a hundred given a phone number that
//! cannot become E.164, so the error path is on the clock too. The clock runs from
//! `POST …/start` until the import is no longer running; the upload (and the server reading
//! the file once to count its rows) is timed apart.
//!
//! `cargo bench -p tests --bench import` (SQLite); `IMPORT_BACKEND=postgres` for a throw-away
//! Postgres cluster; `IMPORT_ROWS=N` for another size.

use std::time::{Duration, Instant};

use interchange::{ExportFormat, ExportWriter};
use tests::bench::env_number;
use tests::imports::{Importer, id_of, summary};
use tests::{ChildServer, signup};

/// The server's peak resident memory so far (`VmHWM`), in MB.
fn peak_rss_mb(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .ok_or_else(|| anyhow::anyhow!("no VmHWM"))?;
    let kilobytes: f64 = line.split_whitespace().nth(1).unwrap_or("0").parse()?;
    Ok(kilobytes / 1024.0)
}

/// The CSV of `rows` people, each hundredth with a phone that cannot become E.164.
fn file(rows: u64) -> anyhow::Result<Vec<u8>> {
    csv((0..rows).map(|n| {
        let mut contact = tests::company::contact(n);
        if is_broken(n) {
            contact.phones[0].raw = "12".into();
            contact.phones[0].e164 = "12".into();
        }
        contact
    }))
}

/// Whether row `n` of [`file`] has the broken phone.
fn is_broken(n: u64) -> bool {
    n % 100 == 99
}

/// The rows [`file`] broke, as they should have been.
fn fixed(rows: u64) -> anyhow::Result<Vec<u8>> {
    csv((0..rows)
        .filter(|n| is_broken(*n))
        .map(tests::company::contact))
}

fn csv(contacts: impl Iterator<Item = sync_core::contact::Contact>) -> anyhow::Result<Vec<u8>> {
    let mut writer = ExportWriter::new(ExportFormat::Csv, Vec::new())?;
    for contact in contacts {
        writer.add(&contact)?;
    }
    Ok(writer.finish()?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rows = env_number("IMPORT_ROWS", 100_000);
    let postgres = std::env::var("IMPORT_BACKEND").as_deref() == Ok("postgres");
    let data = tempfile::tempdir()?;
    let database = if postgres {
        Some(server::testing::fresh_database().await?)
    } else {
        None
    };
    let url = match &database {
        Some(database) => database.url().to_string(),
        None => format!("sqlite://{}", data.path().join("rolo.db").display()),
    };
    let imports = data.path().join("imports");
    let child = ChildServer::start_with_env(
        &url,
        &[("ROLO_IMPORT_DIR", imports.to_str().unwrap_or("imports"))],
    )
    .await?;
    let server = child.as_test_server();
    let owner = signup(
        &server,
        "Import Bench KK",
        "owner@import.example",
        "bench password",
    )
    .await?;
    let rest = Importer::new(&server, &owner.access_token);

    let bytes = file(rows)?;
    println!("file: {rows} rows, {:.1} MB", bytes.len() as f64 / 1e6);
    let uploading = Instant::now();
    let import = rest.upload("company.csv", bytes).await?;
    println!(
        "upload and count: {:.2} s, total={}",
        uploading.elapsed().as_secs_f64(),
        import["total"]
    );
    let id = id_of(&import);
    let started = Instant::now();
    rest.start(&id).await?;
    let mut peak: f64 = 0.0;
    let done = loop {
        peak = peak.max(peak_rss_mb(child.pid())?);
        let now = rest.get(&format!("/v1/imports/{id}")).await?;
        if now["state"] != "running" {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let seconds = started.elapsed().as_secs_f64();
    peak = peak.max(peak_rss_mb(child.pid())?);
    let n = |key: &str| done[key].as_u64().unwrap_or(0);
    println!(
        "import: state={} imported={} failed={} skipped={}",
        done["state"], done["imported"], done["failed"], done["skipped"]
    );
    println!(
        "bench import: rows={rows} seconds={seconds:.2} server_peak_rss_mb={peak:.1} imported={} reported={}",
        n("imported") + n("merged") + n("replaced"),
        n("failed") + n("skipped"),
    );

    // The reported rows fixed and imported again, as a member would from the error file (that
    // round trip is the import stories' to test): the export then has the whole company.
    let again = rest.import("fixed.csv", fixed(rows)?).await?;
    println!("the reported rows fixed: {}", summary(&again));
    let contacts = n("imported") + again["imported"].as_u64().unwrap_or(0);

    let mut times = Vec::new();
    for format in ["csv", "xlsx", "vcard"] {
        let clock = Instant::now();
        let bytes = rest
            .download(&format!("/v1/contacts/export?format={format}&shelf=all"))
            .await?;
        times.push(clock.elapsed().as_secs_f64());
        println!("export {format}: {:.1} MB", bytes.len() as f64 / 1e6);
    }
    println!(
        "bench export: contacts={} csv_seconds={:.2} xlsx_seconds={:.2} vcard_seconds={:.2} server_peak_rss_mb={:.1}",
        contacts,
        times[0],
        times[1],
        times[2],
        peak_rss_mb(child.pid())?
    );
    drop(child);
    drop(database);
    Ok(())
}
