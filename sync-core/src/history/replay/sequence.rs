//! Lists and text: where an inserted element goes (Automerge's RGA rule), and text laid out
//! for reading.

use automerge::{ActorId, ScalarValue};

use super::{Clock, Element, OpId, Replay, Slots, Value};

/// A text object's characters as three arrays read front to back: reading the notes at a
/// state touches 36 bytes per character instead of two scattered records.
#[derive(Debug, Default)]
pub(super) struct TextIndex {
    /// The operation that inserted each character.
    inserted: Vec<OpId>,
    /// The operation that deleted it ([`NEVER`] if none).
    deleted: Vec<OpId>,
    /// Where each character's text ends in `text`.
    ends: Vec<u32>,
    text: String,
}

/// An operation no clock covers.
const NEVER: OpId = OpId {
    counter: u64::MAX,
    actor: u32::MAX,
};

impl Replay {
    /// Lay text objects out for reading. Call once every change is replayed.
    pub(in crate::history) fn index_texts(&mut self) {
        for (id, object) in &self.objects {
            let Slots::Seq {
                elements,
                text: true,
                ..
            } = &object.slots
            else {
                continue;
            };
            let mut index = TextIndex::default();
            for element in elements {
                let written = &self.written[element.first as usize];
                let Value::Scalar(ScalarValue::Str(piece)) = &written.value else {
                    break;
                };
                // A character written over or deleted twice (concurrently) reads the slow way.
                if !element.more.is_empty() || !written.more_succ.is_empty() {
                    break;
                }
                index.inserted.push(written.id);
                index.deleted.push(written.succ.unwrap_or(NEVER));
                index.text.push_str(piece);
                index.ends.push(index.text.len() as u32);
            }
            if index.inserted.len() == elements.len() {
                self.texts.insert(*id, index);
            }
        }
    }

    /// The text of text object `obj` at `clock`.
    pub(in crate::history) fn text(&self, obj: OpId, clock: &Clock) -> String {
        if let Some(index) = self.texts.get(&obj) {
            // Visible characters come in long runs; copy each run at once.
            let mut text = String::with_capacity(index.text.len());
            let (mut start, mut run) = (0, None);
            for ((inserted, deleted), end) in
                index.inserted.iter().zip(&index.deleted).zip(&index.ends)
            {
                let visible = clock.covers(*inserted) && !clock.covers(*deleted);
                match (visible, run) {
                    (true, None) => run = Some(start),
                    (false, Some(from)) => {
                        text.push_str(&index.text[from..start]);
                        run = None;
                    }
                    _ => {}
                }
                start = *end as usize;
            }
            if let Some(from) = run {
                text.push_str(&index.text[from..start]);
            }
            return text;
        }
        let mut text = String::new();
        for value in self.seq_values(obj, clock) {
            if let Value::Scalar(ScalarValue::Str(piece)) = value {
                text.push_str(piece);
            }
        }
        text
    }
}

/// Insert a new element after `after` (`None`: at the start) by Automerge's RGA rule: skip the
/// elements that follow with a later id (concurrent inserts at the same place, and everything
/// inserted after them, which is later still), so every replica orders them alike.
pub(super) fn insert_element(
    elements: &mut Vec<Element>,
    last_insert: &mut usize,
    after: Option<OpId>,
    id: OpId,
    value: u32,
    actors: &[ActorId],
) {
    let later = |a: OpId, b: OpId| {
        (a.counter, &actors[a.actor as usize]) > (b.counter, &actors[b.actor as usize])
    };
    let mut position = match after {
        None => 0,
        Some(after) => {
            let found = if elements.get(*last_insert).is_some_and(|e| e.id == after) {
                Some(*last_insert)
            } else {
                elements.iter().position(|e| e.id == after)
            };
            match found {
                Some(found) => found + 1,
                // An anchor we never saw: keep the value rather than lose it.
                None => elements.len(),
            }
        }
    };
    while position < elements.len() && later(elements[position].id, id) {
        position += 1;
    }
    elements.insert(
        position,
        Element {
            id,
            first: value,
            more: Vec::new(),
        },
    );
    *last_insert = position;
}
