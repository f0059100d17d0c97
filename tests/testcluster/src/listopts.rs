//! ListOptions of a list or a watch: which revision to read at, paging, and the
//! validation errors kube-apiserver returns for impossible combinations
//! (apiserver-semantics-2.md §13.1, §14.1–§14.4).

use crate::status::{self, ApiError, FieldError};
use base64::Engine;
use serde_json::json;
use std::collections::BTreeMap;

/// The revision a list is read at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReadAt {
    /// `resourceVersion` unset: the most recent state.
    Latest,
    /// `resourceVersion=0`: any state; served from the watch cache, which
    /// ignores `limit`.
    Any,
    /// Exactly this revision (`Exact`, or `limit` with a revision).
    Exact(u64),
    /// This revision or newer (`NotOlderThan`, or a revision without `limit`).
    NotOlderThan(u64),
    /// A continue token's revision (`None`: the latest, after an expiry).
    Continue(Option<u64>),
}

/// Where a continued list resumes: after this namespace and name.
pub type Start = (String, String);

#[derive(Debug)]
pub struct ListOptions {
    pub at: ReadAt,
    pub limit: usize,
    pub start: Option<Start>,
}

fn list_invalid(field: &str, reason: &'static str, body: &str) -> ApiError {
    status::invalid(
        "meta.k8s.io",
        "ListOptions",
        "",
        &[FieldError {
            reason,
            field: field.into(),
            body: body.into(),
        }],
    )
}

/// `resourceVersion` as a number; text that is not one is a 400 on lists.
fn parse_rv(rv: &str) -> Result<u64, ApiError> {
    rv.parse().map_err(|_| {
        status::bad_request(format!(
            "invalid resource version: resourceVersion: Invalid value: {rv:?}: strconv.ParseUint: parsing {rv:?}: invalid syntax"
        ))
    })
}

/// Query booleans as Go decodes them: only `0` and `false` are false.
pub fn query_bool(query: &BTreeMap<String, String>, key: &str) -> bool {
    query
        .get(key)
        .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"))
}

