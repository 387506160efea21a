//! A long-lived contact's history through the real server: one contact edited 1,000 times by
//! three devices over the last weeks (names, phones added and relabelled, notes, tags), stored
//! through the store, then `GET /v1/contacts/{id}/history` timed from request to the last byte:
//! the first page (what the app shows) and every page of the 1,000 revisions. Target (issue 16):
//! p95 < 100 ms.
//!
//! `cargo bench -p tests --bench history` (SQLite); `HISTORY_BACKEND=postgres` for a throw-away
//! Postgres cluster; `HISTORY_REVISIONS=N`, `HISTORY_ROUNDS=N` for other sizes.

use std::sync::Arc;
use std::time::Instant;

use automerge::ActorId;
use serde_bytes::ByteBuf;
use server::store::Store;
use sync_core::access::Viewer;
use sync_core::contact::{Contact, Phone};
use sync_core::document::ContactDoc;
use sync_core::history::Attribution;
use sync_core::ids::{ContactId, DeviceId, ItemId};
use sync_core::wire::DocChanges;
use tests::bench::{env_number, quantile};
use tests::{ChildServer, company, login};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let revisions = env_number("HISTORY_REVISIONS", 1_000);
    let rounds = env_number("HISTORY_ROUNDS", 30);
    let postgres = std::env::var("HISTORY_BACKEND").as_deref() == Ok("postgres");
    let company = company::stored(0, postgres).await?;
    let owner = &company.owner;
    let id = ContactId::from_u128(0x4157_0000);
    let changes = edited_contact(id, owner.member, revisions)?;
    {
        let store: Arc<dyn Store> = if postgres {
            Arc::new(server::store::postgres::PostgresStore::connect(&company.url).await?)
        } else {
            Arc::new(server::store::sqlite::SqliteStore::open(&company.url).await?)
        };
        let viewer = Viewer::member_only(owner.member);
        // In pushes of a hundred changes, as a phone back from a long trip sends them.
        for chunk in changes.chunks(100) {
            let docs = [DocChanges::new(id, chunk.to_vec())];
            let results = store.commit(owner.tenant, &viewer, &docs).await?;
            if let Some(refused) = results.iter().find(|result| result.rejected.is_some()) {
                anyhow::bail!("an edit was refused: {refused:?}");
            }
        }
    }

    let child = ChildServer::start(&company.url).await?;
    let server = child.as_test_server();
    let rep = login(&server, "owner@big.example", company.password, "laptop").await?;
    let client = reqwest::Client::new();
    let history = format!("{}/v1/contacts/{id}/history", server.base_url());
    let fetch = |query: String| {
        let request = client
            .get(format!("{history}?{query}"))
            .bearer_auth(&rep.access_token);
        async move {
            let response = request.send().await?;
            anyhow::ensure!(response.status() == 200, "{}", response.status());
            Ok::<serde_json::Value, anyhow::Error>(response.json().await?)
        }
    };

    let (mut first_page, mut every_page) = (Vec::new(), Vec::new());
    let mut listed = 0;
    for round in 0..=rounds {
        let started = Instant::now();
        fetch(String::new()).await?;
        let first_ms = started.elapsed().as_secs_f64() * 1000.0;

        let started = Instant::now();
        let mut cursor: Option<String> = None;
        listed = 0;
        loop {
            let query = match &cursor {
                Some(cursor) => format!("limit=500&cursor={cursor}"),
                None => "limit=500".to_string(),
            };
            let page = fetch(query).await?;
            listed += page["revisions"].as_array().map_or(0, Vec::len);
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        let all_ms = started.elapsed().as_secs_f64() * 1000.0;
        // The first round warms the caches as a server in use has them; it is not counted.
        if round > 0 {
            first_page.push(first_ms);
            every_page.push(all_ms);
        }
    }
    anyhow::ensure!(
        listed as u64 == revisions,
        "{listed} of {revisions} revisions listed"
    );
    let p95 = quantile(&mut first_page, 0.95);
    let p50 = quantile(&mut first_page, 0.50);
    let all_p95 = quantile(&mut every_page, 0.95);
    println!(
        "history of {revisions} revisions ({}): first page p50 {p50:.1} ms, p95 {p95:.1} ms; \
         all {revisions} in pages of 500 p95 {all_p95:.1} ms",
        company.backend
    );
    println!(
        "target (issue 16): p95 < 100 ms {}",
        if p95 < 100.0 { "met" } else { "not met" }
    );
    println!(
        "bench history: revisions={revisions} backend={} p95_ms={p95:.1} all_pages_p95_ms={all_p95:.1}",
        company.backend
    );
    child.kill()?;
    Ok(())
}

/// The changes of contact `id`: created, then edited until it has `revisions` revisions, by
/// three devices of `member`, one edit an hour up to now.
fn edited_contact(
    id: ContactId,
    member: sync_core::ids::MemberId,
    revisions: u64,
) -> anyhow::Result<Vec<ByteBuf>> {
    let devices = [1, 2, 3].map(|n| DeviceId::from_u128(0xde71_0000 + n));
    let hour_ms = 3_600_000;
    let now_ms = server::state::now_ms();
    let start_ms = now_ms - revisions as i64 * hour_ms;
    let mut contact = Contact::default();
    contact.name.given = "Yuki".into();
    contact.name.family = "Arai".into();
    let by = Attribution::app(member, devices[0]);
    let (mut doc, first) = ContactDoc::create_by(id, ActorId::random(), &by, start_ms, &contact)?;
    let mut changes = vec![ByteBuf::from(first.raw_bytes().to_vec())];
    for n in 1..revisions {
        let by = Attribution::app(member, devices[n as usize % devices.len()]);
        let at_ms = start_ms + n as i64 * hour_ms;
        let change = doc
            .edit_by(&by, at_ms, |contact| match n % 4 {
                0 => contact.name.family = format!("Arai-{n}"),
                1 => contact.phones.push(Phone {
                    id: ItemId::from(format!("p{n}").as_str()),
                    label: "work".into(),
                    e164: format!("+8134{n:07}"),
                    raw: format!("03-4{n:03}-{n:04}"),
                }),
                2 => {
                    // Keep the list short, as a real card's is: the oldest number goes.
                    if contact.phones.len() > 3 {
                        contact.phones.remove(0);
                    }
                    if let Some(phone) = contact.phones.last_mut() {
                        phone.label = if phone.label == "work" {
                            "mobile"
                        } else {
                            "work"
                        }
                        .into();
                    }
                }
                _ => {
                    let tag = format!("visit-{}", n % 7);
                    if contact.tags.remove(&tag).is_none() {
                        contact.tags.insert(tag, true);
                    }
                }
            })?
            .ok_or_else(|| anyhow::anyhow!("edit {n} changed nothing"))?;
        changes.push(ByteBuf::from(change.raw_bytes().to_vec()));
    }
    Ok(changes)
}
