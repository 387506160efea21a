//! What happens to a contact's life on phones that are away: deleted for good while a phone
//! was offline, edited there meanwhile; and whose name an edit is signed with. Each story runs
//! on SQLite and on Postgres.

use std::time::Duration;

use sync_core::contact::Contact;
use sync_core::history::{Attribution, Via};
use sync_core::ids::ContactId;
use sync_core::wire::Frame;
use tests::{TestServer, WireDevice, add_member, login, signup};

const QUIET: Duration = Duration::from_millis(150);
const PASSWORD: &str = "correct horse battery";

fn named(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact
}

tests::on_both_backends!(
    a_contact_purged_while_a_phone_was_offline_is_gone_and_its_offline_edit_refused_once,
    an_edit_signed_in_another_devices_name_is_refused,
);

async fn a_contact_purged_while_a_phone_was_offline_is_gone_and_its_offline_edit_refused_once(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Kita Logistics", "owner@kita.example", PASSWORD).await?;
    let rep = add_member(server, &owner, "mina@kita.example", PASSWORD).await?;
    let mut office = WireDevice::connect(server, &owner, [1; 16]).await?;
    let id = ContactId::from_u128(0x51);
    let effects = office.replica.create(id, &named("Hiro"))?;
    office.apply(effects).await?;
    office.settle(QUIET).await?;
    let mut phone = WireDevice::connect(server, &rep, [2; 16]).await?;
    phone.settle(QUIET).await?;
    assert!(phone.replica.contact(id).is_some(), "the rep holds it");

    // The phone goes into a tunnel and edits the contact there.
    phone.disconnect().await;
    let offline_edit = phone
        .replica
        .edit(id, |contact| contact.name.family = "Sato".into())?;
    phone.apply(offline_edit).await?;
    assert_eq!(phone.replica.pending(), 1);

    // Meanwhile the owner deletes it for good.
    let response = reqwest::Client::new()
        .delete(format!("{}/v1/contacts/{id}", server.base_url()))
        .bearer_auth(&owner.access_token)
        .send()
        .await?;
    assert_eq!(response.status(), 204);

    // Back online: the push is refused once, saying why, and the contact is gone.
    phone.reconnect(server, &rep).await?;
    let mut refusals = Vec::new();
    for _ in 0..40 {
        let Some(frame) = phone.step(QUIET).await? else {
            break;
        };
        if let Frame::Ack { results, .. } = &frame {
            refusals.extend(results.iter().filter_map(|result| result.rejected.clone()));
        }
    }
    phone.settle(QUIET).await?;
    assert!(phone.replica.contact(id).is_none(), "gone from the phone");
    assert_eq!(
        phone.replica.pending(),
        0,
        "the refused edit is not kept to push again"
    );
    assert_eq!(refusals.len(), 1, "refused once, saying why: {refusals:?}");
    assert_eq!(refusals[0].code, "not_found");
    assert!(
        refusals[0].message.contains("deleted"),
        "{}",
        refusals[0].message
    );
    // Reconnecting again pushes nothing more.
    phone.reconnect(server, &rep).await?;
    while let Some(frame) = phone.step(QUIET).await? {
        assert!(
            !matches!(frame, Frame::Ack { .. }),
            "nothing was pushed again: {frame:?}"
        );
    }
    Ok(())
}

async fn an_edit_signed_in_another_devices_name_is_refused(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Blue Heron Labs", "owner@heron.example", PASSWORD).await?;
    let laptop = login(server, "owner@heron.example", PASSWORD, "laptop").await?;
    let mut phone = WireDevice::connect(server, &owner, [3; 16]).await?;
    let id = ContactId::from_u128(0x52);

    // Signed as the phone itself: accepted, and its history names the phone.
    let honest = Attribution::app(owner.member, owner.device);
    let effects =
        phone
            .replica
            .create_by(id, owner.member, 1_700_000_000_000, &named("Aiko"), None)?;
    phone.apply(effects).await?;
    phone.settle(QUIET).await?;
    let stored = phone.replica.doc(id).expect("created").clone();
    let history = sync_core::history::revisions(&stored, &Default::default())?;
    assert_eq!(history.revisions[0].attribution.as_ref(), Some(&honest));

    // A forged signature: the laptop's device named by the phone, then a server-only claim.
    for forged in [
        Attribution::app(owner.member, laptop.device),
        Attribution::server_side(owner.member, Via::Api),
    ] {
        let mut copy = stored.clone();
        let change = copy
            .edit_by(&forged, 1_700_000_000_001, |contact| {
                contact.name.family = "Forged".into()
            })?
            .expect("an edit");
        phone
            .send_raw(
                Frame::Push {
                    batch: 9_000,
                    docs: vec![sync_core::wire::DocChanges::new(
                        id,
                        vec![serde_bytes::ByteBuf::from(change.raw_bytes().to_vec())],
                    )],
                }
                .encode(),
            )
            .await?;
        let mut answer = None;
        while let Some(frame) = phone.step(QUIET * 4).await? {
            if let Frame::Ack {
                batch: 9_000,
                results,
            } = frame
            {
                answer = results.into_iter().next();
                break;
            }
        }
        let answer = answer.expect("the forged push is answered");
        let rejected = answer.rejected.expect("refused");
        assert_eq!(rejected.code, "forbidden", "{}", rejected.message);
    }
    // Nothing forged reached the contact.
    let mut reader = WireDevice::connect(server, &laptop, [4; 16]).await?;
    reader.settle(QUIET).await?;
    assert_eq!(reader.replica.contact(id).expect("held")?.name.family, "");
    Ok(())
}