impl ListOptions {
    /// Validates and reads the options of a list (not a watch).
    pub fn for_list(query: &BTreeMap<String, String>) -> Result<ListOptions, ApiError> {
        let rv = query.get("resourceVersion").map(String::as_str);
        let rv = rv.filter(|v| !v.is_empty());
        let matching = query
            .get("resourceVersionMatch")
            .map(String::as_str)
            .filter(|m| !m.is_empty());
        let token = query.get("continue").filter(|c| !c.is_empty()).cloned();
        if query.contains_key("sendInitialEvents") {
            return Err(list_invalid(
                "sendInitialEvents",
                "FieldValueForbidden",
                "Forbidden: sendInitialEvents is forbidden for list",
            ));
        }
        if let Some(m) = matching {
            if token.is_some() {
                return Err(list_invalid(
                    "resourceVersionMatch",
                    "FieldValueForbidden",
                    "Forbidden: resourceVersionMatch is forbidden when continue is provided",
                ));
            }
            if rv.is_none() {
                return Err(list_invalid(
                    "resourceVersionMatch",
                    "FieldValueForbidden",
                    "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
                ));
            }
            if m != "Exact" && m != "NotOlderThan" {
                return Err(list_invalid(
                    "resourceVersionMatch",
                    "FieldValueNotSupported",
                    &format!("Unsupported value: {m:?}: supported values: \"Exact\", \"NotOlderThan\", \"\""),
                ));
            }
            if m == "Exact" && rv == Some("0") {
                return Err(list_invalid(
                    "resourceVersionMatch",
                    "FieldValueForbidden",
                    "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                ));
            }
        }
        let limit: usize = match query.get("limit").filter(|l| !l.is_empty()) {
            Some(l) => l
                .parse::<i64>()
                .map(|n| n.max(0) as usize)
                .map_err(|_| status::bad_request(format!("invalid limit {l:?}")))?,
            None => 0,
        };
        if let Some(token) = token {
            if rv.is_some_and(|v| v != "0") {
                return Err(status::bad_request(
                    "specifying resource version is not allowed when using continue",
                ));
            }
            let (token_rv, start) = decode_continue(&token)?;
            return Ok(ListOptions {
                at: ReadAt::Continue(token_rv),
                limit,
                start: Some(start),
            });
        }
        let at = match (rv, matching) {
            (None, _) => ReadAt::Latest,
            (Some("0"), _) => ReadAt::Any,
            (Some(v), Some("Exact")) => ReadAt::Exact(parse_rv(v)?),
            (Some(v), Some(_)) => ReadAt::NotOlderThan(parse_rv(v)?),
            (Some(v), None) if limit > 0 => ReadAt::Exact(parse_rv(v)?),
            (Some(v), None) => ReadAt::NotOlderThan(parse_rv(v)?),
        };
        Ok(ListOptions {
            at,
            limit,
            start: None,
        })
    }
}

/// Validates the options of a watch; the WatchList feature gate is off on the
/// 1.31 server this cluster presents, so `sendInitialEvents` is refused (§13.1).
pub fn check_watch(query: &BTreeMap<String, String>) -> Result<(), ApiError> {
    let matching = query.get("resourceVersionMatch").filter(|m| !m.is_empty());
    if query.contains_key("sendInitialEvents") {
        if matching.is_none_or(|m| m != "NotOlderThan") {
            return Err(list_invalid(
                "resourceVersionMatch",
                "FieldValueForbidden",
                "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            ));
        }
        return Err(list_invalid(
            "sendInitialEvents",
            "FieldValueForbidden",
            "Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        ));
    }
    if matching.is_some() {
        return Err(list_invalid(
            "resourceVersionMatch",
            "FieldValueForbidden",
            "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        ));
    }
    Ok(())
}

/// The watch cache's answer to a revision it has not reached (§14.3).
pub fn too_large(requested: u64, current: u64, retry: bool) -> ApiError {
    let mut details = json!({"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}]});
    if retry {
        details["retryAfterSeconds"] = json!(1);
    }
    ApiError::Status(
        504,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("Timeout: Too large resource version: {requested}, current: {current}"),
            "reason": "Timeout", "details": details, "code": 504}),
    )
}

/// A list at a compacted revision (§14.4).
pub fn too_old_list() -> ApiError {
    ApiError::Status(
        410,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "The resourceVersion for the provided list is too old.",
            "reason": "Expired", "code": 410}),
    )
}

/// A continue token at a compacted revision, with a fresh token that lists the
/// rest at the latest revision (§6.2, §14.4).
pub fn expired_continue(start: &Start) -> ApiError {
    let message = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";
    ApiError::Status(
        410,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {"continue": encode_continue(-1, &start.0, &start.1)},
            "status": "Failure", "message": message, "reason": "Expired", "code": 410}),
    )
}

/// `{"v":"meta.k8s.io/v1","rv":<rv>,"start":"<ns>/<name>\0"}`, base64url unpadded (§14.1).
pub fn encode_continue(rv: i64, ns: &str, name: &str) -> String {
    let raw = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{ns}/{name}\u{0}")});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.to_string())
}

/// The revision (`None`: latest) and start key of a continue token.
pub fn decode_continue(token: &str) -> Result<(Option<u64>, Start), ApiError> {
    let bad = |why: &str| {
        status::bad_request(format!(
            "invalid continue token: continue key is not valid: {why}"
        ))
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|e| bad(&e.to_string()))?;
    let v: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| bad(&e.to_string()))?;
    if v["v"] != "meta.k8s.io/v1" {
        return Err(bad("server does not recognize this encoded version"));
    }
    let rv = v["rv"].as_i64().unwrap_or(0);
    if rv == 0 || rv < -1 {
        return Err(bad(
            "incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        ));
    }
    let start = v["start"].as_str().unwrap_or_default();
    if start.is_empty() {
        return Err(bad("encoded start key empty (version meta.k8s.io/v1)"));
    }
    let start = start.trim_end_matches('\u{0}');
    let (ns, name) = start.split_once('/').unwrap_or(("", start));
    let rv = u64::try_from(rv).ok();
    Ok((rv, (ns.to_string(), name.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn impossible_combinations_are_refused_as_kube_apiserver_refuses_them() {
        let e = ListOptions::for_list(&q(&[("resourceVersionMatch", "NotOlderThan")])).unwrap_err();
        assert_eq!(e.code(), 422);
        let token = encode_continue(1000, "ns", "a");
        let e = ListOptions::for_list(&q(&[("continue", &token), ("resourceVersion", "5")]))
            .unwrap_err();
        assert_eq!(e.code(), 400);
        let ok =
            ListOptions::for_list(&q(&[("continue", &token), ("resourceVersion", "0")])).unwrap();
        assert_eq!(ok.at, ReadAt::Continue(Some(1000)));
        assert_eq!(ok.start, Some(("ns".into(), "a".into())));
        let e = ListOptions::for_list(&q(&[("resourceVersion", "abc")])).unwrap_err();
        assert_eq!(e.code(), 400);
        assert!(check_watch(&q(&[
            ("sendInitialEvents", "true"),
            ("resourceVersionMatch", "NotOlderThan")
        ]))
        .is_err());
    }
}
