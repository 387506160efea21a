//! Who may see a contact changes, and the phones follow: a member the owner stops sharing with
//! while their phone is away finds it gone at the next sync; a member taken out of a group
//! loses that group's contacts while connected. And what two phones did offline shows in the
//! contact's history as two revisions, one field of which is restored. Each story runs on
//! SQLite and on Postgres.

use std::time::Duration;

use serde_json::{Value, json};
use sync_core::contact::Contact;
use sync_core::ids::ContactId;
use tests::{Account, TestServer, WireDevice, add_member, signup};

const QUIET: Duration = Duration::from_millis(150);
const PASSWORD: &str = "correct horse battery";

tests::on_both_backends!(
    a_revoked_members_phone_drops_the_contact_on_its_next_sync,
    a_member_removed_from_a_group_loses_its_contacts_live,
    two_phones_offline_edits_are_two_revisions_and_one_field_is_restored,
);

fn named(given: &str) -> Contact {
    let mut contact = Contact::default();
    contact.name.given = given.into();
    contact
}

/// Sends a JSON request as `account` and returns its status and body (null when empty).
async fn call(
    server: &TestServer,
    account: &Account,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<(u16, Value)> {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.base_url()))
        .bearer_auth(&account.access_token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)?
    };
    Ok((status, body))
}

async fn a_revoked_members_phone_drops_the_contact_on_its_next_sync(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Orchid Freight", "owner@orchid.example", PASSWORD).await?;
    let rep = add_member(server, &owner, "tomas@orchid.example", PASSWORD).await?;
    let mut office = WireDevice::connect(server, &owner, [1; 16]).await?;
    let shared = ContactId::from_u128(0x61);
    let kept = ContactId::from_u128(0x62);
    for (id, given) in [(shared, "Ines"), (kept, "Pavel")] {
        let effects = office.replica.create(id, &named(given))?;
        office.apply(effects).await?;
    }
    office.settle(QUIET).await?;
    let mut phone = WireDevice::connect(server, &rep, [2; 16]).await?;
    phone.settle(QUIET).await?;
    assert!(
        phone.replica.contact(shared).is_some(),
        "the rep holds Ines"
    );

    // The phone is away while the owner makes Ines private.
    phone.disconnect().await;
    let (status, body) = call(
        server,
        &owner,
        reqwest::Method::PUT,
        &format!("/v1/contacts/{shared}/visibility"),
        Some(json!({"all": false})),
    )
    .await?;
    assert_eq!(status, 200, "{body}");

    // Its next sync takes Ines off the phone and leaves Pavel.
    phone.reconnect(server, &rep).await?;
    phone.settle(QUIET).await?;
    assert!(phone.replica.contact(shared).is_none(), "Ines is gone");
    assert!(phone.replica.contact(kept).is_some(), "Pavel stays");
    // And the server agrees: the rep cannot read it over REST either.
    let (status, _) = call(
        server,
        &rep,
        reqwest::Method::GET,
        &format!("/v1/contacts/{shared}"),
        None,
    )
    .await?;
    assert_eq!(status, 404);
    Ok(())
}

async fn a_member_removed_from_a_group_loses_its_contacts_live(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Larch Medical", "owner@larch.example", PASSWORD).await?;
    let rep = add_member(server, &owner, "noor@larch.example", PASSWORD).await?;
    let (status, group) = call(
        server,
        &owner,
        reqwest::Method::POST,
        "/v1/groups",
        Some(json!({"name": "Hospitals"})),
    )
    .await?;
    assert_eq!(status, 201, "{group}");
    let group = group["id"].as_str().expect("a group id").to_string();
    let (status, body) = call(
        server,
        &owner,
        reqwest::Method::POST,
        &format!("/v1/groups/{group}/members"),
        Some(json!({"member": rep.member.to_string()})),
    )
    .await?;
    assert_eq!(status, 204, "{body}");

    // A contact shared with the group only, and one shared with the rep by name.
    let mut office = WireDevice::connect(server, &owner, [3; 16]).await?;
    let through_group = ContactId::from_u128(0x71);
    let by_name = ContactId::from_u128(0x72);
    for id in [through_group, by_name] {
        let effects = office.replica.create(id, &named("Ward"))?;
        office.apply(effects).await?;
    }
    office.settle(QUIET).await?;
    for (id, visibility) in [
        (through_group, json!({"all": false, "groups": [group]})),
        (
            by_name,
            json!({"all": false, "members": [rep.member.to_string()]}),
        ),
    ] {
        let (status, body) = call(
            server,
            &owner,
            reqwest::Method::PUT,
            &format!("/v1/contacts/{id}/visibility"),
            Some(visibility),
        )
        .await?;
        assert_eq!(status, 200, "{body}");
    }
    let mut phone = WireDevice::connect(server, &rep, [4; 16]).await?;
    phone.settle(QUIET).await?;
    assert!(phone.replica.contact(through_group).is_some());
    assert!(phone.replica.contact(by_name).is_some());

    // Taken out of the group while the phone stays connected.
    let (status, body) = call(
        server,
        &owner,
        reqwest::Method::DELETE,
        &format!("/v1/groups/{group}/members/{}", rep.member),
        None,
    )
    .await?;
    assert_eq!(status, 204, "{body}");
    // No reconnect: the frames that arrive on the open socket take it off.
    for _ in 0..40 {
        if phone.replica.contact(through_group).is_none() {
            break;
        }
        phone.step(QUIET).await?;
    }
    assert!(
        phone.replica.contact(through_group).is_none(),
        "the group's contact leaves the connected phone"
    );
    assert!(
        phone.replica.contact(by_name).is_some(),
        "what is shared by name stays"
    );

    // Put back in the group, the phone gets it again, live.
    let (status, _) = call(
        server,
        &owner,
        reqwest::Method::POST,
        &format!("/v1/groups/{group}/members"),
        Some(json!({"member": rep.member.to_string()})),
    )
    .await?;
    assert_eq!(status, 204);
    phone.settle(QUIET * 2).await?;
    assert!(
        phone.replica.contact(through_group).is_some(),
        "granted again"
    );
    Ok(())
}

