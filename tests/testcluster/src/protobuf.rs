//! Request bodies in Kubernetes' protobuf encoding, decoded to JSON
//! (apiserver-semantics-2.md §21). kubectl ≥ 1.32 sends built-in objects as
//! protobuf from its typed clients (`create configmap`, `auth can-i`,
//! `auth whoami`, …). The envelope is the 4-byte magic `k8s\0` and a
//! `runtime.Unknown` (typeMeta 1 {apiVersion 1, kind 2}, raw 2); `raw` is the
//! object's own message. Field numbers are those of Kubernetes'
//! `generated.proto` files; only the kinds listed in [`schema_of`] are known,
//! any other is refused as a format the test cluster cannot decode.

use serde_json::{json, Map, Value};

/// The content type kube-apiserver accepts for protobuf bodies.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The JSON form of a protobuf body; `Err` names what could not be decoded.
pub fn to_json(body: &[u8]) -> Result<Value, String> {
    let unknown = body
        .strip_prefix(b"k8s\0")
        .ok_or("the protobuf body does not start with the Kubernetes magic k8s\\0")?;
    let envelope = decode(unknown, UNKNOWN)?;
    let api_version = envelope["typeMeta"]["apiVersion"]
        .as_str()
        .unwrap_or_default();
    let kind = envelope["typeMeta"]["kind"].as_str().unwrap_or_default();
    let fields = schema_of(api_version, kind)
        .ok_or_else(|| format!("no protobuf decoder for {api_version}, Kind={kind}"))?;
    let raw = base64_decode(envelope["raw"].as_str().unwrap_or_default());
    let mut object = Map::new();
    object.insert("apiVersion".into(), json!(api_version));
    object.insert("kind".into(), json!(kind));
    if let Value::Object(m) = decode(&raw, fields)? {
        object.extend(m);
    }
    Ok(Value::Object(object))
}

#[derive(Clone, Copy)]
enum Ty {
    Str,
    /// Bytes, base64 in JSON.
    Bytes,
    Int,
    Bool,
    /// `metav1.Time`: seconds (1), as RFC 3339 in JSON.
    Time,
    MapStr,
    MapBytes,
    Msg(&'static [Field]),
}

#[derive(Clone, Copy)]
struct Field {
    num: u64,
    name: &'static str,
    ty: Ty,
    repeated: bool,
}

const fn f(num: u64, name: &'static str, ty: Ty) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: false,
    }
}

const fn rep(num: u64, name: &'static str, ty: Ty) -> Field {
    Field {
        num,
        name,
        ty,
        repeated: true,
    }
}

