//! Every member sees exactly what the access rules grant them: their own contacts, what is
//! shared with everyone, with them by name, with their groups, and with their org units or any
//! unit above them. The store shows it three ways (the member's access, their contact list, a
//! new phone's first sync) and all three must say the same after every change of the directory
//! or of a contact's sharing; a phone already in sync gains and drops exactly the difference.

use std::collections::{BTreeMap, BTreeSet};

use server::store::{Role, Store};
use sync_core::contact::Contact;
use sync_core::ids::{ContactId, GroupId, MemberId, UnitId};
use sync_core::wire::Visibility;

use super::support::{Phone, Shadow, accepted, items, push, push_shared, read_all};

const EVERYONES: ContactId = ContactId::from_u128(1);
const OWNERS_OWN: ContactId = ContactId::from_u128(2);
const ANAS_OWN: ContactId = ContactId::from_u128(3);
const FOR_BEN: ContactId = ContactId::from_u128(4);
const GOLFS: ContactId = ContactId::from_u128(5);
const BOARDS: ContactId = ContactId::from_u128(6);
const SALES: ContactId = ContactId::from_u128(7);
const HEAD_OFFICES: ContactId = ContactId::from_u128(8);
const LABS_AND_ANA: ContactId = ContactId::from_u128(9);
const TRASHED: ContactId = ContactId::from_u128(10);
const TOKYOS_ARCHIVED: ContactId = ContactId::from_u128(11);

/// Shared with these members, groups and units (and the owner).
fn shared(members: &[MemberId], groups: &[GroupId], units: &[UnitId]) -> Visibility {
    Visibility::Members {
        members: members.to_vec(),
        groups: groups.to_vec(),
        units: units.to_vec(),
    }
}

/// `member` creates a contact shared as `visibility` says, in both stores; `edit` shapes it
/// first (archived, in the trash) in a second change.
async fn create(
    s: &mut Shadow<'_>,
    member: MemberId,
    id: ContactId,
    visibility: Visibility,
    edit: impl FnOnce(&mut Contact),
) {
    let (mut phone, created) = Phone::create(id, 5, &format!("Contact {id}"));
    let shaped = phone.edit(|contact| {
        edit(contact);
        contact.name.family = "Seen".into();
    });
    let results = s
        .commit(member, &[push_shared(id, &[&created], visibility)])
        .await;
    accepted(&results[0]);
    let results = s.commit(member, &[push(id, &[&shaped])]).await;
    accepted(&results[0]);
}

/// What each member's phones held at the last check, and the head they had read to.
struct Phones {
    held: BTreeMap<MemberId, BTreeSet<ContactId>>,
    head: u64,
}

impl Phones {
    fn new() -> Self {
        Self {
            held: BTreeMap::new(),
            head: 0,
        }
    }

    /// The store shows every member what the reference's rules grant (see
    /// [`Shadow::assert_same_sight`]), and each member's phone, synced at the last check,
    /// reads a grant for each contact they gained and a revoke (or purge) for each they lost,
    /// and no other.
    async fn check(&mut self, s: &Shadow<'_>, step: &str) {
        s.assert_same_sight(step).await;
        for member in s.team.members() {
            let now = s.reference.visible_to(member);
            let held = self.held.remove(&member).unwrap_or_default();
            let read = items(&read_all(s.store, s.team.tenant, member, self.head).await);
            let of_kind = |kinds: &[&str]| -> BTreeSet<ContactId> {
                read.iter()
                    .filter(|(kind, _)| kinds.contains(kind))
                    .map(|(_, doc)| *doc)
                    .collect()
            };
            assert_eq!(
                of_kind(&["grant"]),
                now.difference(&held).copied().collect(),
                "{step}: what the phone of member {member} gains"
            );
            assert_eq!(
                of_kind(&["revoke", "purge"]),
                held.difference(&now).copied().collect(),
                "{step}: what the phone of member {member} drops"
            );
            self.held.insert(member, now);
        }
        self.head = s.store.head(s.team.tenant).await.expect("head");
    }

    /// What `member`'s phone holds now.
    fn of(&self, member: MemberId) -> Vec<ContactId> {
        self.held[&member].iter().copied().collect()
    }
}

