//! Values of tenant-defined custom fields, and [`RawValue`]: any part of a document kept as
//! written, for a custom value of a type this code does not know.
//!
//! A custom value is stored as a map with exactly one key naming its type and holding the
//! value: `{"text": "…"}`, `{"number": 3.5}`, `{"bool": true}`,
//! `{"date": {"year": …, "month": …, "day": …}}`. A newer layout may add a type (a new key);
//! it never puts a second key beside the type, so "the one key" is always the type.

use std::collections::BTreeMap;

use autosurgeon::reconcile::{LoadKey, MapReconciler, NoKey, TextReconciler};
use autosurgeon::{Hydrate, HydrateError, ReadDoc, Reconcile, Reconciler};

use super::PartialDate;

/// The value of a tenant-defined custom field.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum CustomValue {
    Text(String),
    Number(f64),
    Bool(bool),
    Date(PartialDate),
    /// A type a newer layout added, kept as written: an edit of another field leaves it in
    /// place, and it can be copied to another contact whole.
    Unknown {
        /// The type's name, the map's one key.
        kind: String,
        /// What the map holds under it.
        value: RawValue,
    },
}

impl CustomValue {
    /// The type's name: the key the value is stored under.
    pub fn kind(&self) -> &str {
        match self {
            Self::Text(_) => "text",
            Self::Number(_) => "number",
            Self::Bool(_) => "bool",
            Self::Date(_) => "date",
            Self::Unknown { kind, .. } => kind,
        }
    }
}

impl Hydrate for CustomValue {
    fn hydrate_map<D: ReadDoc>(doc: &D, obj: &automerge::ObjId) -> Result<Self, HydrateError> {
        // Known types first, in this order (as autosurgeon's derive did), so a map left with
        // two keys by two concurrent retypings reads the same on every replica.
        if doc.get(obj, "text")?.is_some() {
            return Ok(Self::Text(autosurgeon::hydrate_prop(doc, obj, "text")?));
        }
        if doc.get(obj, "number")?.is_some() {
            return Ok(Self::Number(autosurgeon::hydrate_prop(doc, obj, "number")?));
        }
        if doc.get(obj, "bool")?.is_some() {
            return Ok(Self::Bool(autosurgeon::hydrate_prop(doc, obj, "bool")?));
        }
        if doc.get(obj, "date")?.is_some() {
            return Ok(Self::Date(autosurgeon::hydrate_prop(doc, obj, "date")?));
        }
        let first = doc
            .map_range(obj, ..)
            .next()
            .map(|item| item.key.to_string());
        match first {
            Some(kind) => Ok(Self::Unknown {
                value: autosurgeon::hydrate_prop(doc, obj, kind.as_str())?,
                kind,
            }),
            None => Err(HydrateError::unexpected(
                "a map with one key naming the type",
                "an empty map".to_string(),
            )),
        }
    }
}

impl Reconcile for CustomValue {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        let mut map = reconciler.map()?;
        let kind = self.kind();
        // A retyped value drops its old type's key, so the map keeps exactly one.
        map.retain(|key, _| key == kind)?;
        match self {
            Self::Text(text) => map.put(kind, text),
            Self::Number(number) => map.put(kind, number),
            Self::Bool(flag) => map.put(kind, flag),
            Self::Date(date) => map.put(kind, date),
            Self::Unknown { value, .. } => map.put(kind, value),
        }
    }

    fn key(&self) -> LoadKey<NoKey> {
        LoadKey::NoKey
    }
}

/// Any value a document may hold, read without knowing what it means, so that it can be
/// written back exactly: writing an unchanged `RawValue` where it was read writes nothing.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum RawValue {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    F64(f64),
    Counter(i64),
    Timestamp(i64),
    Str(String),
    Bytes(Vec<u8>),
    /// A collaborative text object.
    Text(String),
    List(Vec<RawValue>),
    Map(BTreeMap<String, RawValue>),
}

impl Hydrate for RawValue {
    fn hydrate_none() -> Result<Self, HydrateError> {
        Ok(Self::Null)
    }

    fn hydrate_bool(flag: bool) -> Result<Self, HydrateError> {
        Ok(Self::Bool(flag))
    }

    fn hydrate_int(number: i64) -> Result<Self, HydrateError> {
        Ok(Self::Int(number))
    }

    fn hydrate_uint(number: u64) -> Result<Self, HydrateError> {
        Ok(Self::Uint(number))
    }

    fn hydrate_f64(number: f64) -> Result<Self, HydrateError> {
        Ok(Self::F64(number))
    }

    fn hydrate_counter(count: i64) -> Result<Self, HydrateError> {
        Ok(Self::Counter(count))
    }

    fn hydrate_timestamp(ms: i64) -> Result<Self, HydrateError> {
        Ok(Self::Timestamp(ms))
    }

    fn hydrate_string(text: &str) -> Result<Self, HydrateError> {
        Ok(Self::Str(text.to_string()))
    }

    fn hydrate_bytes(bytes: &[u8]) -> Result<Self, HydrateError> {
        Ok(Self::Bytes(bytes.to_vec()))
    }

    fn hydrate_text<D: ReadDoc>(doc: &D, obj: &automerge::ObjId) -> Result<Self, HydrateError> {
        Ok(Self::Text(doc.text(obj)?))
    }

    fn hydrate_seq<D: ReadDoc>(doc: &D, obj: &automerge::ObjId) -> Result<Self, HydrateError> {
        Ok(Self::List(Vec::hydrate_seq(doc, obj)?))
    }

    fn hydrate_map<D: ReadDoc>(doc: &D, obj: &automerge::ObjId) -> Result<Self, HydrateError> {
        Ok(Self::Map(BTreeMap::hydrate_map(doc, obj)?))
    }
}

impl Reconcile for RawValue {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        match self {
            Self::Null => reconciler.none(),
            Self::Bool(flag) => reconciler.boolean(*flag),
            Self::Int(number) => reconciler.i64(*number),
            Self::Uint(number) => reconciler.u64(*number),
            Self::F64(number) => reconciler.f64(*number),
            Self::Counter(count) => {
                use autosurgeon::reconcile::CounterReconciler;
                reconciler.counter()?.set(*count)
            }
            Self::Timestamp(ms) => reconciler.timestamp(*ms),
            Self::Str(text) => reconciler.str(text),
            Self::Bytes(bytes) => reconciler.bytes(bytes),
            Self::Text(text) => reconciler.text()?.update(text),
            Self::List(items) => items.reconcile(reconciler),
            Self::Map(entries) => entries.reconcile(reconciler),
        }
    }

    fn key(&self) -> LoadKey<NoKey> {
        LoadKey::NoKey
    }
}