// runtime/generated.proto
const TYPE_META: &[Field] = &[f(1, "apiVersion", Ty::Str), f(2, "kind", Ty::Str)];
const UNKNOWN: &[Field] = &[
    f(1, "typeMeta", Ty::Msg(TYPE_META)),
    f(2, "raw", Ty::Bytes),
    f(3, "contentEncoding", Ty::Str),
    f(4, "contentType", Ty::Str),
];
// apimachinery/pkg/apis/meta/v1/generated.proto
const OWNER_REFERENCE: &[Field] = &[
    f(1, "kind", Ty::Str),
    f(3, "name", Ty::Str),
    f(4, "uid", Ty::Str),
    f(5, "apiVersion", Ty::Str),
    f(6, "controller", Ty::Bool),
    f(7, "blockOwnerDeletion", Ty::Bool),
];
const OBJECT_META: &[Field] = &[
    f(1, "name", Ty::Str),
    f(2, "generateName", Ty::Str),
    f(3, "namespace", Ty::Str),
    f(4, "selfLink", Ty::Str),
    f(5, "uid", Ty::Str),
    f(6, "resourceVersion", Ty::Str),
    f(7, "generation", Ty::Int),
    f(8, "creationTimestamp", Ty::Time),
    f(9, "deletionTimestamp", Ty::Time),
    f(10, "deletionGracePeriodSeconds", Ty::Int),
    f(11, "labels", Ty::MapStr),
    f(12, "annotations", Ty::MapStr),
    rep(13, "ownerReferences", Ty::Msg(OWNER_REFERENCE)),
    rep(14, "finalizers", Ty::Str),
];
// api/core/v1/generated.proto
const CONFIG_MAP: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "data", Ty::MapStr),
    f(3, "binaryData", Ty::MapBytes),
    f(4, "immutable", Ty::Bool),
];
const SECRET: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "data", Ty::MapBytes),
    f(3, "type", Ty::Str),
    f(4, "stringData", Ty::MapStr),
    f(5, "immutable", Ty::Bool),
];
const NAMESPACE_SPEC: &[Field] = &[rep(1, "finalizers", Ty::Str)];
const NAMESPACE: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "spec", Ty::Msg(NAMESPACE_SPEC)),
];
const OBJECT_REFERENCE: &[Field] = &[
    f(1, "kind", Ty::Str),
    f(2, "namespace", Ty::Str),
    f(3, "name", Ty::Str),
    f(4, "uid", Ty::Str),
    f(5, "apiVersion", Ty::Str),
    f(6, "resourceVersion", Ty::Str),
    f(7, "fieldPath", Ty::Str),
];
const LOCAL_OBJECT_REFERENCE: &[Field] = &[f(1, "name", Ty::Str)];
const SERVICE_ACCOUNT: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    rep(2, "secrets", Ty::Msg(OBJECT_REFERENCE)),
    rep(3, "imagePullSecrets", Ty::Msg(LOCAL_OBJECT_REFERENCE)),
    f(4, "automountServiceAccountToken", Ty::Bool),
];
// api/authorization/v1/generated.proto
const RESOURCE_ATTRIBUTES: &[Field] = &[
    f(1, "namespace", Ty::Str),
    f(2, "verb", Ty::Str),
    f(3, "group", Ty::Str),
    f(4, "version", Ty::Str),
    f(5, "resource", Ty::Str),
    f(6, "subresource", Ty::Str),
    f(7, "name", Ty::Str),
];
const NON_RESOURCE_ATTRIBUTES: &[Field] = &[f(1, "path", Ty::Str), f(2, "verb", Ty::Str)];
const SELF_SUBJECT_ACCESS_REVIEW_SPEC: &[Field] = &[
    f(1, "resourceAttributes", Ty::Msg(RESOURCE_ATTRIBUTES)),
    f(2, "nonResourceAttributes", Ty::Msg(NON_RESOURCE_ATTRIBUTES)),
];
const SELF_SUBJECT_ACCESS_REVIEW: &[Field] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "spec", Ty::Msg(SELF_SUBJECT_ACCESS_REVIEW_SPEC)),
];
// api/authentication/v1 (SelfSubjectReview has no spec)
const SELF_SUBJECT_REVIEW: &[Field] = &[f(1, "metadata", Ty::Msg(OBJECT_META))];

/// The kinds whose protobuf form the test cluster reads: those kubectl's
/// typed clients write in the scenarios and tests.
fn schema_of(api_version: &str, kind: &str) -> Option<&'static [Field]> {
    Some(match (api_version, kind) {
        ("v1", "ConfigMap") => CONFIG_MAP,
        ("v1", "Secret") => SECRET,
        ("v1", "Namespace") => NAMESPACE,
        ("v1", "ServiceAccount") => SERVICE_ACCOUNT,
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => SELF_SUBJECT_ACCESS_REVIEW,
        ("authentication.k8s.io/v1", "SelfSubjectReview") => SELF_SUBJECT_REVIEW,
        _ => return None,
    })
}

