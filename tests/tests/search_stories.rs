//! Finding contacts over the REST API, on both backends: search by any part of a name, with or
//! without accents, in kana, by a phone number however it is written, by email, company or
//! tag; filters; and both orders, paged with a cursor.

#[path = "rest/support.rs"]
mod support;

use serde_json::json;
use support::{Company, create, encode, names};
use tests::TestServer;

tests::on_both_backends!(
    a_search_finds_a_contact_by_any_of_its_handles,
    filters_narrow_the_list,
    both_orders_page_with_a_cursor,
);

async fn a_search_finds_a_contact_by_any_of_its_handles(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let ana = &company.ana;
    create(
        server,
        ana,
        json!({
            "name": {"given": "José", "family": "Tanaka", "phonetic_family": "たなか"},
            "phones": [{"label": "work", "number": "03-1234-5678"}],
            "emails": [{"address": "jose@yamatakei.example"}],
            "organizations": [{"company": "Yamata Keiki"}],
            "tags": ["vip"],
        }),
    )
    .await?;
    create(
        server,
        ana,
        json!({"name": {"given": "Mara", "family": "Lindqvist"}}),
    )
    .await?;
    for (what, text) in [
        ("a part of the name", "tana"),
        ("the name without its accent", "jose"),
        ("the name with its accent, another case", "JOSÉ"),
        ("the reading in hiragana", "たなか"),
        ("the reading in katakana", "タナカ"),
        ("the number as dialled at home", "03-1234-5678"),
        ("the number as dialled abroad", "+81 3 1234 5678"),
        ("the number as printed", "(03) 1234-5678"),
        ("the email", "jose@yamatakei.example"),
        ("the company", "yamata"),
        ("the tag", "vip"),
    ] {
        let (found, _) = names(server, &company.ben, &format!("q={}", encode(text))).await?;
        assert_eq!(found, ["José Tanaka"], "by {what} ({text:?})");
    }
    let (none, _) = names(server, ana, "q=nobody").await?;
    assert!(none.is_empty(), "{none:?}");
    Ok(())
}

async fn filters_narrow_the_list(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let (ana, ben) = (&company.ana, &company.ben);
    create(
        server,
        ana,
        json!({"name": {"given": "Ada"}, "type": "customer", "level": "primary", "tags": ["vip"]}),
    )
    .await?;
    create(
        server,
        ana,
        json!({"name": {"given": "Bea"}, "type": "lead", "level": "secondary"}),
    )
    .await?;
    create(
        server,
        ben,
        json!({"name": {"given": "Cy"}, "type": "customer", "tags": ["vip", "kansai"]}),
    )
    .await?;
    assert_eq!(names(server, ana, "type=customer").await?.0, ["Ada", "Cy"]);
    assert_eq!(names(server, ana, "level=secondary").await?.0, ["Bea"]);
    assert_eq!(
        names(server, ana, &format!("owner={}", ben.member))
            .await?
            .0,
        ["Cy"]
    );
    assert_eq!(names(server, ana, "tag=vip").await?.0, ["Ada", "Cy"]);
    assert_eq!(
        names(server, ana, "tag=vip&type=customer&q=cy").await?.0,
        ["Cy"]
    );
    let refused = support::get(server, ana, "/v1/contacts?type=vendor").await?;
    refused.refused(400, "bad_request", Some("type"))?;

    let tags = support::get(server, ana, "/v1/tags").await?.expect(200)?;
    assert_eq!(
        tags["tags"],
        json!([{"tag": "kansai", "count": 1}, {"tag": "vip", "count": 2}])
    );
    Ok(())
}

async fn both_orders_page_with_a_cursor(server: &TestServer) -> anyhow::Result<()> {
    let company = Company::start(server).await?;
    let ana = &company.ana;
    let mut ids = Vec::new();
    for name in ["Eve", "Bob", "Dan", "Ann", "Cat"] {
        ids.push(create(server, ana, json!({"name": {"given": name}})).await?);
    }
    // By name, two at a time.
    let mut seen = Vec::new();
    let mut query = "limit=2".to_string();
    loop {
        let (page, next) = names(server, ana, &query).await?;
        assert!(page.len() <= 2);
        seen.extend(page);
        match next {
            Some(cursor) => query = format!("limit=2&cursor={}", encode(&cursor)),
            None => break,
        }
    }
    assert_eq!(seen, ["Ann", "Bob", "Cat", "Dan", "Eve"]);

    // By last change: Bob edited last comes first.
    support::patch(
        server,
        ana,
        &format!("/v1/contacts/{}", ids[1]),
        json!({"notes": "called"}),
    )
    .await?
    .expect(200)?;
    let mut seen = Vec::new();
    let mut query = "sort=changed&limit=3".to_string();
    loop {
        let (page, next) = names(server, ana, &query).await?;
        seen.extend(page);
        match next {
            Some(cursor) => query = format!("sort=changed&limit=3&cursor={}", encode(&cursor)),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(seen[0], "Bob", "{seen:?}");
    let refused = support::get(server, ana, "/v1/contacts?cursor=garbage").await?;
    refused.refused(400, "bad_request", Some("cursor"))?;
    Ok(())
}
