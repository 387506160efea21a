//! A team's contacts over REST and sync together, on both backends: a contact not shared with
//! a member is out of their reach on every route; admins run groups and units; a deactivated
//! member is cut off at once; and a REST edit reaches a connected phone live.

#[path = "rest/support.rs"]
mod support;

use std::time::Duration;

use serde_json::json;
use support::{Company, PASSWORD, create, create_unit, delete, get, names, patch, post, put};
use sync_core::card::{CardStatus, attach_images, fields_to_contact};
use sync_core::ids::{ContactId, ItemId};
use tests::cards::{fixture_card, new_card_id, upload_card, wait_for_draft};
use tests::{TestServer, WireDevice};

const QUIET: Duration = Duration::from_millis(150);

tests::on_both_backends!(
    a_contact_not_shared_with_a_member_is_out_of_reach_on_every_route,
    admins_run_groups_and_units,
    a_deactivated_member_is_cut_off_and_cannot_sign_in,
    a_rest_edit_reaches_a_connected_phone_live,
);

async fn a_contact_not_shared_with_a_member_is_out_of_reach_on_every_route(
    server: &TestServer,
) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (ana, ben) = (&company.ana, &company.ben);
    // Ana scans a card and saves it, with its photo, from her phone.
    let mut phone = WireDevice::connect(server, ana, [1; 16]).await?;
    phone.settle(QUIET).await?;
    let card = new_card_id();
    let (status, body) = upload_card(server, ana, card, fixture_card("en-02.jpg")?, None).await?;
    anyhow::ensure!(status == reqwest::StatusCode::ACCEPTED, "{body}");
    let draft = wait_for_draft(&mut phone, card).await?;
    anyhow::ensure!(draft.status == CardStatus::Ready, "{:?}", draft.error);
    let mut next = 0u64;
    let mut contact = fields_to_contact(&draft.fields, || {
        next += 1;
        ItemId::from_random(0x5ec0_0000 + next)
    });
    contact.name.given = "Hidden".into();
    contact.name.family = "Okafor".into();
    attach_images(&mut contact, &draft.images);
    let sha256 = draft.images[0].blob.sha256.clone();
    let id = ContactId::from_u128(0x5ec0_0001);
    let effects = phone.replica.create(id, &contact)?;
    phone.apply(effects).await?;
    phone.settle(QUIET).await?;
    put(
        server,
        ana,
        &format!("/v1/contacts/{id}/visibility"),
        json!({"all": false}),
    )
    .await?
    .expect(200)?;

    let path = format!("/v1/contacts/{id}");
    assert_eq!(
        fetch(server, ana, &sha256).await?,
        200,
        "its owner gets the photo"
    );
    for route in [
        path.clone(),
        format!("{path}/history"),
        format!("{path}/activity"),
    ] {
        get(server, ben, &route)
            .await?
            .refused(404, "not_found", None)?;
    }
    assert_eq!(fetch(server, ben, &sha256).await?, 404, "nor the photo");
    patch(server, ben, &path, json!({"notes": "mine now"}))
        .await?
        .refused(404, "not_found", None)?;
    post(server, ben, &format!("{path}/archive"), json!({}))
        .await?
        .refused(404, "not_found", None)?;
    post(
        server,
        ben,
        &format!("{path}/activity"),
        json!({"kind": "note", "text": "x"}),
    )
    .await?
    .refused(404, "not_found", None)?;
    assert!(
        names(server, ben, "q=hidden").await?.0.is_empty(),
        "nor found by a search"
    );
    assert!(
        names(server, ben, "shelf=all").await?.0.is_empty(),
        "nor listed"
    );
    assert_eq!(names(server, ana, "q=hidden").await?.0, ["Hidden Okafor"]);
    Ok(())
}

/// The status of `GET /v1/blobs/{sha256}` as `account`.
async fn fetch(server: &TestServer, account: &tests::Account, sha256: &str) -> anyhow::Result<u16> {
    let response = reqwest::Client::new()
        .get(format!("{}/v1/blobs/{sha256}", server.base_url()))
        .bearer_auth(&account.access_token)
        .send()
        .await?;
    Ok(response.status().as_u16())
}

