//! What a device too old to edit without loss sees: the layouts stated in `hello` and
//! `welcome`, and pushes refused with `upgrade_required` once the server's minimum passes the
//! device's layout. Today the minimum is 1, so nobody is refused; the stories raise it.

use automerge::ActorId;
use serde_bytes::ByteBuf;
use sync_core::accept::{MIN_LAYOUT, codes, layout_accepted, layout_at_least};
use sync_core::contact::DOC_LAYOUT;
use sync_core::ids::{ContactId, DeviceId, MemberId};
use sync_core::replica::device::{DeviceEffect, DeviceReplica};
use sync_core::replica::session::{ServerSession, SessionEffect};
use sync_core::wire::{DocChanges, DocResult, Frame, MAX_FRAME_BYTES, PROTOCOL_VERSION};

const DEVICE: DeviceId = DeviceId::from_u128(5);
const MEMBER: MemberId = MemberId::from_u128(3);

fn hello(layout: Option<u32>) -> Frame {
    Frame::Hello {
        v: PROTOCOL_VERSION,
        device: DEVICE,
        cursor: 0,
        accept: Vec::new(),
        layout,
    }
}

fn push() -> Frame {
    Frame::Push {
        batch: 9,
        docs: [1, 2]
            .map(|n| DocChanges::new(ContactId::from_u128(n), vec![ByteBuf::from(vec![1])]))
            .to_vec(),
    }
}

#[test]
fn today_every_layout_is_accepted() {
    assert_eq!((DOC_LAYOUT, MIN_LAYOUT), (1, 1));
    assert_eq!(layout_accepted(None), Ok(()));
    assert_eq!(layout_accepted(Some(1)), Ok(()));
    assert_eq!(layout_accepted(Some(2)), Ok(()));
}

#[test]
fn a_raised_minimum_refuses_older_layouts_and_devices_that_state_none() {
    for device_layout in [None, Some(1), Some(2)] {
        let refused = layout_at_least(device_layout, 3).unwrap_err();
        assert_eq!(refused.code, codes::UPGRADE_REQUIRED);
        assert!(
            refused.message.contains("update the app"),
            "{}",
            refused.message
        );
    }
    assert_eq!(layout_at_least(Some(3), 3), Ok(()));
    assert_eq!(layout_at_least(Some(4), 3), Ok(()));
    assert_eq!(
        layout_at_least(None, 1),
        Ok(()),
        "no layout stated means layout 1"
    );
}

#[test]
fn the_device_states_its_layout_and_the_server_its_own_and_its_minimum() {
    let mut device = DeviceReplica::new(DEVICE, ActorId::from([1u8; 16]));
    let effects = device.connected();
    assert!(
        matches!(&effects[..], [DeviceEffect::Send(Frame::Hello { layout: Some(layout), .. })] if *layout == DOC_LAYOUT),
        "{effects:?}"
    );
    let mut session = ServerSession::new(MEMBER, DEVICE, 0).requiring_layout(2);
    let answer = session.receive(hello(Some(1)));
    let welcome = answer.iter().find_map(|effect| match effect {
        SessionEffect::Send(frame @ Frame::Welcome { .. }) => Some(frame),
        _ => None,
    });
    assert!(
        matches!(
            welcome,
            Some(Frame::Welcome {
                layout: Some(1),
                min_layout: Some(2),
                ..
            })
        ),
        "{welcome:?}"
    );
}

#[test]
fn a_device_below_the_minimum_gets_every_contact_of_its_push_refused_and_nothing_commits() {
    for device_layout in [None, Some(1)] {
        let mut session = ServerSession::new(MEMBER, DEVICE, 0).requiring_layout(2);
        session.receive(hello(device_layout));
        let answer = session.receive(push());
        let refusal = |n| DocResult {
            doc: ContactId::from_u128(n),
            seq: None,
            rejected: Some(layout_at_least(device_layout, 2).unwrap_err()),
        };
        assert_eq!(
            answer,
            [SessionEffect::Send(Frame::Ack {
                batch: 9,
                results: vec![refusal(1), refusal(2)],
            })]
        );
    }
}

