//! A contact's history, activity log and tags over the REST API, on both backends.

#[path = "rest/support.rs"]
mod support;

use serde_json::{Value, json};
use support::{Company, create, delete, get, names, patch, post, put};
use tests::TestServer;

tests::on_both_backends!(
    the_history_shows_each_edit_field_by_field_and_restores_one_field,
    calls_and_meetings_are_logged_newest_first,
    tags_are_added_and_removed_and_renamed_or_deleted_across_the_company,
);

/// One field a revision changed: `(path, kind, old, new)`.
type Change = (String, String, Value, Value);

/// `(event, member, [(path, kind, old, new)])` of each revision, newest first.
fn revisions(history: &Value) -> Vec<(String, String, Vec<Change>)> {
    history["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|revision| {
            let changes = revision["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .map(|change| {
                    (
                        change["path"].as_str().unwrap().to_string(),
                        change["kind"].as_str().unwrap().to_string(),
                        change["old"].clone(),
                        change["new"].clone(),
                    )
                })
                .collect();
            (
                revision["event"].as_str().unwrap().to_string(),
                revision["member_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                changes,
            )
        })
        .collect()
}

async fn the_history_shows_each_edit_field_by_field_and_restores_one_field(
    server: &TestServer,
) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (ana, ben) = (&company.ana, &company.ben);
    let id = create(
        server,
        ana,
        json!({"name": {"given": "Mara", "family": "Lind"}}),
    )
    .await?;
    let path = format!("/v1/contacts/{id}");
    patch(
        server,
        ana,
        &path,
        json!({"name": {"given": "Mara", "family": "Lindqvist"}}),
    )
    .await?
    .expect(200)?;
    patch(
        server,
        ben,
        &path,
        json!({"notes": "prefers email", "type": "customer"}),
    )
    .await?
    .expect(200)?;

    let history = get(server, ana, &format!("{path}/history"))
        .await?
        .expect(200)?;
    let listed = revisions(&history);
    assert_eq!(listed.len(), 3, "{history}");
    let (event, by, changes) = &listed[0];
    assert_eq!(
        (event.as_str(), by.as_str()),
        ("edited", "ben@kita.example")
    );
    assert_eq!(
        changes,
        &[
            (
                "type".to_string(),
                "changed".to_string(),
                json!("lead"),
                json!("customer")
            ),
            (
                "notes".to_string(),
                "added".to_string(),
                json!(null),
                json!("prefers email")
            ),
        ]
    );
    let (event, by, changes) = &listed[1];
    assert_eq!(
        (event.as_str(), by.as_str()),
        ("edited", "ana@kita.example")
    );
    assert_eq!(
        changes,
        &[(
            "name.family".to_string(),
            "changed".to_string(),
            json!("Lind"),
            json!("Lindqvist")
        )]
    );
    assert_eq!(listed[2].0, "added");
    assert_eq!(history["revisions"][0]["via"], "api");
    assert_eq!(history["revisions"][0]["device"], json!(null));

    // Paging: one at a time, the cursor is the last revision's id.
    let first = get(server, ana, &format!("{path}/history?limit=1"))
        .await?
        .expect(200)?;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(cursor, first["revisions"][0]["id"].as_str().unwrap());
    let second = get(
        server,
        ana,
        &format!("{path}/history?limit=1&cursor={cursor}"),
    )
    .await?
    .expect(200)?;
    assert_eq!(second["revisions"][0]["id"], history["revisions"][1]["id"]);

    // Restore the family name as it was when the contact was added: a new edit on top.
    let added = history["revisions"][2]["id"].as_str().unwrap();
    let restored = post(
        server,
        ben,
        &format!("{path}/history/{added}/restore"),
        json!({"field": "name.family"}),
    )
    .await?
    .expect(200)?;
    assert_eq!(restored["name"]["family"], "Lind");
    assert_eq!(restored["notes"], "prefers email", "the other fields stay");
    let after = revisions(
        &get(server, ana, &format!("{path}/history"))
            .await?
            .expect(200)?,
    );
    assert_eq!(after.len(), 4, "history is never rewritten");
    assert_eq!(
        after[0].2,
        [(
            "name.family".to_string(),
            "changed".to_string(),
            json!("Lindqvist"),
            json!("Lind")
        )]
    );
    post(
        server,
        ben,
        &format!("{path}/history/{}/restore", "ab".repeat(32)),
        json!({}),
    )
    .await?
    .refused(400, "bad_request", Some("revision"))?;
    Ok(())
}

