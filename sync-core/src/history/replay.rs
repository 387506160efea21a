//! The document's operations replayed once, in causal order, into a model that can be read as
//! at any change.
//!
//! Why not ask Automerge: reading a document "as at heads" costs about 1.5 ms per contact
//! state in automerge 0.12 (and `diff(before, after)` about as much), so a history of 1,000
//! revisions would take seconds. Decoding a change costs microseconds. So the history decodes
//! every change once and keeps, for every map key and list element, every value ever written
//! there with the operations that later overwrote or deleted it. A value is visible at a
//! change's clock when the clock covers the operation that wrote it and none of its
//! successors: Automerge's own rule, so the model reads exactly what Automerge would.
//!
//! Clocks: for each actor, the highest operation counter the change's causal past holds. An
//! actor's changes are sequential, so "counter at most the clock's" is "in the past".

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use automerge::legacy::{self, ElementId, Key, ObjectId, OpType};

mod sequence;

use automerge::{ActorId, ObjType, ScalarValue};
use sequence::{TextIndex, insert_element};

/// An operation id with its actor interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct OpId {
    counter: u64,
    actor: u32,
}

/// Operation ids are already well spread (a counter and a small actor index), and the
/// replay looks one up for every operation, so they skip SipHash.
#[derive(Default)]
pub(super) struct OpIdHasher(u64);

impl Hasher for OpIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
}

/// A map keyed by operation id.
pub(super) type OpMap<V> = HashMap<OpId, V, BuildHasherDefault<OpIdHasher>>;

/// The root map's id (real operation counters start at 1).
pub(super) const ROOT: OpId = OpId {
    counter: 0,
    actor: 0,
};

/// For each actor (by interned index), the highest operation counter covered.
#[derive(Debug, Clone, Default)]
pub(super) struct Clock(Vec<u64>);

impl Clock {
    fn covers(&self, id: OpId) -> bool {
        id == ROOT
            || self
                .0
                .get(id.actor as usize)
                .is_some_and(|max| id.counter <= *max)
    }

    /// The clock covering both this and `other`.
    pub(super) fn merge(&mut self, other: &Clock) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// Whether everything this clock covers, `other` covers too (this state is in the past
    /// of, or equal to, `other`'s).
    pub(super) fn within(&self, other: &Clock) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(actor, max)| *max <= other.0.get(actor).copied().unwrap_or(0))
    }

    fn include(&mut self, actor: u32, max_op: u64) {
        let actor = actor as usize;
        if self.0.len() <= actor {
            self.0.resize(actor + 1, 0);
        }
        self.0[actor] = self.0[actor].max(max_op);
    }
}

/// A value written by one operation.
#[derive(Debug, Clone)]
pub(super) enum Value {
    Scalar(ScalarValue),
    /// A map, list or text object, by the id of the operation that made it.
    Object(OpId),
}

/// One operation that wrote a value, and the operations that later overwrote or deleted it.
#[derive(Debug)]
struct Written {
    id: OpId,
    value: Value,
    /// The first successor inline: nearly every value is overwritten or deleted at most once,
    /// and reading text checks every character's.
    succ: Option<OpId>,
    more_succ: Vec<OpId>,
}

impl Written {
    fn visible(&self, clock: &Clock) -> bool {
        clock.covers(self.id)
            && !self.succ.is_some_and(|succ| clock.covers(succ))
            && !self.more_succ.iter().any(|succ| clock.covers(*succ))
    }
}

/// One list or text element: the operation that inserted it and every value written to it.
#[derive(Debug)]
struct Element {
    id: OpId,
    /// The inserted value (an index into [`Replay::written`]), inline: a text character is
    /// only ever inserted and perhaps deleted, and reading text checks every one.
    first: u32,
    /// Values written to the element later (list items edited in place), rarely any.
    more: Vec<u32>,
}

#[derive(Debug)]
enum Slots {
    Map(BTreeMap<String, Vec<u32>>),
    /// Elements in document order (Automerge's RGA rule), deleted ones included.
    Seq {
        elements: Vec<Element>,
        /// Where the last insert went: typing inserts each character after the previous one.
        last_insert: usize,
        /// A text object (the notes) rather than a list.
        text: bool,
    },
}

#[derive(Debug)]
struct Object {
    /// The root key the object sits under (`phones` for a phone item), which is what the
    /// history diffs when the object changes; an index into [`Replay::root_keys`].
    root_key: usize,
    slots: Slots,
}