async fn two_phones_offline_edits_are_two_revisions_and_one_field_is_restored(
    server: &TestServer,
) -> anyhow::Result<()> {
    let owner = signup(server, "Quill Paper", "owner@quill.example", PASSWORD).await?;
    let rep = add_member(server, &owner, "sofia@quill.example", PASSWORD).await?;
    let mut mine = WireDevice::connect(server, &owner, [5; 16]).await?;
    let mut theirs = WireDevice::connect(server, &rep, [6; 16]).await?;
    let id = ContactId::from_u128(0x81);
    let mut contact = named("Ivo");
    contact.name.family = "Marek".into();
    let now_ms = server::state::now_ms();
    let effects = mine
        .replica
        .create_by(id, owner.member, now_ms, &contact, None)?;
    mine.apply(effects).await?;
    mine.settle(QUIET).await?;
    theirs.settle(QUIET).await?;

    // Both phones go offline and change different fields.
    mine.disconnect().await;
    theirs.disconnect().await;
    let effects = mine
        .replica
        .edit_by(id, owner.member, now_ms + 1_000, |contact| {
            contact.name.family = "Marek-Novak".into()
        })?;
    mine.apply(effects).await?;
    let effects = theirs
        .replica
        .edit_by(id, rep.member, now_ms + 1_001, |contact| {
            contact.language = Some("cs".into())
        })?;
    theirs.apply(effects).await?;
    mine.reconnect(server, &owner).await?;
    theirs.reconnect(server, &rep).await?;
    mine.settle(QUIET).await?;
    theirs.settle(QUIET).await?;
    mine.settle(QUIET).await?;

    let path = format!("/v1/contacts/{id}");
    let (status, history) = call(
        server,
        &owner,
        reqwest::Method::GET,
        &format!("{path}/history"),
        None,
    )
    .await?;
    assert_eq!(status, 200, "{history}");
    let revisions = history["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 3, "{history}");
    let by_device = |device: &tests::Account, path: &str| {
        revisions.iter().find(|revision| {
            revision["device"] == json!(device.device.to_string())
                && revision["changes"][0]["path"] == json!(path)
        })
    };
    let family = by_device(&owner, "name.family").expect("the owner's phone's revision");
    assert_eq!(family["event"], "edited");
    assert_eq!(family["changes"][0]["old"], "Marek");
    assert_eq!(family["changes"][0]["new"], "Marek-Novak");
    let language = by_device(&rep, "language").expect("the rep's phone's revision");
    assert_eq!(language["changes"][0]["new"], "cs");
    assert_eq!(revisions[2]["event"], "added");

    // The family name restored as it was when added; the rep's language stays, and the phone
    // sees it.
    let added = revisions[2]["id"].as_str().expect("an id");
    let (status, restored) = call(
        server,
        &rep,
        reqwest::Method::POST,
        &format!("{path}/history/{added}/restore"),
        Some(json!({"field": "name.family"})),
    )
    .await?;
    assert_eq!(status, 200, "{restored}");
    mine.settle(QUIET).await?;
    let held = mine.replica.contact(id).expect("held")?;
    assert_eq!(held.name.family, "Marek");
    assert_eq!(held.language.as_deref(), Some("cs"));
    Ok(())
}