async fn calls_and_meetings_are_logged_newest_first(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (ana, ben) = (&company.ana, &company.ben);
    let id = create(server, ana, json!({"name": {"given": "Kenji"}})).await?;
    let path = format!("/v1/contacts/{id}/activity");
    let call = post(
        server,
        ana,
        &path,
        json!({"kind": "call", "text": "intro call", "at_ms": 1_700_000_000_000i64}),
    )
    .await?
    .expect(201)?;
    assert_eq!(call["by"], ana.member.to_string());
    let meeting = post(
        server,
        ben,
        &path,
        json!({"kind": "meeting", "text": "demo at their office"}),
    )
    .await?
    .expect(201)?;
    assert!(
        meeting["at_ms"].as_i64().unwrap() > 1_700_000_000_000,
        "now by default"
    );
    post(server, ben, &path, json!({"kind": "lunch", "text": "?"}))
        .await?
        .refused(400, "invalid", Some("kind"))?;
    let log = get(server, ana, &path).await?.expect(200)?;
    let texts: Vec<&str> = log["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["demo at their office", "intro call"]);
    let contact = get(server, ana, &format!("/v1/contacts/{id}"))
        .await?
        .expect(200)?;
    assert_eq!(contact["activity"].as_array().unwrap().len(), 2);
    Ok(())
}

async fn tags_are_added_and_removed_and_renamed_or_deleted_across_the_company(
    server: &TestServer,
) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (owner, ana, ben) = (&company.owner, &company.ana, &company.ben);
    let first = create(
        server,
        ana,
        json!({"name": {"given": "One"}, "tags": ["kansai"]}),
    )
    .await?;
    // Ben's private contact: the admin renames its tag too, though nobody else sees it.
    let second = post(
        server,
        ben,
        "/v1/contacts",
        json!({"name": {"given": "Two"}, "tags": ["kansai", "vip"], "visibility": {"all": false}}),
    )
    .await?
    .expect(201)?;
    let second = second["id"].as_str().unwrap().to_string();

    let tagged = post(
        server,
        ana,
        &format!("/v1/contacts/{first}/tags"),
        json!({"add": ["vip", "golf"], "remove": ["kansai"]}),
    )
    .await?
    .expect(200)?;
    assert_eq!(tagged["tags"], json!(["golf", "vip"]));
    post(
        server,
        ana,
        &format!("/v1/contacts/{first}/tags"),
        json!({"add": ["  "]}),
    )
    .await?
    .refused(400, "invalid", None)?;

    put(server, ana, "/v1/tags/vip", json!({"name": "key account"}))
        .await?
        .refused(403, "forbidden", None)?;
    let renamed = put(
        server,
        owner,
        "/v1/tags/vip",
        json!({"name": "key account"}),
    )
    .await?
    .expect(200)?;
    assert_eq!(renamed["contacts"], 2);
    assert_eq!(names(server, ana, "tag=key%20account").await?.0, ["One"]);
    assert_eq!(
        names(server, ben, "tag=key%20account").await?.0,
        ["One", "Two"]
    );
    let two = get(server, ben, &format!("/v1/contacts/{second}"))
        .await?
        .expect(200)?;
    assert_eq!(two["tags"], json!(["kansai", "key account"]));

    let deleted = delete(server, owner, "/v1/tags/kansai")
        .await?
        .expect(200)?;
    assert_eq!(deleted["contacts"], 1);
    let two = get(server, ben, &format!("/v1/contacts/{second}"))
        .await?
        .expect(200)?;
    assert_eq!(two["tags"], json!(["key account"]));
    let tags = get(server, ana, "/v1/tags").await?.expect(200)?;
    assert_eq!(
        tags["tags"],
        json!([{"tag": "golf", "count": 1}, {"tag": "key account", "count": 1}])
    );
    Ok(())
}