/// Every change of a document replayed.
#[derive(Debug, Default)]
pub(super) struct Replay {
    actors: Vec<ActorId>,
    actor_index: HashMap<ActorId, u32>,
    /// The actor interned last: most operations name the actor of their own change.
    last_actor: Option<u32>,
    objects: OpMap<Object>,
    written: Vec<Written>,
    written_index: OpMap<u32>,
    /// The root map's keys, in the order first written (`name`, `phones`, …).
    root_keys: Vec<String>,
    /// Text objects laid out for reading, once replayed ([`Replay::index_texts`]).
    texts: OpMap<TextIndex>,
}

impl Replay {
    pub(super) fn new() -> Self {
        let mut replay = Self::default();
        replay.objects.insert(
            ROOT,
            Object {
                root_key: usize::MAX,
                slots: Slots::Map(BTreeMap::new()),
            },
        );
        replay
    }

    fn intern(&mut self, actor: &ActorId) -> u32 {
        if let Some(last) = self.last_actor
            && self.actors[last as usize] == *actor
        {
            return last;
        }
        let index = match self.actor_index.get(actor) {
            Some(index) => *index,
            None => {
                let index = self.actors.len() as u32;
                self.actors.push(actor.clone());
                self.actor_index.insert(actor.clone(), index);
                index
            }
        };
        self.last_actor = Some(index);
        index
    }

    fn op_id(&mut self, id: &legacy::OpId) -> OpId {
        OpId {
            counter: id.counter(),
            actor: self.intern(id.actor()),
        }
    }

    /// The root key with index `index` (see [`Replay::apply`]).
    pub(super) fn root_key(&self, index: usize) -> &str {
        &self.root_keys[index]
    }

    /// How many root keys have been written so far; their indexes are `0..count`.
    pub(super) fn root_key_count(&self) -> usize {
        self.root_keys.len()
    }

    fn root_key_index(&mut self, key: &str) -> usize {
        match self.root_keys.iter().position(|known| known == key) {
            Some(index) => index,
            None => {
                self.root_keys.push(key.to_string());
                self.root_keys.len() - 1
            }
        }
    }

    /// Replay one decoded change whose causal past has been replayed. Returns its clock (the
    /// clock of its dependencies, `deps_clock`, plus its own operations) and the indexes of
    /// the root keys its operations touched.
    pub(super) fn apply(
        &mut self,
        change: &automerge::ExpandedChange,
        deps_clock: &Clock,
    ) -> (Clock, Vec<usize>) {
        let actor = self.intern(&change.actor_id);
        let start = change.start_op.get();
        let mut clock = deps_clock.clone();
        clock.include(actor, start + change.operations.len() as u64 - 1);
        let mut touched: Vec<usize> = Vec::new();
        for (offset, op) in change.operations.iter().enumerate() {
            let id = OpId {
                counter: start + offset as u64,
                actor,
            };
            if let Some(root_key) = self.apply_op(id, op)
                && !touched.contains(&root_key)
            {
                touched.push(root_key);
            }
        }
        (clock, touched)
    }

    /// Apply one operation; returns the root key it touched.
    fn apply_op(&mut self, id: OpId, op: &legacy::Op) -> Option<usize> {
        let obj = match &op.obj {
            ObjectId::Root => ROOT,
            ObjectId::Id(id) => self.op_id(id),
        };
        let root_key = match (&op.key, obj == ROOT) {
            (Key::Map(key), true) => self.root_key_index(key),
            // The root map itself sits under no root key (a malformed operation).
            _ => Some(self.objects.get(&obj)?.root_key).filter(|key| *key != usize::MAX)?,
        };
        for pred in op.pred.iter() {
            let pred = self.op_id(pred);
            if let Some(index) = self.written_index.get(&pred) {
                let written = &mut self.written[*index as usize];
                match written.succ {
                    None => written.succ = Some(id),
                    Some(_) => written.more_succ.push(id),
                }
            }
        }
        let value = match &op.action {
            OpType::Put(scalar) => Value::Scalar(scalar.clone()),
            OpType::Make(kind) => {
                let slots = match kind {
                    ObjType::Map | ObjType::Table => Slots::Map(BTreeMap::new()),
                    ObjType::List | ObjType::Text => Slots::Seq {
                        elements: Vec::new(),
                        last_insert: 0,
                        text: *kind == ObjType::Text,
                    },
                };
                self.objects.insert(id, Object { root_key, slots });
                Value::Object(id)
            }
            // Deletes only mark their predecessors; counters and marks are not used by
            // contacts.
            OpType::Delete | OpType::Increment(_) | OpType::MarkBegin(_) | OpType::MarkEnd(_) => {
                return Some(root_key);
            }
        };
        let index = self.written.len() as u32;
        self.written.push(Written {
            id,
            value,
            succ: None,
            more_succ: Vec::new(),
        });
        self.written_index.insert(id, index);
        let key = match &op.key {
            Key::Map(key) => SlotKey::Map(key.as_str()),
            Key::Seq(ElementId::Head) => SlotKey::Head,
            Key::Seq(ElementId::Id(element)) => SlotKey::Element(self.op_id(element)),
        };
        let actors = &self.actors;
        match (&mut self.objects.get_mut(&obj)?.slots, key) {
            (Slots::Map(keys), SlotKey::Map(key)) => {
                keys.entry(key.to_string()).or_default().push(index);
            }
            (
                Slots::Seq {
                    elements,
                    last_insert,
                    ..
                },
                after,
            ) if op.insert => {
                let after = match after {
                    SlotKey::Element(element) => Some(element),
                    _ => None,
                };
                insert_element(elements, last_insert, after, id, index, actors);
            }
            (Slots::Seq { elements, .. }, SlotKey::Element(element)) => {
                if let Some(found) = elements.iter_mut().rev().find(|e| e.id == element) {
                    found.more.push(index);
                }
            }
            _ => {}
        }
        Some(root_key)
    }