async fn admins_run_groups_and_units(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (owner, ana, ben) = (&company.owner, &company.ana, &company.ben);
    post(server, ana, "/v1/groups", json!({"name": "Golfers"}))
        .await?
        .refused(403, "forbidden", None)?;
    let group = post(server, owner, "/v1/groups", json!({"name": "Golfers"}))
        .await?
        .expect(201)?;
    let group = group["id"].as_str().unwrap().to_string();
    let renamed = patch(
        server,
        owner,
        &format!("/v1/groups/{group}"),
        json!({"name": "Golf club"}),
    )
    .await?
    .expect(200)?;
    assert_eq!(renamed["name"], "Golf club");
    post(
        server,
        owner,
        &format!("/v1/groups/{group}/members"),
        json!({"member": ana.member.to_string()}),
    )
    .await?
    .expect(204)?;
    post(
        server,
        owner,
        &format!("/v1/groups/{group}/members"),
        json!({"member": ben.member.to_string()}),
    )
    .await?
    .expect(204)?;
    delete(
        server,
        owner,
        &format!("/v1/groups/{group}/members/{}", ana.member),
    )
    .await?
    .expect(204)?;
    let groups = get(server, ana, "/v1/groups").await?.expect(200)?;
    assert_eq!(
        groups["groups"],
        json!([{"id": group, "name": "Golf club", "members": [ben.member.to_string()]}])
    );
    delete(server, owner, &format!("/v1/groups/{group}"))
        .await?
        .expect(204)?;
    assert_eq!(
        get(server, ana, "/v1/groups").await?.expect(200)?["groups"],
        json!([])
    );
    delete(server, owner, &format!("/v1/groups/{group}"))
        .await?
        .refused(404, "not_found", None)?;

    let sales = create_unit(server, owner, "Sales", None).await?;
    let tokyo = create_unit(server, owner, "Tokyo", Some(&sales)).await?;
    patch(
        server,
        owner,
        &format!("/v1/units/{sales}"),
        json!({"parent": tokyo}),
    )
    .await?
    .refused(400, "bad_request", Some("parent"))?;
    let moved = patch(
        server,
        owner,
        &format!("/v1/units/{tokyo}"),
        json!({"name": "Tokyo office", "parent": null}),
    )
    .await?
    .expect(200)?;
    assert_eq!(moved["parent"], json!(null));
    assert_eq!(moved["name"], "Tokyo office");
    post(
        server,
        owner,
        &format!("/v1/units/{tokyo}/members"),
        json!({"member": ben.member.to_string()}),
    )
    .await?
    .expect(204)?;
    post(
        server,
        ana,
        &format!("/v1/units/{tokyo}/members"),
        json!({"member": ana.member.to_string()}),
    )
    .await?
    .refused(403, "forbidden", None)?;
    let units = get(server, ben, "/v1/units").await?.expect(200)?;
    assert_eq!(
        units["units"],
        json!([
            {"id": sales, "name": "Sales", "parent": null, "members": []},
            {"id": tokyo, "name": "Tokyo office", "parent": null, "members": [ben.member.to_string()]},
        ])
    );
    delete(
        server,
        owner,
        &format!("/v1/units/{tokyo}/members/{}", ben.member),
    )
    .await?
    .expect(204)?;
    delete(server, owner, &format!("/v1/units/{sales}"))
        .await?
        .expect(204)?;
    let units = get(server, ben, "/v1/units").await?.expect(200)?;
    assert_eq!(units["units"].as_array().unwrap().len(), 1, "{units}");
    Ok(())
}

async fn a_deactivated_member_is_cut_off_and_cannot_sign_in(
    server: &TestServer,
) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (owner, ana, ben) = (&company.owner, &company.ana, &company.ben);
    let mut bens_phone = WireDevice::connect(server, ben, [2; 16]).await?;
    bens_phone.settle(QUIET).await?;
    patch(
        server,
        ana,
        &format!("/v1/members/{}", ben.member),
        json!({"active": false}),
    )
    .await?
    .refused(403, "forbidden", None)?;
    let changed = patch(
        server,
        owner,
        &format!("/v1/members/{}", ben.member),
        json!({"active": false}),
    )
    .await?
    .expect(200)?;
    assert_eq!(changed["active"], false);

    // His open socket is closed at once, not when his token expires.
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if bens_phone.step(Duration::from_secs(1)).await.is_err() {
                return;
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the deactivated member's socket stayed open"
    );
    // His tokens no longer work, and he cannot sign in again.
    get(server, ben, "/v1/contacts")
        .await?
        .refused(401, "unauthorized", None)?;
    let login = tests::login(server, "ben@kita.example", PASSWORD, "new phone").await;
    let refusal = login
        .expect_err("a deactivated member cannot sign in")
        .to_string();
    assert!(refusal.contains("403"), "{refusal}");
    let refreshed = reqwest::Client::new()
        .post(format!("{}/v1/token", server.base_url()))
        .json(&json!({"refresh_token": ben.refresh_token}))
        .send()
        .await?;
    assert_eq!(refreshed.status(), 401);
    assert!(
        tests::connect(server, &ben.access_token).await.is_err(),
        "nor sync"
    );

    // Only the owner changes roles; the owner cannot be deactivated.
    patch(
        server,
        owner,
        &format!("/v1/members/{}", owner.member),
        json!({"active": false}),
    )
    .await?
    .refused(403, "forbidden", None)?;
    patch(
        server,
        owner,
        &format!("/v1/members/{}", ben.member),
        json!({"active": true}),
    )
    .await?
    .expect(200)?;
    tests::login(server, "ben@kita.example", PASSWORD, "new phone").await?;
    Ok(())
}

async fn a_rest_edit_reaches_a_connected_phone_live(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (ana, ben) = (&company.ana, &company.ben);
    let mut phone = WireDevice::connect(server, ana, [1; 16]).await?;
    phone.settle(QUIET).await?;

    let id = create(server, ben, json!({"name": {"given": "Live"}})).await?;
    let contact: ContactId = id.parse()?;
    phone.settle(QUIET).await?;
    let held = phone.replica.contact(contact).expect("the phone got it")?;
    assert_eq!(held.name.given, "Live");

    patch(
        server,
        ben,
        &format!("/v1/contacts/{id}"),
        json!({"name": {"given": "Live", "family": "Wire"}}),
    )
    .await?
    .expect(200)?;
    phone.settle(QUIET).await?;
    assert_eq!(
        phone.replica.contact(contact).expect("held")?.name.family,
        "Wire"
    );

    // And the phone's own edit shows over REST.
    let effects = phone
        .replica
        .edit(contact, |c| c.name.nickname = "Livvy".into())?;
    phone.apply(effects).await?;
    phone.settle(QUIET).await?;
    let read = get(server, ben, &format!("/v1/contacts/{id}"))
        .await?
        .expect(200)?;
    assert_eq!(read["name"]["nickname"], "Livvy");
    assert_eq!(read["name"]["family"], "Wire");

    // A REST trash reaches it too.
    post(server, ben, &format!("/v1/contacts/{id}/trash"), json!({}))
        .await?
        .expect(200)?;
    phone.settle(QUIET).await?;
    assert!(phone.replica.contact(contact).expect("held")?.is_trashed());
    Ok(())
}
