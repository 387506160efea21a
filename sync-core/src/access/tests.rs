use super::*;
use crate::ids::ContactId;
use crate::wire::MAX_SHARED_MEMBERS;

const OWNER: MemberId = MemberId::from_u128(1);
const ANA: MemberId = MemberId::from_u128(2);
const BEN: MemberId = MemberId::from_u128(3);
const FIELD_REPS: GroupId = GroupId::from_u128(10);
const COMPANY: UnitId = UnitId::from_u128(20);
const SALES: UnitId = UnitId::from_u128(21);
const TOKYO: UnitId = UnitId::from_u128(22);
const SUPPORT: UnitId = UnitId::from_u128(23);

/// Company › Sales › Tokyo, and Company › Support.
fn tree() -> UnitTree {
    UnitTree::from_parents([
        (COMPANY, None),
        (SALES, Some(COMPANY)),
        (TOKYO, Some(SALES)),
        (SUPPORT, Some(COMPANY)),
    ])
    .unwrap()
}

fn shared(members: &[MemberId], groups: &[GroupId], units: &[UnitId]) -> DocMeta {
    DocMeta {
        owner: OWNER,
        visibility: Visibility::Members {
            members: members.to_vec(),
            groups: groups.to_vec(),
            units: units.to_vec(),
        },
    }
}

fn viewer(member: MemberId, groups: &[GroupId], units: &[UnitId]) -> Viewer {
    Viewer::new(
        member,
        groups.iter().copied(),
        units.iter().copied(),
        &tree(),
        true,
    )
}

#[test]
fn a_member_of_a_listed_group_sees_the_contact_and_others_do_not() {
    let contact = shared(&[], &[FIELD_REPS], &[]);
    assert!(viewer(ANA, &[FIELD_REPS], &[]).sees(&contact));
    assert!(!viewer(BEN, &[], &[]).sees(&contact));
    assert!(
        viewer(OWNER, &[], &[]).sees(&contact),
        "the owner always does"
    );
}

#[test]
fn sharing_with_a_unit_reaches_every_unit_below_it_and_none_above_or_beside() {
    let contact = shared(&[], &[], &[SALES]);
    assert!(viewer(ANA, &[], &[SALES]).sees(&contact));
    assert!(
        viewer(ANA, &[], &[TOKYO]).sees(&contact),
        "Tokyo is below Sales"
    );
    assert!(!viewer(ANA, &[], &[COMPANY]).sees(&contact), "above");
    assert!(!viewer(ANA, &[], &[SUPPORT]).sees(&contact), "beside");
}

#[test]
fn a_viewer_holds_its_units_with_every_ancestor() {
    assert_eq!(
        viewer(ANA, &[], &[TOKYO, SUPPORT]).units,
        BTreeSet::from([COMPANY, SALES, TOKYO, SUPPORT])
    );
}

#[test]
fn a_deactivated_member_sees_nothing_not_even_their_own_contacts() {
    let gone = Viewer::new(OWNER, [FIELD_REPS], [SALES], &tree(), false);
    let everyone = DocMeta {
        owner: OWNER,
        visibility: Visibility::All,
    };
    assert!(!gone.sees(&everyone));
    assert!(!gone.sees(&shared(&[OWNER], &[FIELD_REPS], &[SALES])));
    assert!(!gone.may_edit(None), "nor create contacts");
}

#[test]
fn joining_a_group_gains_exactly_the_contacts_shared_with_it() {
    let contacts = [
        (ContactId::from_u128(1), shared(&[], &[FIELD_REPS], &[])),
        (ContactId::from_u128(2), shared(&[ANA], &[], &[])),
        (ContactId::from_u128(3), shared(&[], &[], &[])),
    ];
    let metas = || contacts.iter().map(|(id, meta)| (*id, meta));
    let before = viewer(ANA, &[], &[]);
    let after = viewer(ANA, &[FIELD_REPS], &[]);
    assert_eq!(
        membership_change(&before, &after, metas()),
        (vec![ContactId::from_u128(1)], vec![])
    );
    assert_eq!(
        membership_change(&after, &before, metas()),
        (vec![], vec![ContactId::from_u128(1)]),
        "leaving loses it again; the one shared by name stays"
    );
}

#[test]
fn deactivating_loses_everything_and_reactivating_gives_it_back() {
    let contacts = [
        (ContactId::from_u128(1), shared(&[ANA], &[], &[])),
        (
            ContactId::from_u128(2),
            DocMeta {
                owner: ANA,
                visibility: Visibility::private(),
            },
        ),
        (ContactId::from_u128(3), shared(&[], &[], &[])),
    ];
    let metas = || contacts.iter().map(|(id, meta)| (*id, meta));
    let active = viewer(ANA, &[], &[]);
    let deactivated = Viewer {
        active: false,
        ..active.clone()
    };
    let lost = vec![ContactId::from_u128(1), ContactId::from_u128(2)];
    assert_eq!(
        membership_change(&active, &deactivated, metas()),
        (vec![], lost.clone())
    );
    assert_eq!(
        membership_change(&deactivated, &active, metas()),
        (lost, vec![])
    );
}

