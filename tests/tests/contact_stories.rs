//! Contacts over the REST API, on both backends: create, read, change fields, archive, trash,
//! delete for good, share with a group or an org unit, hand to another member.

#[path = "rest/support.rs"]
mod support;

use serde_json::json;
use support::{Company, create, create_unit, delete, get, names, patch, post, put};
use tests::TestServer;

tests::on_both_backends!(
    a_contact_is_created_read_and_changed_field_by_field,
    a_bad_phone_number_is_refused_naming_it,
    an_archived_contact_leaves_the_default_list_and_is_found_on_its_shelf,
    the_trash_is_restored_from_and_emptied,
    only_the_owner_or_an_admin_deletes_for_good,
    sharing_with_a_group_or_a_unit_reaches_their_members,
    a_contact_changes_hands,
);

async fn a_contact_is_created_read_and_changed_field_by_field(
    server: &TestServer,
) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let ana = &company.ana;
    let created = post(
        server,
        ana,
        "/v1/contacts",
        json!({
            "name": {"given": "Aiko", "family": "Tanaka"},
            "phones": [{"label": "work", "number": "03-1234-5678"}],
            "emails": [{"label": "work", "address": "aiko@yamata.example"}],
            "organizations": [{"company": "Yamata Keiki"}],
            "dates": [{"label": "birthday", "date": "--04-07"}],
            "type": "customer", "level": "primary", "tags": ["vip"],
            "custom": {"budget": {"number": 1500}},
        }),
    )
    .await?
    .expect(201)?;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["owner"], ana.member.to_string());
    assert_eq!(created["visibility"], json!({"all": true}));
    assert_eq!(created["display_name"], "Aiko Tanaka");
    assert_eq!(
        created["phones"][0]["e164"], "+81312345678",
        "read with the company's country"
    );
    assert_eq!(
        created["phones"][0]["number"], "03-1234-5678",
        "kept as typed"
    );
    assert_eq!(created["dates"][0]["date"], "--04-07");
    assert_eq!(created["custom"], json!({"budget": {"number": 1500.0}}));
    let phone_id = created["phones"][0]["id"].as_str().unwrap().to_string();

    // Anyone who sees it reads it, with its (empty) conflicts.
    let read = get(server, &company.ben, &format!("/v1/contacts/{id}"))
        .await?
        .expect(200)?;
    assert_eq!(read["name"]["given"], "Aiko");
    assert_eq!(read["conflicts"], json!([]));

    // A PATCH replaces the fields it names and leaves the rest; a phone keeps its id.
    let changed = patch(
        server,
        &company.ben,
        &format!("/v1/contacts/{id}"),
        json!({
            "name": {"given": "Aiko", "family": "Sato"},
            "phones": [
                {"id": phone_id, "label": "mobile", "number": "03-1234-5678"},
                {"label": "home", "number": "+81 90 1234 5678"}
            ],
            "level": null,
        }),
    )
    .await?
    .expect(200)?;
    assert_eq!(changed["display_name"], "Aiko Sato");
    assert_eq!(changed["phones"][0]["id"], phone_id.as_str());
    assert_eq!(changed["phones"][0]["label"], "mobile");
    assert_eq!(changed["phones"].as_array().unwrap().len(), 2);
    assert_eq!(changed["level"], json!(null));
    assert_eq!(
        changed["emails"][0]["address"], "aiko@yamata.example",
        "untouched"
    );
    assert_eq!(changed["tags"], json!(["vip"]), "untouched");
    let again = get(server, ana, &format!("/v1/contacts/{id}"))
        .await?
        .expect(200)?;
    assert_eq!(again["name"]["family"], "Sato", "stored, not only answered");
    Ok(())
}

async fn a_bad_phone_number_is_refused_naming_it(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let answer = post(
        server,
        &company.ana,
        "/v1/contacts",
        json!({
            "name": {"given": "Bo"},
            "phones": [{"number": "+81 3 1234 5678"}, {"number": "12"}],
        }),
    )
    .await?;
    answer.refused(400, "invalid", Some("phones[1].number"))?;
    let nameless = post(
        server,
        &company.ana,
        "/v1/contacts",
        json!({"notes": "who?"}),
    )
    .await?;
    nameless.refused(400, "invalid", Some("name"))?;
    let wrong_type = post(
        server,
        &company.ana,
        "/v1/contacts",
        json!({"name": {"given": "Bo"}, "type": "vendor"}),
    )
    .await?;
    wrong_type.refused(400, "invalid", Some("type"))?;
    let (listed, _) = names(server, &company.ana, "").await?;
    anyhow::ensure!(listed.is_empty(), "nothing was stored: {listed:?}");
    Ok(())
}

