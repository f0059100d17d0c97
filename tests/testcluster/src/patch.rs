//! The three patch formats the plugin and kubectl send (apiserver-semantics.md §4).
//!
//! Strategic merge is reproduced for what matters here: `metadata.finalizers`
//! is a merged (union) list with `$deleteFromPrimitiveList`; other lists are
//! replaced, as a JSON merge patch would (a documented simplification: the
//! test cluster has no per-field patch strategies beyond finalizers).

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
    let mut patch = parse_object(body)?;
    let mut out = target.clone();
    let current = crate::object::finalizers(target);
    let mut finalizers = current.clone();
    let mut touched = false;
    if let Some(meta) = patch.get_mut("metadata").and_then(Value::as_object_mut) {
        if let Some(remove) = meta.remove("$deleteFromPrimitiveList/finalizers") {
            let remove = crate::object::string_list(&remove);
            finalizers.retain(|f| !remove.contains(f));
            touched = true;
        }
        if let Some(list) = meta.remove("finalizers") {
            if list.is_null() {
                finalizers.clear();
            } else {
                for f in crate::object::string_list(&list) {
                    if !finalizers.contains(&f) {
                        finalizers.push(f);
                    }
                }
            }
            touched = true;
        }
    }
    merge(&mut out, &patch);
    if touched {
        crate::object::set_finalizers(&mut out, &finalizers);
    }
    Ok(out)
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
