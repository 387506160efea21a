use std::sync::Arc;
use std::time::Instant;
use automerge::ActorId;
use serde_bytes::ByteBuf;
use server::store::Store;
use sync_core::document::ContactDoc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = 5000u64;
    let t = Instant::now();
    let mut docs = Vec::new();
    for i in 0..n {
        let (_, change) = ContactDoc::create(tests::company::contact_id(i), ActorId::random(), &tests::company::contact(i))?;
        docs.push(ByteBuf::from(change.raw_bytes().to_vec()));
    }
    println!("create: {:.3} ms/contact", t.elapsed().as_secs_f64() * 1000.0 / n as f64);
    let t = Instant::now();
    for (i, c) in docs.iter().enumerate() {
        let _ = sync_core::accept::accept_changes(tests::company::contact_id(i as u64), None, std::slice::from_ref(c)).unwrap();
    }
    println!("accept: {:.3} ms/contact", t.elapsed().as_secs_f64() * 1000.0 / n as f64);
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let store: Arc<dyn Store> = Arc::new(server::store::sqlite::SqliteStore::open(&url).await?);
    store.migrate().await?;
    let (tenant, member) = store.create_tenant(&server::store::NewTenant{ name: "x".into(), owner_email: "a@b.c".into(), owner_name: "A".into(), owner_password_hash: "x".into(), region: "JP".into()}).await?;
    let t = Instant::now();
    tests::company::fill(&store, tenant, member, 10_000).await?;
    println!("fill sqlite: {:.3} ms/contact", t.elapsed().as_secs_f64() * 1000.0 / 10_000.0);
    Ok(())
}