#[test]
fn a_device_at_the_minimum_pushes_as_before() {
    let mut session = ServerSession::new(MEMBER, DEVICE, 0).requiring_layout(2);
    session.receive(hello(Some(2)));
    assert!(matches!(
        &session.receive(push())[..],
        [SessionEffect::Commit { batch: 9, .. }]
    ));
    // And a server at today's minimum commits a push from a device that states no layout.
    let mut today = ServerSession::new(MEMBER, DEVICE, 0);
    today.receive(hello(None));
    assert!(matches!(
        &today.receive(push())[..],
        [SessionEffect::Commit { .. }]
    ));
}

#[test]
fn frames_from_before_layouts_were_stated_still_decode() {
    // A `hello` and a `welcome` as devices and servers wrote them before the layout fields:
    // the fields read as absent, which means layout 1.
    let old_hello = hex(
        "84a174a568656c6c6fa17601a6646576696365c41000000000000000000000000000000005a6637572736f7229",
    );
    assert_eq!(
        Frame::decode(&old_hello, MAX_FRAME_BYTES),
        Ok(Frame::Hello {
            v: 1,
            device: DEVICE,
            cursor: 41,
            accept: Vec::new(),
            layout: None,
        })
    );
    let old_welcome = hex("85a174a77765\
         6c636f6d65a17601a66d656d626572c41000000000000000000000000000000003a4686561642aa96d\
         61785f6672616d65ce00400000");
    assert!(matches!(
        Frame::decode(&old_welcome, MAX_FRAME_BYTES),
        Ok(Frame::Welcome {
            layout: None,
            min_layout: None,
            ..
        })
    ));
}

fn hex(text: &str) -> Vec<u8> {
    ::hex::decode(text).expect("valid hex")
}

/// A phone with one contact created offline, connected to a server that said `welcome`
/// with `min_layout`.
fn phone_welcomed_by(min_layout: Option<u32>) -> (DeviceReplica, Vec<DeviceEffect>) {
    let mut phone = DeviceReplica::new(DEVICE, ActorId::from([1u8; 16]));
    let mut contact = sync_core::contact::Contact::default();
    contact.name.given = "Mara".into();
    phone.create(ContactId::from_u128(1), &contact).unwrap();
    phone.connected();
    let effects = phone.receive(Frame::Welcome {
        v: PROTOCOL_VERSION,
        member: MEMBER,
        head: 0,
        max_frame: MAX_FRAME_BYTES as u32,
        layout: min_layout,
        min_layout,
    });
    (phone, effects)
}

fn pushes(effects: &[DeviceEffect]) -> usize {
    effects
        .iter()
        .filter(|effect| matches!(effect, DeviceEffect::Send(Frame::Push { .. })))
        .count()
}

#[test]
fn a_phone_told_its_layout_is_too_old_keeps_its_edits_and_asks_for_an_update() {
    let (phone, effects) = phone_welcomed_by(Some(DOC_LAYOUT + 1));
    assert!(effects.contains(&DeviceEffect::UpgradeRequired));
    assert_eq!(pushes(&effects), 0, "nothing is pushed to be refused");
    assert_eq!(phone.pending(), 1, "the edit waits for the updated app");
    // A server that states no minimum, or today's, gets the push as before.
    for min_layout in [None, Some(1)] {
        let (_, effects) = phone_welcomed_by(min_layout);
        assert!(!effects.contains(&DeviceEffect::UpgradeRequired));
        assert_eq!(pushes(&effects), 1);
    }
}

#[test]
fn a_push_refused_with_upgrade_required_stays_in_the_outbox() {
    let (mut phone, effects) = phone_welcomed_by(None);
    let Some(DeviceEffect::Send(Frame::Push { batch, docs })) = effects
        .into_iter()
        .find(|effect| matches!(effect, DeviceEffect::Send(Frame::Push { .. })))
    else {
        panic!("the phone pushes its new contact");
    };
    let contact_before = phone.contact(docs[0].doc).unwrap().unwrap();
    let effects = phone.receive(Frame::Ack {
        batch,
        results: vec![DocResult {
            doc: docs[0].doc,
            seq: None,
            rejected: Some(layout_at_least(Some(1), 2).unwrap_err()),
        }],
    });
    assert_eq!(effects, [DeviceEffect::UpgradeRequired]);
    assert_eq!(phone.pending(), 1, "not dropped like other rejections");
    assert_eq!(phone.contact(docs[0].doc).unwrap().unwrap(), contact_before);
    assert_eq!(
        pushes(&phone.tick()),
        0,
        "and not pushed again on this connection"
    );
}