pub async fn each_member_sees_exactly_what_sharing_groups_and_units_grant_through_every_change(
    store: &dyn Store,
) {
    let mut s = Shadow::new(store, "sight").await;
    let (owner, ana, ben) = (s.team.owner, s.team.ana, s.team.ben);
    let tenant = s.team.tenant;
    // Head office › Sales › Tokyo and Head office › Support; Labs on its own.
    let head_office = s.create_unit("Head office", None).await;
    let sales = s.create_unit("Sales", Some(head_office)).await;
    let tokyo = s.create_unit("Tokyo", Some(sales)).await;
    let support = s.create_unit("Support", Some(head_office)).await;
    let labs = s.create_unit("Labs", None).await;
    let golf = s.create_group("Golf").await;
    let board = s.create_group("Board").await;
    s.join_unit(ana, tokyo).await;
    s.join_group(ana, golf).await;
    s.join_unit(ben, support).await;
    s.join_unit(owner, labs).await;
    s.join_group(owner, board).await;

    let as_is = |_: &mut Contact| {};
    create(&mut s, owner, EVERYONES, Visibility::All, as_is).await;
    create(&mut s, owner, OWNERS_OWN, Visibility::private(), as_is).await;
    create(&mut s, ana, ANAS_OWN, Visibility::private(), as_is).await;
    create(&mut s, ana, FOR_BEN, shared(&[ben], &[], &[]), as_is).await;
    create(&mut s, owner, GOLFS, shared(&[], &[golf], &[]), as_is).await;
    create(&mut s, ben, BOARDS, shared(&[], &[board], &[]), as_is).await;
    create(&mut s, owner, SALES, shared(&[], &[], &[sales]), as_is).await;
    let head_offices = shared(&[], &[], &[head_office]);
    create(&mut s, ben, HEAD_OFFICES, head_offices, as_is).await;
    let labs_and_ana = shared(&[ana], &[], &[labs]);
    create(&mut s, ben, LABS_AND_ANA, labs_and_ana, as_is).await;
    let trash = |c: &mut Contact| c.lifecycle.trashed_at_ms = Some(1_000);
    create(&mut s, ana, TRASHED, Visibility::All, trash).await;
    let archive = |c: &mut Contact| c.lifecycle.archived = true;
    let tokyos = shared(&[], &[], &[tokyo]);
    create(&mut s, owner, TOKYOS_ARCHIVED, tokyos, archive).await;

    let mut phones = Phones::new();
    phones.check(&s, "the company as set up").await;
    // Spelled out once, so the rules are seen at work: the owner through Labs and the Board;
    // ana through Golf, by name and from Tokyo up to Head office; ben from Support, below
    // Head office. The trashed contact is everyone's; the archived one is Tokyo's.
    assert_eq!(
        phones.of(owner),
        [
            EVERYONES,
            OWNERS_OWN,
            GOLFS,
            BOARDS,
            SALES,
            LABS_AND_ANA,
            TRASHED,
            TOKYOS_ARCHIVED
        ]
    );
    assert_eq!(
        phones.of(ana),
        [
            EVERYONES,
            ANAS_OWN,
            FOR_BEN,
            GOLFS,
            SALES,
            HEAD_OFFICES,
            LABS_AND_ANA,
            TRASHED,
            TOKYOS_ARCHIVED
        ]
    );
    assert_eq!(
        phones.of(ben),
        [
            EVERYONES,
            FOR_BEN,
            BOARDS,
            HEAD_OFFICES,
            LABS_AND_ANA,
            TRASHED
        ]
    );

    // Names and roles are not sight: an admin manages contacts, and sees no more of them.
    store
        .rename_group(tenant, golf, "Golfers")
        .await
        .expect("renamed");
    store
        .set_member_role(tenant, ana, Role::Admin)
        .await
        .expect("role set");
    phones.check(&s, "Golf renamed, ana made an admin").await;

    s.join_group(ben, golf).await;
    phones.check(&s, "ben joined Golf").await;
    s.leave_unit(ana, tokyo).await;
    phones.check(&s, "ana left Tokyo").await;
    s.join_unit(ana, support).await;
    phones.check(&s, "ana joined Support").await;
    assert!(phones.of(ana).contains(&HEAD_OFFICES) && !phones.of(ana).contains(&SALES));

    // Support, with ana and ben, moves from Head office to Labs.
    s.move_unit(support, Some(labs)).await.expect("moved");
    phones.check(&s, "Support moved under Labs").await;
    assert!(!phones.of(ana).contains(&HEAD_OFFICES));
    assert!(phones.of(ben).contains(&HEAD_OFFICES), "ben owns it");

    // Labs goes: Support moves to the top and the owner, in Labs, leaves it.
    s.delete_unit(labs).await;
    phones.check(&s, "Labs deleted").await;
    assert!(!phones.of(owner).contains(&LABS_AND_ANA));
    assert!(
        phones.of(ana).contains(&LABS_AND_ANA),
        "ana is listed by name"
    );

    // Ben is away: his phones drop everything, and what changes meanwhile reaches him when
    // he is back, and only then.
    s.set_active(ben, false).await;
    phones.check(&s, "ben deactivated").await;
    assert!(phones.of(ben).is_empty());
    s.set_visibility(OWNERS_OWN, shared(&[], &[], &[support]))
        .await;
    phones
        .check(&s, "the owner's own contact shared with Support")
        .await;
    s.transfer_owner(FOR_BEN, owner).await.expect("transferred");
    phones
        .check(&s, "ana's contact for ben handed to the owner")
        .await;
    s.set_active(ben, true).await;
    phones.check(&s, "ben reactivated").await;
    assert!(phones.of(ben).contains(&OWNERS_OWN) && phones.of(ben).contains(&FOR_BEN));

    s.delete_group(board).await;
    phones.check(&s, "the Board deleted").await;
    assert!(!phones.of(owner).contains(&BOARDS));

    s.purge(TRASHED).await;
    phones.check(&s, "the trashed contact purged").await;

    // The owner joins Tokyo (below Sales and Head office), then Sales with Tokyo moves under
    // Support: Head office is no longer above.
    s.join_unit(owner, tokyo).await;
    phones.check(&s, "the owner joined Tokyo").await;
    assert!(phones.of(owner).contains(&HEAD_OFFICES));
    s.move_unit(sales, Some(support)).await.expect("moved");
    phones.check(&s, "Sales moved under Support").await;
    assert!(!phones.of(owner).contains(&HEAD_OFFICES));
    assert!(phones.of(owner).contains(&TOKYOS_ARCHIVED));
}
