//! Stories of the attribution message: what clients write, what the server lets a device push.

use super::*;

fn edit_bytes(by: Option<&Attribution>, message: Option<&str>) -> Vec<u8> {
    let mut doc = created();
    let change = match (by, message) {
        (Some(by), _) => doc
            .edit_by(by, AT + HOUR, |c| c.name.family = "Lindqvist".into())
            .unwrap(),
        (None, Some(message)) => {
            let options = CommitOptions::default().with_message(message);
            let hash = doc
                .automerge_mut()
                .transact_with(
                    |_| options,
                    |tx| automerge::transaction::Transactable::put(tx, ROOT, "language", "en"),
                )
                .unwrap()
                .hash
                .unwrap();
            doc.automerge().get_change_by_hash(&hash)
        }
        (None, None) => doc.edit(|c| c.name.family = "Lindqvist".into()).unwrap(),
    };
    change
        .expect("the edit changes something")
        .raw_bytes()
        .to_vec()
}

#[test]
fn the_message_is_a_short_json_object_a_typescript_client_can_write() {
    let by = Attribution::app(MINA, PHONE_A);
    assert_eq!(
        by.to_message(),
        r#"{"m":"00000000-0000-0000-0000-000000000001","d":"00000000-0000-0000-0000-00000000000a"}"#
    );
    let server = Attribution::server_side(ADMIN, Via::Server)
        .with_event(Event::OwnerTransferred, Some(JONAS.to_string()));
    assert_eq!(
        server.to_message(),
        r#"{"m":"00000000-0000-0000-0000-000000000003","via":"server","event":"owner_transferred","detail":"00000000-0000-0000-0000-000000000002"}"#
    );
    for attribution in [by, server] {
        assert_eq!(
            Attribution::from_message(&attribution.to_message()),
            Ok(Some(attribution))
        );
    }
    // Written by hand, as a TypeScript client would, with a key this version does not know.
    let handwritten = r#"{ "via": "app", "d": "00000000-0000-0000-0000-00000000000b",
        "m": "00000000-0000-0000-0000-000000000002", "client": "web 1.4" }"#;
    assert_eq!(
        Attribution::from_message(handwritten),
        Ok(Some(Attribution::app(JONAS, PHONE_B)))
    );
}

#[test]
fn free_text_messages_are_no_attribution_and_broken_objects_are_errors() {
    assert_eq!(Attribution::from_message("edited the name"), Ok(None));
    assert_eq!(Attribution::from_message("{not json"), Ok(None));
    for broken in [
        r#"{"d":"00000000-0000-0000-0000-00000000000b"}"#,
        r#"{"m":"mina"}"#,
        r#"{"m":"00000000-0000-0000-0000-000000000001","via":"fax"}"#,
    ] {
        assert!(
            matches!(
                Attribution::from_message(broken),
                Err(AttributionError::Malformed { .. })
            ),
            "{broken}"
        );
    }
}

#[test]
fn a_device_may_push_changes_naming_itself_or_naming_no_one() {
    let own = edit_bytes(Some(&Attribution::app(MINA, PHONE_A)), None);
    assert_eq!(check_attribution(&own, MINA, PHONE_A), Ok(()));
    let combined = Attribution::app(MINA, PHONE_A).with_event(Event::Combined, None);
    assert_eq!(
        check_attribution(&edit_bytes(Some(&combined), None), MINA, PHONE_A),
        Ok(())
    );
    let old_client = edit_bytes(None, None);
    assert_eq!(check_attribution(&old_client, MINA, PHONE_A), Ok(()));
    let free_text = edit_bytes(None, Some("set language"));
    assert_eq!(check_attribution(&free_text, MINA, PHONE_A), Ok(()));
}

#[test]
fn a_device_may_not_push_changes_in_someone_elses_name() {
    let own = edit_bytes(Some(&Attribution::app(MINA, PHONE_A)), None);
    assert_eq!(
        check_attribution(&own, JONAS, PHONE_A),
        Err(AttributionError::WrongMember {
            named: MINA,
            pushed_by: JONAS
        })
    );
    assert_eq!(
        check_attribution(&own, MINA, PHONE_B),
        Err(AttributionError::WrongDevice {
            named: Some(PHONE_A),
            pushed_by: PHONE_B
        })
    );
    let no_device = Attribution::server_side(MINA, Via::App);
    assert!(matches!(
        check_attribution(&edit_bytes(Some(&no_device), None), MINA, PHONE_A),
        Err(AttributionError::WrongDevice { named: None, .. })
    ));
}

#[test]
fn a_device_may_not_push_what_only_the_server_writes() {
    let mut api = Attribution::app(MINA, PHONE_A);
    api.via = Via::Api;
    let owner = Attribution::app(MINA, PHONE_A).with_event(Event::OwnerTransferred, None);
    for claim in [api, owner] {
        assert!(
            matches!(
                check_attribution(&edit_bytes(Some(&claim), None), MINA, PHONE_A),
                Err(AttributionError::ServerOnly { .. })
            ),
            "{claim:?}"
        );
    }
    let broken = edit_bytes(None, Some(r#"{"m":"mina"}"#));
    assert!(matches!(
        check_attribution(&broken, MINA, PHONE_A),
        Err(AttributionError::Malformed { .. })
    ));
    assert!(matches!(
        check_attribution(b"not a change", MINA, PHONE_A),
        Err(AttributionError::NotAChange { .. })
    ));
}

#[test]
fn times_are_milliseconds_and_automerge_seconds_are_understood() {
    use super::super::attribution::time_ms;
    assert_eq!(time_ms(0), None, "no time written");
    assert_eq!(time_ms(AT / 1000), Some(AT), "Automerge's default unit");
    assert_eq!(time_ms(AT), Some(AT));
}