async fn an_archived_contact_leaves_the_default_list_and_is_found_on_its_shelf(
    server: &TestServer,
) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let ana = &company.ana;
    let id = create(
        server,
        ana,
        json!({"name": {"given": "Old", "family": "Friend"}}),
    )
    .await?;
    create(
        server,
        ana,
        json!({"name": {"given": "New", "family": "Lead"}}),
    )
    .await?;
    let archived = post(
        server,
        ana,
        &format!("/v1/contacts/{id}/archive"),
        json!({}),
    )
    .await?
    .expect(200)?;
    assert_eq!(archived["archived"], true);
    assert_eq!(names(server, ana, "").await?.0, ["New Lead"]);
    assert_eq!(
        names(server, &company.ben, "shelf=archived").await?.0,
        ["Old Friend"]
    );
    assert_eq!(
        names(server, ana, "shelf=all").await?.0,
        ["New Lead", "Old Friend"]
    );
    post(
        server,
        ana,
        &format!("/v1/contacts/{id}/unarchive"),
        json!({}),
    )
    .await?
    .expect(200)?;
    assert_eq!(names(server, ana, "").await?.0, ["New Lead", "Old Friend"]);
    Ok(())
}

async fn the_trash_is_restored_from_and_emptied(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let ana = &company.ana;
    let kept = create(server, ana, json!({"name": {"given": "Kept"}})).await?;
    let gone = create(server, ana, json!({"name": {"given": "Gone"}})).await?;
    let bens = create(server, &company.ben, json!({"name": {"given": "Bens"}})).await?;
    for id in [&kept, &gone, &bens] {
        let trashed = post(server, ana, &format!("/v1/contacts/{id}/trash"), json!({}))
            .await?
            .expect(200)?;
        assert!(trashed["trashed_at_ms"].is_i64(), "{trashed}");
    }
    assert!(names(server, ana, "").await?.0.is_empty());
    assert_eq!(
        names(server, ana, "shelf=trash").await?.0,
        ["Bens", "Gone", "Kept"]
    );
    let restored = post(
        server,
        ana,
        &format!("/v1/contacts/{kept}/restore"),
        json!({}),
    )
    .await?
    .expect(200)?;
    assert_eq!(restored["trashed_at_ms"], json!(null));

    // Ana's trash holds hers and Ben's; she may delete for good only her own.
    let emptied = delete(server, ana, "/v1/trash").await?.expect(200)?;
    assert_eq!(emptied["purged"], 1);
    get(server, ana, &format!("/v1/contacts/{gone}"))
        .await?
        .refused(404, "not_found", None)?;
    assert_eq!(names(server, ana, "shelf=trash").await?.0, ["Bens"]);
    assert_eq!(names(server, ana, "").await?.0, ["Kept"]);
    Ok(())
}

async fn only_the_owner_or_an_admin_deletes_for_good(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let id = create(server, &company.ana, json!({"name": {"given": "Shared"}})).await?;
    let path = format!("/v1/contacts/{id}");
    delete(server, &company.ben, &path)
        .await?
        .refused(403, "forbidden", None)?;
    get(server, &company.ben, &path).await?.expect(200)?;
    delete(server, &company.ana, &path).await?.expect(204)?;
    get(server, &company.ben, &path)
        .await?
        .refused(404, "not_found", None)?;

    // The company owner deletes a rep's private contact they cannot even see.
    let private = post(
        server,
        &company.ana,
        "/v1/contacts",
        json!({"name": {"given": "Secret"}, "visibility": {"all": false}}),
    )
    .await?
    .expect(201)?;
    let path = format!("/v1/contacts/{}", private["id"].as_str().unwrap());
    get(server, &company.owner, &path)
        .await?
        .refused(404, "not_found", None)?;
    delete(server, &company.ben, &path)
        .await?
        .refused(404, "not_found", None)?;
    delete(server, &company.owner, &path).await?.expect(204)?;
    get(server, &company.ana, &path)
        .await?
        .refused(404, "not_found", None)?;
    Ok(())
}

