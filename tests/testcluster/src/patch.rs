//! The three patch formats the plugin and kubectl send (apiserver-semantics.md §4).
//!
//! Strategic merge is reproduced for what matters here: `metadata.finalizers`
//! is a merged (union) list; `ownerReferences` (by uid), containers, env and
//! volumes (by name) and conditions (by type) merge by key; the directives
//! `$patch`, `$retainKeys`, `$setElementOrder/…` and `$deleteFromPrimitiveList/…`
//! are applied. Other lists are replaced (the test cluster has no per-field
//! patch strategies beyond these).

use crate::status::{bad_request, generic_unprocessable, ApiError};
use serde_json::{Map, Value};

pub enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

impl PatchType {
    pub fn from_content_type(ct: &str) -> Option<PatchType> {
        match ct.split(';').next().unwrap_or_default().trim() {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" => Some(PatchType::Apply),
            _ => None,
        }
    }
}

pub fn apply_json_patch(target: &Value, body: &[u8]) -> Result<Value, ApiError> {
    let patch: json_patch::Patch =
        serde_json::from_slice(body).map_err(|e| bad_request(e.to_string()))?;
    if patch.0.len() > 10000 {
        return Err(ApiError::Status(
            413,
            serde_json::json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
                "message": format!("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got {}", patch.0.len()),
                "reason":"RequestEntityTooLarge","code":413}),
        ));
    }
    let mut out = target.clone();
    json_patch::patch(&mut out, &patch).map_err(|_| generic_unprocessable())?;
    Ok(out)
}

fn parse_object(body: &[u8]) -> Result<Value, ApiError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| bad_request(e.to_string()))?;
    if !v.is_object() {
        return Err(bad_request("the patch is not a JSON object"));
    }
    Ok(v)
}

/// RFC 7386.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("just made an object");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

pub fn apply_merge_patch(target: &Value, body: &[u8]) -> Result<Value, ApiError> {
    let patch = parse_object(body)?;
    let mut out = target.clone();
    merge(&mut out, &patch);
    Ok(out)
}

pub fn apply_strategic_patch(target: &Value, body: &[u8]) -> Result<Value, ApiError> {
    let patch = parse_object(body)?;
    let mut out = target.clone();
    strategic(&mut out, &patch);
    Ok(out)
}

/// Lists merged by a key instead of replaced (the `patchMergeKey` of the
/// fields the plugin and kubectl touch); `finalizers` merges as a set.
fn merge_key(field: &str) -> Option<&'static str> {
    match field {
        "ownerReferences" => Some("uid"),
        "containers" | "initContainers" | "env" | "volumes" | "volumeMounts" => Some("name"),
        "conditions" => Some("type"),
        _ => None,
    }
}

/// A strategic merge patch of one map: directives (`$patch`, `$retainKeys`,
/// `$setElementOrder/…`, `$deleteFromPrimitiveList/…`) are applied, never stored.
fn strategic(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    match p.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut rest = p.clone();
            rest.remove("$patch");
            *target = Value::Object(rest);
            return;
        }
        Some("delete") => {
            *target = Value::Null;
            return;
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("just made an object");
    let mut orders: Vec<(String, Vec<Value>)> = Vec::new();
    for (k, v) in p {
        if k == "$patch" || k == "$retainKeys" {
            continue;
        }
        if let Some(field) = k.strip_prefix("$setElementOrder/") {
            orders.push((field.to_string(), v.as_array().cloned().unwrap_or_default()));
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let Some(list) = t.get_mut(field).and_then(Value::as_array_mut) {
                let remove = v.as_array().cloned().unwrap_or_default();
                list.retain(|x| !remove.contains(x));
            }
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match (t.get_mut(k), v) {
            (Some(Value::Array(current)), Value::Array(items)) if k == "finalizers" => {
                for item in items {
                    if !current.contains(item) {
                        current.push(item.clone());
                    }
                }
            }
            (Some(Value::Array(current)), Value::Array(items)) if merge_key(k).is_some() => {
                let key = merge_key(k).expect("checked");
                for item in items {
                    let deleting = item["$patch"] == "delete";
                    let pos = current.iter().position(|x| x[key] == item[key]);
                    match (pos, deleting) {
                        (Some(i), true) => {
                            current.remove(i);
                        }
                        (Some(i), false) => strategic(&mut current[i], item),
                        (None, false) => {
                            let mut fresh = Value::Null;
                            strategic(&mut fresh, item);
                            current.push(fresh);
                        }
                        (None, true) => {}
                    }
                }
            }
            (Some(existing), Value::Object(_)) => strategic(existing, v),
            _ => {
                let mut fresh = Value::Null;
                strategic(&mut fresh, v);
                if v.is_array() {
                    fresh = v.clone();
                }
                t.insert(k.clone(), fresh);
            }
        }
        if t.get(k).is_some_and(Value::is_null) {
            t.remove(k);
        }
    }
    if let Some(keep) = p.get("$retainKeys").and_then(Value::as_array) {
        t.retain(|k, _| keep.iter().any(|x| x == k.as_str()));
    }
    // `$setElementOrder` orders the merged list as the client had it.
    for (field, order) in orders {
        if let Some(list) = t.get_mut(&field).and_then(Value::as_array_mut) {
            let key = merge_key(&field);
            let rank = |x: &Value| {
                order
                    .iter()
                    .position(|o| match key {
                        Some(k) => o[k] == x[k],
                        None => o == x,
                    })
                    .unwrap_or(usize::MAX)
            };
            list.sort_by_key(|x| rank(x));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_unions_finalizers() {
        let obj = json!({"metadata": {"finalizers": ["a"]}});
        let out = apply_strategic_patch(&obj, br#"{"metadata":{"finalizers":["b"]}}"#).unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "b"]));
        let out = apply_strategic_patch(
            &out,
            br#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}"#,
        )
        .unwrap();
        assert_eq!(out["metadata"]["finalizers"], json!(["b"]));
        let out = apply_strategic_patch(&out, br#"{"metadata":{"finalizers":null}}"#).unwrap();
        assert!(out["metadata"].get("finalizers").is_none());
    }

    #[test]
    fn directives_are_applied_not_stored() {
        let obj = json!({"metadata": {"finalizers": ["a", "b"], "ownerReferences": [{"uid": "1", "name": "x"}, {"uid": "2", "name": "y"}]}});
        let out = apply_strategic_patch(
            &obj,
            br#"{"metadata":{"$setElementOrder/finalizers":["c","a","b"],"finalizers":["c"],"ownerReferences":[{"uid":"2","name":"z"},{"$patch":"delete","uid":"1"}]}}"#,
        )
        .unwrap();
        assert_eq!(
            out,
            json!({"metadata": {"finalizers": ["c", "a", "b"], "ownerReferences": [{"uid": "2", "name": "z"}]}})
        );
        let out = apply_strategic_patch(&obj, br#"{"metadata":{"$patch":"replace","name":"n"}}"#)
            .unwrap();
        assert_eq!(out, json!({"metadata": {"name": "n"}}));
    }

    #[test]
    fn failed_test_op_is_the_generic_422() {
        let obj = json!({"metadata": {"finalizers": ["a"]}});
        let err = apply_json_patch(
            &obj,
            br#"[{"op":"test","path":"/metadata/finalizers/0","value":"b"}]"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), 422);
    }
}
