//! Keeps docs/protocol.md section 15.1 honest: every attribution example in it reads as the
//! attribution this test expects, and is byte for byte what the reference writer writes.

use sync_core::history::{Attribution, Event, Via};
use sync_core::ids::{DeviceId, MemberId};

const PROTOCOL_MD: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md"));

/// The marker line that names the `json` block following it.
const MARKER: &str = "<!-- attribution: ";

/// Every `<!-- attribution: NAME -->` marker with the one-line `json` block that follows it.
fn examples() -> Vec<(String, String)> {
    let lines: Vec<&str> = PROTOCOL_MD.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim().strip_prefix(MARKER) else {
            continue;
        };
        let name = rest.trim_end_matches("-->").trim().to_string();
        let block: Vec<&str> = lines[index + 1..]
            .iter()
            .copied()
            .skip_while(|line| line.trim().is_empty())
            .take(3)
            .collect();
        assert_eq!(
            (block[0], block[2]),
            ("```json", "```"),
            "protocol.md:{}: `{name}` must be followed by a one-line ```json block",
            index + 1
        );
        found.push((name, block[1].to_string()));
    }
    found
}

fn member(last: &str) -> MemberId {
    format!("0190a5c3-7b1e-7a2f-9c3d-5e6f7a8b{last}")
        .parse()
        .unwrap()
}

fn expected(name: &str) -> Attribution {
    let mina = member("9c01");
    let admin = member("9c03");
    let phone: DeviceId = "0190a5c3-7b1e-7a2f-9c3d-5e6f7a8b9d10".parse().unwrap();
    match name {
        "device edit" => Attribution::app(mina, phone),
        "REST write" => Attribution::server_side(mina, Via::Api),
        "owner transferred" => Attribution::server_side(admin, Via::Api)
            .with_event(Event::OwnerTransferred, Some(member("9c02").to_string())),
        "visibility changed" => Attribution::server_side(admin, Via::Api)
            .with_event(Event::VisibilityChanged, Some("private".to_string())),
        other => panic!("protocol.md has an attribution example `{other}` this test does not know"),
    }
}

#[test]
fn every_attribution_example_reads_as_documented_and_is_what_the_writer_writes() {
    let examples = examples();
    assert_eq!(
        examples.len(),
        4,
        "protocol.md section 15.1 keeps its four examples"
    );
    for (name, json) in examples {
        let attribution = expected(&name);
        assert_eq!(
            Attribution::from_message(&json),
            Ok(Some(attribution.clone())),
            "`{name}` reads as documented"
        );
        assert_eq!(
            attribution.to_message(),
            json,
            "`{name}` is what the writer writes"
        );
    }
}
