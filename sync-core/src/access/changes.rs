//! Who gains and who loses sight of which contacts when the directory changes: a member joins
//! or leaves a group or a unit, a unit moves in the tree, a member is deactivated or
//! reactivated. The contact's metadata stays as it is; the members' [`Viewer`]s change.
//!
//! The store writes, for each contact in the answer, a `granted` row for those who gained and
//! then a `revoked` row for those who lost, in the order the contacts were passed (stores pass
//! them in id order), in the transaction that changes the directory. Passing only the
//! contacts that could be affected (those whose visibility names the group or a unit of the
//! moved subtree; every contact for a deactivation) gives the same answer as passing all.

use std::collections::BTreeMap;

use super::Viewer;
use crate::ids::{ContactId, MemberId};
use crate::wire::DocMeta;

/// How one contact's audience changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessChange {
    /// The contact.
    pub doc: ContactId,
    /// Members who may now see it and could not before, in member order.
    pub gained: Vec<MemberId>,
    /// Members who could see it and may no longer, in member order.
    pub lost: Vec<MemberId>,
}

/// The contacts one member gains and loses when their viewer changes from `before` to `after`
/// (both describe the same member), among `metas`, in the order given.
pub fn membership_change<'a>(
    before: &Viewer,
    after: &Viewer,
    metas: impl IntoIterator<Item = (ContactId, &'a DocMeta)>,
) -> (Vec<ContactId>, Vec<ContactId>) {
    let mut gained = Vec::new();
    let mut lost = Vec::new();
    if before == after {
        return (gained, lost);
    }
    for (doc, meta) in metas {
        match (before.sees(meta), after.sees(meta)) {
            (false, true) => gained.push(doc),
            (true, false) => lost.push(doc),
            _ => {}
        }
    }
    (gained, lost)
}

/// Every contact among `metas` whose audience changes when the members' viewers change from
/// `before` to `after`, in the order given, with who gained and who lost it.
///
/// Viewers are matched by member. A member only in `before` (removed from the tenant) sees
/// nothing after; one only in `after` (just added) saw nothing before. Members whose viewer
/// is unchanged cost nothing, so passing every member is as cheap as passing those touched.
pub fn directory_change<'a>(
    before: &[Viewer],
    after: &[Viewer],
    metas: impl IntoIterator<Item = (ContactId, &'a DocMeta)>,
) -> Vec<AccessChange> {
    let mut pairs: BTreeMap<MemberId, (Option<&Viewer>, Option<&Viewer>)> = BTreeMap::new();
    for viewer in before {
        pairs.entry(viewer.member).or_default().0 = Some(viewer);
    }
    for viewer in after {
        pairs.entry(viewer.member).or_default().1 = Some(viewer);
    }
    pairs.retain(|_, (before, after)| before != after);
    if pairs.is_empty() {
        return Vec::new();
    }
    let sees = |viewer: Option<&Viewer>, meta: &DocMeta| viewer.is_some_and(|v| v.sees(meta));
    metas
        .into_iter()
        .filter_map(|(doc, meta)| {
            let mut change = AccessChange {
                doc,
                gained: Vec::new(),
                lost: Vec::new(),
            };
            for (member, (before, after)) in &pairs {
                match (sees(*before, meta), sees(*after, meta)) {
                    (false, true) => change.gained.push(*member),
                    (true, false) => change.lost.push(*member),
                    _ => {}
                }
            }
            (!change.gained.is_empty() || !change.lost.is_empty()).then_some(change)
        })
        .collect()
}
