use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use sync_core::contact::{Contact, Email, Name, Phone};
use sync_core::document::ContactDoc;
use sync_core::history::{Attribution, Via};
use sync_core::ids::ContactId;
use automerge::ActorId;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn main() {
    let mut contact = Contact::default();
    contact.name = Name { given: "Hanako".into(), family: "Suzuki".into(), ..Name::default() };
    contact.emails.push(Email { id: sync_core::ids::ItemId::from_random(7), label: "work".into(), address: "hanako@example.com".into() });
    contact.phones.push(Phone { id: sync_core::ids::ItemId::from_random(9), label: "work".into(), raw: "+81 3 1234 5678".into(), e164: "+81312345678".into() });
    let by = Attribution::server_side(sync_core::ids::MemberId::from_u128(1), Via::Import);
    let region = Region::new(GLOBAL);
    let mut docs = Vec::new();
    for n in 0..100u128 {
        let (doc, change) = ContactDoc::create_by(ContactId::from_bytes(n.to_be_bytes()), ActorId::from(n.to_be_bytes()), &by, 0, &contact).unwrap();
        let saved = doc.save();
        docs.push((doc, change, saved));
    }
    let s = region.change();
    println!("per doc: net {} bytes", (s.bytes_allocated as i64 - s.bytes_deallocated as i64) / 100);
    let region = Region::new(GLOBAL);
    let loaded: Vec<_> = docs.iter().map(|(d, _, saved)| ContactDoc::load(d.id(), ActorId::random(), saved).unwrap()).collect();
    let s = region.change();
    println!("per loaded doc: net {} bytes, saved {} bytes", (s.bytes_allocated as i64 - s.bytes_deallocated as i64) / 100, docs[0].2.len());
    drop(loaded);
}
