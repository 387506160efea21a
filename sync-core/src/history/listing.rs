//! The document's changes in listing order, replayed, and rendered as revisions.
//!
//! Rendering a revision diffs each root field it touched between two states: before (the
//! change's dependencies) and after (the change). Reading a field is the costly part (the
//! notes of a long-lived contact run to thousands of characters), so each distinct state of
//! a field is read once: while replaying, every step records, per root field, which state that
//! field shows there — the last step that touched it, or the merge of concurrent steps that
//! did. A change that did not touch the notes shows the notes of the step that last did, so
//! the state "before" one revision is the state "after" an older one, already read.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::rc::Rc;

use automerge::{ActorId, Change, ChangeHash};

use super::render::{self, Flat};
use super::replay::{Clock, Replay};
use super::{Revision, attribution, derive_event};

/// One change replayed: what the listing needs of it once its operations are gone.
pub(super) struct Step {
    pub(super) hash: ChangeHash,
    actor: ActorId,
    pub(super) deps: Vec<ChangeHash>,
    /// The dependencies' positions among the steps.
    deps_at: Vec<usize>,
    pub(super) at_ms: Option<i64>,
    message: Option<String>,
    /// Its causal past and itself.
    clock: Clock,
    /// The root keys (by index) its operations touched.
    touched: Vec<usize>,
    /// Per root key (by index), the state the field shows after this step; keys first
    /// written later are absent (they show nothing yet).
    shows: Vec<State>,
}

/// Which document state a root field is read at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum State {
    /// Before any step touched it: absent.
    Nothing,
    /// As the step at this position left it.
    Step(usize),
    /// The merge of what these concurrent steps left (none in the past of another).
    Merge(Rc<[usize]>),
}

/// Every change of a document, replayed in listing order (oldest first).
pub(super) struct Listing {
    replay: Replay,
    steps: Vec<Step>,
}

impl Listing {
    /// Decode and replay `changes`.
    pub(super) fn replay(changes: Vec<Change>) -> Self {
        let mut replay = Replay::new();
        let mut steps: Vec<Step> = Vec::with_capacity(changes.len());
        let mut position: HashMap<ChangeHash, usize> = HashMap::with_capacity(changes.len());
        for change in causal_order(changes) {
            let deps_at: Vec<usize> = change
                .deps()
                .iter()
                .filter_map(|dep| position.get(dep).copied())
                .collect();
            let mut deps_clock = Clock::default();
            for dep in &deps_at {
                deps_clock.merge(&steps[*dep].clock);
            }
            let (clock, touched) = replay.apply(&change.decode(), &deps_clock);
            let shows = (0..replay.root_key_count())
                .map(|key| match touched.contains(&key) {
                    true => State::Step(steps.len()),
                    false => shown_before(&steps, &deps_at, key),
                })
                .collect();
            position.insert(change.hash(), steps.len());
            steps.push(Step {
                hash: change.hash(),
                actor: change.actor_id().clone(),
                deps: change.deps().to_vec(),
                deps_at,
                at_ms: attribution::time_ms(change.timestamp()),
                message: change.message().map(str::to_string),
                clock,
                touched,
                shows,
            });
        }
        replay.index_texts();
        Self { replay, steps }
    }

    /// The steps, oldest first.
    pub(super) fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// A renderer of steps as revisions, which reads each field state once.
    pub(super) fn renderer(&self) -> Renderer<'_> {
        Renderer {
            listing: self,
            flats: HashMap::new(),
        }
    }
}

/// The state root field `key` shows on top of the steps at `deps`: theirs when they agree,
/// else the merge of the ones not in the past of another.
fn shown_before(steps: &[Step], deps: &[usize], key: usize) -> State {
    let shown = |dep: usize| steps[dep].shows.get(key).cloned().unwrap_or(State::Nothing);
    if let [dep] = deps {
        return shown(*dep);
    }
    let mut positions: Vec<usize> = Vec::new();
    for dep in deps {
        match shown(*dep) {
            State::Nothing => {}
            State::Step(position) => positions.push(position),
            State::Merge(merged) => positions.extend(merged.iter()),
        }
    }
    positions.sort_unstable();
    positions.dedup();
    let latest: Vec<usize> = positions
        .iter()
        .copied()
        .filter(|position| {
            !positions.iter().any(|other| {
                other != position && steps[*position].clock.within(&steps[*other].clock)
            })
        })
        .collect();
    match latest.as_slice() {
        [] => State::Nothing,
        [position] => State::Step(*position),
        _ => State::Merge(latest.into()),
    }
}