async fn sharing_with_a_group_or_a_unit_reaches_their_members(
    server: &TestServer,
) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (owner, ana, ben) = (&company.owner, &company.ana, &company.ben);
    let cleo = tests::add_member(server, owner, "cleo@kita.example", support::PASSWORD).await?;
    let id = create(
        server,
        ana,
        json!({"name": {"given": "Quiet"}, "visibility": {"all": false}}),
    )
    .await?;
    let path = format!("/v1/contacts/{id}");
    get(server, ben, &path)
        .await?
        .refused(404, "not_found", None)?;

    // Shared with a group Ben is in.
    let group = post(server, owner, "/v1/groups", json!({"name": "Key accounts"}))
        .await?
        .expect(201)?;
    let group = group["id"].as_str().unwrap().to_string();
    post(
        server,
        owner,
        &format!("/v1/groups/{group}/members"),
        json!({"member": ben.member.to_string()}),
    )
    .await?
    .expect(204)?;
    let shared = put(
        server,
        ana,
        &format!("{path}/visibility"),
        json!({"all": false, "groups": [group]}),
    )
    .await?
    .expect(200)?;
    assert_eq!(
        shared["visibility"],
        json!({"all": false, "members": [], "groups": [group], "units": []})
    );
    get(server, ben, &path).await?.expect(200)?;
    get(server, &cleo, &path)
        .await?
        .refused(404, "not_found", None)?;

    // Shared with Sales instead: Cleo, in Sales › Tokyo, sees it; Ben no longer does.
    let sales = create_unit(server, owner, "Sales", None).await?;
    let tokyo = create_unit(server, owner, "Tokyo", Some(&sales)).await?;
    post(
        server,
        owner,
        &format!("/v1/units/{tokyo}/members"),
        json!({"member": cleo.member.to_string()}),
    )
    .await?
    .expect(204)?;
    put(
        server,
        ana,
        &format!("{path}/visibility"),
        json!({"all": false, "units": [sales]}),
    )
    .await?
    .expect(200)?;
    get(server, &cleo, &path).await?.expect(200)?;
    get(server, ben, &path)
        .await?
        .refused(404, "not_found", None)?;
    assert_eq!(names(server, &cleo, "q=quiet").await?.0, ["Quiet"]);

    // Only its owner or an admin changes who sees it; a listed unit must be the company's.
    put(
        server,
        &cleo,
        &format!("{path}/visibility"),
        json!({"all": true}),
    )
    .await?
    .refused(403, "forbidden", None)?;
    put(
        server,
        ana,
        &format!("{path}/visibility"),
        json!({"all": false, "units": [sales, ana.member.to_string()]}),
    )
    .await?
    .refused(400, "bad_request", Some("units[1]"))?;

    // The history shows the sharing.
    let history = get(server, ana, &format!("{path}/history"))
        .await?
        .expect(200)?;
    let events: Vec<&str> = history["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|revision| revision["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["visibility_changed", "visibility_changed", "added"]
    );
    assert_eq!(history["revisions"][0]["detail"], "1 unit");
    assert_eq!(history["revisions"][0]["via"], "api");
    Ok(())
}

async fn a_contact_changes_hands(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (ana, ben) = (&company.ana, &company.ben);
    let id = create(
        server,
        ana,
        json!({"name": {"given": "Handed"}, "visibility": {"all": false}}),
    )
    .await?;
    let path = format!("/v1/contacts/{id}");
    let body = json!({"owner": ben.member.to_string()});
    // Ben cannot take it; Ana gives it; Ben owns it and Ana still sees it.
    put(server, ben, &format!("{path}/owner"), body.clone())
        .await?
        .refused(404, "not_found", None)?;
    let handed = put(server, ana, &format!("{path}/owner"), body)
        .await?
        .expect(200)?;
    assert_eq!(handed["owner"], ben.member.to_string());
    assert_eq!(
        handed["visibility"]["members"],
        json!([ana.member.to_string()])
    );
    let (owned, _) = names(server, ben, &format!("owner={}", ben.member)).await?;
    assert_eq!(owned, ["Handed"]);
    get(server, ana, &path).await?.expect(200)?;
    // Ana is no longer its owner: she may not hand it on again.
    put(
        server,
        ana,
        &format!("{path}/owner"),
        json!({"owner": ana.member.to_string()}),
    )
    .await?
    .refused(403, "forbidden", None)?;
    let history = get(server, ben, &format!("{path}/history"))
        .await?
        .expect(200)?;
    assert_eq!(history["revisions"][0]["event"], "owner_transferred");
    assert_eq!(history["revisions"][0]["detail"], ben.member.to_string());
    assert_eq!(history["revisions"][0]["member"], ana.member.to_string());
    Ok(())
}
