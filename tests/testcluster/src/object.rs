//! Helpers over stored objects (`serde_json::Value`): metadata access, the wire
//! field order of ObjectMeta, timestamps and uids.

use serde_json::{json, Map, Value};

/// ObjectMeta fields in Go struct order (apiserver-semantics.md §6.4).
pub(crate) const META_ORDER: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

pub fn meta(obj: &Value) -> &Value {
    &obj["metadata"]
}

pub fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    obj["metadata"]
        .as_object_mut()
        .expect("metadata is an object")
}

pub fn meta_str<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj["metadata"][key].as_str().unwrap_or_default()
}

pub fn name(obj: &Value) -> &str {
    meta_str(obj, "name")
}

pub fn uid(obj: &Value) -> &str {
    meta_str(obj, "uid")
}

pub fn is_terminating(obj: &Value) -> bool {
    obj["metadata"]["deletionTimestamp"].is_string()
}

pub fn finalizers(obj: &Value) -> Vec<String> {
    string_list(&obj["metadata"]["finalizers"])
}

pub fn string_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Sets `metadata.finalizers`, dropping the field when empty (`omitempty`).
pub fn set_finalizers(obj: &mut Value, list: &[String]) {
    let m = meta_mut(obj);
    if list.is_empty() {
        m.remove("finalizers");
    } else {
        m.insert("finalizers".into(), json!(list));
    }
}

/// Drops what kube-apiserver never stores: empty or null `omitempty` metadata
/// (`finalizers: []`, `ownerReferences: []`, `labels: {}`, …) and a null
/// `status` (apiserver-semantics-2.md §16).
pub fn drop_empty(obj: &mut Value) {
    if let Some(m) = obj["metadata"].as_object_mut() {
        for k in [
            "finalizers",
            "ownerReferences",
            "labels",
            "annotations",
            "managedFields",
        ] {
            let empty = match m.get(k) {
                Some(Value::Null) => true,
                Some(Value::Array(a)) => a.is_empty(),
                Some(Value::Object(o)) => o.is_empty(),
                _ => false,
            };
            if empty {
                m.shift_remove(k);
            }
        }
    }
    if let Some(top) = obj.as_object_mut() {
        if top.get("status").is_some_and(Value::is_null) {
            top.shift_remove("status");
        }
    }
}

pub fn spec_finalizers(obj: &Value) -> Vec<String> {
    string_list(&obj["spec"]["finalizers"])
}

/// Rewrites an object with metadata in Go struct order. Built-in objects get
/// `kind, apiVersion, metadata, …` (the rest in the order stored); custom
/// resources have every key sorted, as Go's encoding of `map[string]interface{}` does.
pub fn normalize(obj: Value, custom: bool) -> Value {
    let Value::Object(mut top) = obj else {
        return obj;
    };
    if let Some(Value::Object(m)) = top.shift_remove("metadata") {
        let mut ordered = Map::new();
        let mut rest = m;
        for key in META_ORDER {
            if let Some(v) = rest.shift_remove(*key) {
                if !v.is_null() || *key == "creationTimestamp" {
                    ordered.insert((*key).to_string(), v);
                }
            }
        }
        ordered.append(&mut rest);
        top.insert("metadata".into(), Value::Object(ordered));
    }
    if custom {
        return sort_keys(Value::Object(top));
    }
    let mut out = Map::new();
    for key in ["kind", "apiVersion", "metadata"] {
        if let Some(v) = top.shift_remove(key) {
            out.insert(key.into(), v);
        }
    }
    out.append(&mut top);
    Value::Object(out)
}

fn sort_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

/// `metav1.Time`: RFC 3339, UTC, whole seconds.
pub fn format_time(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `metav1.MicroTime`: six fractional digits.
pub fn format_micro_time(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string()
}

pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// Parses `30s`, `5m`, `3h`, `2d` (the scenario files' relative times).
pub fn parse_ago(text: &str) -> Option<jiff::SignedDuration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: i64 = n.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return None,
    };
    Some(jiff::SignedDuration::from_secs(secs))
}

/// A random RFC 4122 version-4 uid.
pub fn new_uid() -> String {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .expect("system randomness is available");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Five random lower-case alphanumerics, for `generateName`.
pub fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    new_uid()
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .take(5)
        .map(|b| ALPHABET[b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_written_in_struct_order() {
        let obj = json!({"metadata": {"finalizers": ["a"], "name": "x", "uid": "u"}, "apiVersion": "v1", "kind": "ConfigMap", "data": {}});
        let out = serde_json::to_string(&normalize(obj, false)).unwrap();
        assert_eq!(
            out,
            r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x","uid":"u","finalizers":["a"]},"data":{}}"#
        );
    }

    #[test]
    fn micro_time_has_six_digits() {
        let ts: jiff::Timestamp = "2003-01-01T01:01:01.000003Z".parse().unwrap();
        assert_eq!(format_micro_time(ts), "2003-01-01T01:01:01.000003Z");
        assert_eq!(format_time(ts), "2003-01-01T01:01:01Z");
    }
}
