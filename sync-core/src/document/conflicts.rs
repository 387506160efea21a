//! Reading the values a document keeps from concurrent writes, for the UI to offer.

use automerge::{Automerge, ObjId, ObjType, Prop, ReadDoc, Value};

/// A value that two or more replicas wrote at the same time, which the document keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Where the value sits: `name.given`, `phones[k3j9].label`, `tags.vip`.
    pub path: String,
    /// The value every replica shows.
    pub winner: String,
    /// The other concurrent values, so the UI can offer them.
    pub others: Vec<String>,
}

/// Every value written concurrently and kept by `doc`, winner first.
pub(super) fn collect(doc: &Automerge) -> Vec<Conflict> {
    let mut found = Vec::new();
    collect_in(doc, &ObjId::Root, "", &mut found);
    found
}

fn collect_in(doc: &Automerge, obj: &ObjId, path: &str, found: &mut Vec<Conflict>) {
    match doc.object_type(obj) {
        Ok(ObjType::Map) => {
            for key in doc.keys(obj) {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                visit_property(doc, obj, Prop::Map(key), &child_path, found);
            }
        }
        Ok(ObjType::List) => {
            for index in 0..doc.length(obj) {
                let label = list_item_label(doc, obj, index);
                let child_path = format!("{path}[{label}]");
                visit_property(doc, obj, Prop::Seq(index), &child_path, found);
            }
        }
        // Text merges character by character and never conflicts; other types are not used.
        _ => {}
    }
}

fn visit_property(doc: &Automerge, obj: &ObjId, prop: Prop, path: &str, found: &mut Vec<Conflict>) {
    let Ok(values) = doc.get_all(obj, prop.clone()) else {
        return;
    };
    if values.len() > 1 {
        let winner = doc.get(obj, prop.clone()).ok().flatten();
        let winner_id = winner.as_ref().map(|(_, id)| id.clone());
        let others = values
            .iter()
            .filter(|(_, id)| Some(id) != winner_id.as_ref())
            .map(|(value, _)| render(value))
            .collect();
        found.push(Conflict {
            path: path.to_string(),
            winner: winner.map(|(value, _)| render(&value)).unwrap_or_default(),
            others,
        });
    }
    if let Ok(Some((Value::Object(_), child))) = doc.get(obj, prop) {
        collect_in(doc, &child, path, found);
    }
}

/// List items are named by their `id` field when they have one, so a conflict path points at
/// the same item on every replica whatever its position.
fn list_item_label(doc: &Automerge, list: &ObjId, index: usize) -> String {
    if let Ok(Some((Value::Object(ObjType::Map), item))) = doc.get(list, index)
        && let Ok(Some((Value::Scalar(id), _))) = doc.get(&item, "id")
        && let automerge::ScalarValue::Str(id) = id.as_ref()
    {
        return id.to_string();
    }
    index.to_string()
}

fn render(value: &Value<'_>) -> String {
    match value {
        Value::Scalar(scalar) => match scalar.as_ref() {
            automerge::ScalarValue::Str(text) => text.to_string(),
            other => other.to_string(),
        },
        Value::Object(kind) => format!("<{kind}>"),
    }
}