#[test]
fn moving_a_unit_grants_what_its_new_parent_sees_and_revokes_what_the_old_one_did() {
    let shared_with_sales = (ContactId::from_u128(1), shared(&[], &[], &[SALES]));
    let shared_with_support = (ContactId::from_u128(2), shared(&[], &[], &[SUPPORT]));
    let contacts = [shared_with_sales, shared_with_support];
    let mut moved = tree();
    moved.move_unit(TOKYO, Some(SUPPORT)).unwrap();
    // Ana works in Tokyo, Ben in Sales itself: only Ana moves with her unit.
    let before = [viewer(ANA, &[], &[TOKYO]), viewer(BEN, &[], &[SALES])];
    let after = [
        Viewer::new(ANA, [], [TOKYO], &moved, true),
        Viewer::new(BEN, [], [SALES], &moved, true),
    ];
    let changes = directory_change(
        &before,
        &after,
        contacts.iter().map(|(id, meta)| (*id, meta)),
    );
    assert_eq!(
        changes,
        [
            AccessChange {
                doc: ContactId::from_u128(1),
                gained: vec![],
                lost: vec![ANA],
            },
            AccessChange {
                doc: ContactId::from_u128(2),
                gained: vec![ANA],
                lost: vec![],
            },
        ]
    );
}

#[test]
fn a_member_new_to_the_directory_saw_nothing_before_and_a_removed_one_sees_nothing_after() {
    let everyone = DocMeta {
        owner: OWNER,
        visibility: Visibility::All,
    };
    let contacts = [(ContactId::from_u128(1), everyone)];
    let metas = || contacts.iter().map(|(id, meta)| (*id, meta));
    let ana = viewer(ANA, &[], &[]);
    let added = directory_change(&[], std::slice::from_ref(&ana), metas());
    assert_eq!(added[0].gained, [ANA]);
    let removed = directory_change(std::slice::from_ref(&ana), &[], metas());
    assert_eq!(removed[0].lost, [ANA]);
    let unchanged = std::slice::from_ref(&ana);
    assert!(directory_change(unchanged, unchanged, metas()).is_empty());
}

#[test]
fn a_transfer_keeps_the_previous_owner_in_the_list_and_drops_the_new_one_from_it() {
    let meta = shared(&[ANA], &[FIELD_REPS], &[]);
    let moved = transfer_owner(&meta, &viewer(ANA, &[], &[])).unwrap();
    assert_eq!(moved, {
        let mut expected = shared(&[OWNER], &[FIELD_REPS], &[]);
        expected.owner = ANA;
        expected
    });
    assert!(
        viewer(OWNER, &[], &[]).sees(&moved),
        "the old owner keeps sight"
    );
}

#[test]
fn a_contact_shared_with_everyone_stays_so_after_a_transfer() {
    let everyone = DocMeta {
        owner: OWNER,
        visibility: Visibility::All,
    };
    let moved = transfer_owner(&everyone, &viewer(BEN, &[], &[])).unwrap();
    assert_eq!(
        moved,
        DocMeta {
            owner: BEN,
            visibility: Visibility::All
        }
    );
}

#[test]
fn a_transfer_to_a_deactivated_member_or_past_the_limit_is_refused() {
    let gone = Viewer {
        active: false,
        ..viewer(BEN, &[], &[])
    };
    assert_eq!(
        transfer_owner(&shared(&[], &[], &[]), &gone),
        Err(TransferError::Inactive { member: BEN })
    );
    let full: Vec<MemberId> = (100..100 + MAX_SHARED_MEMBERS as u128)
        .map(MemberId::from_u128)
        .collect();
    assert!(matches!(
        transfer_owner(&shared(&full, &[], &[]), &viewer(BEN, &[], &[])),
        Err(TransferError::Visibility(VisibilityError::TooManyMembers {
            count: 501,
            ..
        }))
    ));
}

#[test]
fn the_owner_admins_and_the_company_owner_manage_a_contact_and_members_do_not() {
    let private = DocMeta {
        owner: OWNER,
        visibility: Visibility::private(),
    };
    assert!(may_manage(Role::Member, &viewer(OWNER, &[], &[]), &private));
    assert!(may_manage(Role::Admin, &viewer(ANA, &[], &[]), &private));
    assert!(may_manage(Role::Owner, &viewer(ANA, &[], &[]), &private));
    let everyone = DocMeta {
        owner: OWNER,
        visibility: Visibility::All,
    };
    assert!(!may_manage(Role::Member, &viewer(BEN, &[], &[]), &everyone));
    assert!(
        viewer(BEN, &[], &[]).may_edit(Some(&everyone)),
        "but edits it"
    );
    let deactivated_admin = Viewer {
        active: false,
        ..viewer(ANA, &[], &[])
    };
    assert!(!may_manage(Role::Admin, &deactivated_admin, &private));
}