    /// Lamport order: counter, then actor id (Automerge's order for concurrent writes).
    fn later(&self, a: OpId, b: OpId) -> bool {
        (a.counter, &self.actors[a.actor as usize]) > (b.counter, &self.actors[b.actor as usize])
    }

    /// The value every replica shows among `written` at `clock`.
    fn winner<'a>(
        &'a self,
        written: impl IntoIterator<Item = &'a u32>,
        clock: &Clock,
    ) -> Option<&'a Value> {
        let mut best: Option<&Written> = None;
        for index in written {
            let candidate = &self.written[*index as usize];
            if candidate.visible(clock) && best.is_none_or(|best| self.later(candidate.id, best.id))
            {
                best = Some(candidate);
            }
        }
        best.map(|written| &written.value)
    }

    /// The value at `key` of the root map.
    pub(super) fn root(&self, key: &str, clock: &Clock) -> Option<&Value> {
        self.map_get(ROOT, key, clock)
    }

    /// The value at `key` of map `obj`.
    pub(super) fn map_get(&self, obj: OpId, key: &str, clock: &Clock) -> Option<&Value> {
        match &self.objects.get(&obj)?.slots {
            Slots::Map(keys) => self.winner(keys.get(key)?, clock),
            Slots::Seq { .. } => None,
        }
    }

    /// The visible entries of map `obj`, in key order.
    pub(super) fn map_entries<'a>(
        &'a self,
        obj: OpId,
        clock: &'a Clock,
    ) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        let keys = match self.objects.get(&obj).map(|object| &object.slots) {
            Some(Slots::Map(keys)) => Some(keys),
            _ => None,
        };
        keys.into_iter()
            .flatten()
            .filter_map(move |(key, written)| {
                self.winner(written, clock)
                    .map(|value| (key.as_str(), value))
            })
    }

    /// The visible values of list or text `obj`, in order.
    pub(super) fn seq_values<'a>(
        &'a self,
        obj: OpId,
        clock: &'a Clock,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        let elements = match self.objects.get(&obj).map(|object| &object.slots) {
            Some(Slots::Seq { elements, .. }) => Some(elements),
            _ => None,
        };
        elements
            .into_iter()
            .flatten()
            .filter_map(move |element| self.element_value(element, clock))
    }

    fn element_value<'a>(&'a self, element: &'a Element, clock: &Clock) -> Option<&'a Value> {
        if element.more.is_empty() {
            let only = &self.written[element.first as usize];
            return only.visible(clock).then_some(&only.value);
        }
        self.winner(std::iter::once(&element.first).chain(&element.more), clock)
    }

    /// What kind of object `obj` is.
    pub(super) fn kind(&self, obj: OpId) -> Option<ObjType> {
        Some(match &self.objects.get(&obj)?.slots {
            Slots::Map(_) => ObjType::Map,
            Slots::Seq { text: true, .. } => ObjType::Text,
            Slots::Seq { text: false, .. } => ObjType::List,
        })
    }
}

enum SlotKey<'a> {
    Map(&'a str),
    Head,
    Element(OpId),
}