/// The changes in an order where every change follows its dependencies; among changes ready
/// at once, the earliest time and then the smallest hash first. Adding changes never
/// reorders the ones already there, so a hash cursor stays meaningful.
fn causal_order(changes: Vec<Change>) -> Vec<Change> {
    let position: HashMap<ChangeHash, usize> = changes
        .iter()
        .enumerate()
        .map(|(index, change)| (change.hash(), index))
        .collect();
    let mut waiting_on = vec![0usize; changes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for (index, change) in changes.iter().enumerate() {
        for dep in change.deps() {
            if let Some(dep) = position.get(dep) {
                waiting_on[index] += 1;
                dependents[*dep].push(index);
            }
        }
    }
    let key = |index: usize| {
        let change = &changes[index];
        let at = attribution::time_ms(change.timestamp()).unwrap_or(0);
        Reverse((at, change.hash(), index))
    };
    let mut ready: BinaryHeap<Reverse<(i64, ChangeHash, usize)>> = (0..changes.len())
        .filter(|index| waiting_on[*index] == 0)
        .map(key)
        .collect();
    let mut order = Vec::with_capacity(changes.len());
    while let Some(Reverse((_, _, index))) = ready.pop() {
        order.push(index);
        for dependent in &dependents[index] {
            waiting_on[*dependent] -= 1;
            if waiting_on[*dependent] == 0 {
                ready.push(key(*dependent));
            }
        }
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|index| slots[index].take())
        .collect()
}

/// Renders steps as revisions, reading each root field once per distinct state.
pub(super) struct Renderer<'a> {
    listing: &'a Listing,
    flats: HashMap<(usize, State), Flat>,
}

impl Renderer<'_> {
    /// The step at `position` as a revision: its diff rendered and its event named.
    pub(super) fn revision(&mut self, position: usize) -> Revision {
        let listing = self.listing;
        let step = &listing.steps[position];
        let mut touched = step.touched.clone();
        touched.sort_by_key(|key| {
            let name = listing.replay.root_key(*key);
            let rank = render::ROOT_ORDER.iter().position(|known| *known == name);
            (rank.unwrap_or(render::ROOT_ORDER.len()), name)
        });
        let mut changes = Vec::new();
        for key in touched {
            let before = match step.deps_at.as_slice() {
                [] => State::Nothing,
                deps => shown_before(&listing.steps, deps, key),
            };
            let after = State::Step(position);
            self.read(key, &before);
            self.read(key, &after);
            changes.extend(render::diff(
                &self.flats[&(key, before)],
                &self.flats[&(key, after)],
            ));
        }
        let attribution = attribution::attribution_of(step.message.as_deref());
        let event = derive_event(step.deps.is_empty(), attribution.as_ref(), &changes);
        Revision {
            hash: step.hash,
            actor: step.actor.clone(),
            attribution,
            at_ms: step.at_ms,
            event,
            changes,
        }
    }

    /// Flatten root field `key` at `state`, unless already read.
    fn read(&mut self, key: usize, state: &State) {
        if self.flats.contains_key(&(key, state.clone())) {
            return;
        }
        let listing = self.listing;
        let name = listing.replay.root_key(key);
        let flat = match state {
            State::Nothing => Flat::default(),
            State::Step(position) => {
                render::flatten(&listing.replay, name, &listing.steps[*position].clock)
            }
            State::Merge(positions) => {
                let mut clock = Clock::default();
                for position in positions.iter() {
                    clock.merge(&listing.steps[*position].clock);
                }
                render::flatten(&listing.replay, name, &clock)
            }
        };
        self.flats.insert((key, state.clone()), flat);
    }
}
