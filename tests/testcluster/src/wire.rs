//! List bodies written straight from the stored objects, byte for byte what
//! serializing `object::normalize`d copies would give, without the copies:
//! on a generated cluster of 100k objects the copies cost the test cluster
//! more CPU than the client it serves spends, on the same two cores.

use crate::object::META_ORDER;
use serde_json::{Map, Value};

fn string(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("strings serialize");
}

/// Any value as stored; with `sorted`, every object's keys in order (Go's
/// encoding of `map[string]interface{}`, i.e. custom resources).
pub fn value(out: &mut Vec<u8>, v: &Value, sorted: bool) {
    match v {
        Value::Object(m) if sorted => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            members(out, entries.into_iter(), sorted);
        }
        Value::Object(m) => members(out, m.iter(), sorted),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(out, item, sorted);
            }
            out.push(b']');
        }
        other => serde_json::to_writer(&mut *out, other).expect("scalars serialize"),
    }
}

fn members<'a>(
    out: &mut Vec<u8>,
    entries: impl Iterator<Item = (&'a String, &'a Value)>,
    sorted: bool,
) {
    out.push(b'{');
    for (i, (k, v)) in entries.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, k);
        out.push(b':');
        value(out, v, sorted);
    }
    out.push(b'}');
}

/// The metadata fields `normalize` keeps: no nulls but `creationTimestamp`.
fn kept(k: &str, v: &Value) -> bool {
    !v.is_null() || k == "creationTimestamp"
}

/// ObjectMeta as `normalize` writes it: Go struct order, or sorted.
pub fn metadata(out: &mut Vec<u8>, meta: &Value, sorted: bool) {
    let Some(m) = meta.as_object() else {
        out.extend_from_slice(b"null");
        return;
    };
    // One pass and a sort by rank: cheaper than a hashed lookup per known field.
    let rank = |k: &str| {
        META_ORDER
            .iter()
            .position(|known| *known == k)
            .unwrap_or(META_ORDER.len())
    };
    let mut entries: Vec<(&String, &Value)> = m.iter().filter(|(k, v)| kept(k, v)).collect();
    if sorted {
        entries.sort_by(|a, b| a.0.cmp(b.0));
    } else {
        entries.sort_by_key(|(k, _)| rank(k));
    }
    members(out, entries.into_iter(), sorted);
}

/// `store::partial` of a stored object.
pub fn partial(out: &mut Vec<u8>, obj: &Value) {
    out.extend_from_slice(
        br#"{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":"#,
    );
    metadata(out, &obj["metadata"], false);
    out.push(b'}');
}

/// An item of a full list: `Store::served` of the object, without `kind` and
/// `apiVersion` unless it is a custom resource.
pub fn served_item(out: &mut Vec<u8>, obj: &Value, kind: &str, api_version: &str, custom: bool) {
    let empty = Map::new();
    let top = obj.as_object().unwrap_or(&empty);
    let kind = Value::String(kind.to_string());
    let api_version = Value::String(api_version.to_string());
    let mut entries: Vec<(&str, &Value)> = Vec::with_capacity(top.len() + 2);
    if custom {
        entries.push(("kind", &kind));
        entries.push(("apiVersion", &api_version));
    }
    entries.extend(
        top.iter()
            .map(|(k, v)| (k.as_str(), v))
            .filter(|(k, _)| *k != "kind" && *k != "apiVersion"),
    );
    if custom {
        entries.sort_by(|a, b| a.0.cmp(b.0));
    } else if let Some(i) = entries.iter().position(|(k, _)| *k == "metadata") {
        let meta = entries.remove(i);
        entries.insert(0, meta);
    }
    out.push(b'{');
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, k);
        out.push(b':');
        if k == "metadata" {
            metadata(out, v, custom);
        } else {
            value(out, v, custom);
        }
    }
    out.push(b'}');
}

/// A list: its kind, apiVersion and metadata, then `item` for each object.
pub fn list<'a>(
    kind: &str,
    api_version: &str,
    list_meta: &Map<String, Value>,
    items: impl Iterator<Item = &'a Value>,
    mut item: impl FnMut(&mut Vec<u8>, &Value),
) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    out.extend_from_slice(b"{\"kind\":");
    string(&mut out, kind);
    out.extend_from_slice(b",\"apiVersion\":");
    string(&mut out, api_version);
    out.extend_from_slice(b",\"metadata\":");
    serde_json::to_writer(&mut out, list_meta).expect("list metadata serializes");
    out.extend_from_slice(b",\"items\":[");
    for (i, o) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(&mut out, o);
    }
    out.extend_from_slice(b"]}");
    out
}

#[cfg(test)]
mod tests {
    use crate::store::{Shape, Store};
    use std::collections::BTreeMap;

    /// Every page of every type, metadata and full, as `Store::list` would serialize it.
    #[test]
    fn lists_are_written_as_serializing_their_values_would() {
        let mut store = Store::new();
        crate::scenario::load(&mut store, &crate::bootstrap::objects(Default::default())).unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/");
        for name in ["foreground-deletion.yaml", "logging-operator.yaml"] {
            let text = std::fs::read_to_string(format!("{dir}{name}")).unwrap();
            crate::scenario::load(&mut store, &text).unwrap();
        }
        let spec = crate::generate::Spec {
            types: 90,
            objects: 600,
            namespaces: 3,
            stuck: 5,
            ..Default::default()
        };
        crate::generate::generate(&mut store, &spec).unwrap();
        let types: Vec<_> = store
            .discovery
            .all_resources()
            .filter(|r| r.verbs.iter().any(|v| v == "list"))
            .cloned()
            .collect();
        let mut compared = 0;
        for res in &types {
            for shape in [Shape::Metadata, Shape::Full] {
                let mut query = BTreeMap::from([("limit".to_string(), "7".to_string())]);
                loop {
                    let (_, value) = store.list(res, None, &query, shape).unwrap();
                    let (_, bytes) = store.list_bytes(res, None, &query, shape).unwrap();
                    let expected = serde_json::to_vec(&value).unwrap();
                    let differ = bytes.iter().zip(&expected).position(|(a, b)| a != b);
                    let at = differ.unwrap_or(bytes.len().min(expected.len()));
                    assert!(
                        bytes == expected,
                        "{} {shape:?} differs at byte {at}: {:?} instead of {:?}",
                        res.group_resource(),
                        String::from_utf8_lossy(
                            &bytes[at.saturating_sub(40)..(at + 40).min(bytes.len())]
                        ),
                        String::from_utf8_lossy(
                            &expected[at.saturating_sub(40)..(at + 40).min(expected.len())]
                        ),
                    );
                    compared += value["items"].as_array().unwrap().len();
                    match value["metadata"]["continue"].as_str() {
                        Some(c) => query.insert("continue".into(), c.into()),
                        None => break,
                    };
                }
            }
        }
        assert!(compared > 1200, "{compared}");
    }
}