/// Reads one message into a JSON object. Unknown fields are skipped; empty
/// strings, zero times and absent fields are left out, as Go's `omitempty`
/// leaves them out of JSON.
fn decode(mut data: &[u8], fields: &[Field]) -> Result<Value, String> {
    let mut out = Map::new();
    while !data.is_empty() {
        let key = varint(&mut data)?;
        let (num, wire) = (key >> 3, key & 7);
        let payload = match wire {
            0 => Payload::Varint(varint(&mut data)?),
            2 => {
                let len = usize::try_from(varint(&mut data)?).map_err(|_| "length overflow")?;
                if len > data.len() {
                    return Err("a protobuf field runs past the end of the body".into());
                }
                let (bytes, rest) = data.split_at(len);
                data = rest;
                Payload::Bytes(bytes)
            }
            1 | 5 => {
                let n = if wire == 1 { 8 } else { 4 };
                data = data
                    .get(n..)
                    .ok_or("a fixed-width field runs past the end")?;
                continue;
            }
            other => return Err(format!("unsupported protobuf wire type {other}")),
        };
        let Some(field) = fields.iter().find(|f| f.num == num) else {
            continue;
        };
        let value = match (field.ty, payload) {
            (Ty::Str, Payload::Bytes(b)) => json!(String::from_utf8_lossy(b)),
            (Ty::Bytes, Payload::Bytes(b)) => json!(base64_encode(b)),
            (Ty::Int, Payload::Varint(n)) => json!(n as i64),
            (Ty::Bool, Payload::Varint(n)) => json!(n != 0),
            (Ty::Time, Payload::Bytes(b)) => {
                let seconds = decode(b, &[f(1, "seconds", Ty::Int)])?["seconds"]
                    .as_i64()
                    .unwrap_or(0);
                if seconds == 0 {
                    continue;
                }
                match jiff::Timestamp::from_second(seconds) {
                    Ok(t) => json!(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
                    Err(_) => continue,
                }
            }
            (Ty::MapStr | Ty::MapBytes, Payload::Bytes(b)) => {
                let value_ty = if matches!(field.ty, Ty::MapStr) {
                    Ty::Str
                } else {
                    Ty::Bytes
                };
                let entry = decode(b, &[f(1, "key", Ty::Str), f(2, "value", value_ty)])?;
                let map = out
                    .entry(field.name)
                    .or_insert_with(|| Value::Object(Map::new()));
                let key = entry["key"].as_str().unwrap_or_default().to_string();
                let value = entry.get("value").cloned().unwrap_or(json!(""));
                map[key] = value;
                continue;
            }
            (Ty::Msg(inner), Payload::Bytes(b)) => decode(b, inner)?,
            _ => return Err(format!("field {} has an unexpected wire type", field.name)),
        };
        if value.as_str() == Some("") && !matches!(field.ty, Ty::Bytes) && !field.repeated {
            continue;
        }
        if field.repeated {
            match out
                .entry(field.name)
                .or_insert_with(|| Value::Array(vec![]))
            {
                Value::Array(items) => items.push(value),
                other => *other = Value::Array(vec![value]),
            }
        } else {
            out.insert(field.name.into(), value);
        }
    }
    Ok(Value::Object(out))
}

enum Payload<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn varint(data: &mut &[u8]) -> Result<u64, String> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = data.split_first().ok_or("a varint runs past the end")?;
        *data = rest;
        n |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err("a varint is longer than 10 bytes".into())
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(num: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![(num << 3 | 2) as u8, payload.len() as u8];
        out.extend_from_slice(payload);
        out
    }

    /// A ConfigMap as client-go encodes it: envelope, metadata with a
    /// finalizer and a label, one data entry; empty strings left out.
    #[test]
    fn a_config_map_reads_as_its_json_form() {
        let mut meta = field(1, b"cfg");
        meta.extend(field(3, b"shop"));
        meta.extend(field(4, b""));
        let mut label = field(1, b"app");
        label.extend(field(2, b"web"));
        meta.extend(field(11, &label));
        meta.extend(field(14, b"example.com/keep"));
        // An empty finalizer is kept, for validation to refuse as the real server does.
        meta.extend(field(14, b""));
        let mut raw = field(1, &meta);
        let mut entry = field(1, b"a");
        entry.extend(field(2, b"b"));
        raw.extend(field(2, &entry));
        let mut type_meta = field(1, b"v1");
        type_meta.extend(field(2, b"ConfigMap"));
        let mut body = b"k8s\0".to_vec();
        body.extend(field(1, &type_meta));
        body.extend(field(2, &raw));
        body.extend(field(3, b""));
        body.extend(field(4, b""));
        assert_eq!(
            to_json(&body).unwrap(),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "cfg", "namespace": "shop", "labels": {"app": "web"},
                    "finalizers": ["example.com/keep", ""]},
                "data": {"a": "b"}})
        );
        body[1] = b'9';
        assert!(to_json(&body).is_err());
    }
}
