//! Admission webhooks as clients see them (apiserver-semantics-2.md §18): which
//! writes a Validating/MutatingWebhookConfiguration intercepts, and what the
//! write gets when the webhook cannot be called (500, or nothing with
//! `failurePolicy: Ignore`), when it denies, and on dry-run.
//!
//! No webhook is really called. A webhook whose Service has a ready endpoint
//! allows; one whose Service is missing or has no ready endpoint cannot be
//! called (the messages of an API server with aggregator routing). Two
//! annotations on a configuration model the other outcomes:
//! `testcluster.local/webhook-error: <text>` (the call fails with that text)
//! and `testcluster.local/webhook-denies: <message>` (the webhook denies).

use crate::selector::LabelSelector;
use crate::status::ApiError;
use crate::store::Store;
use serde_json::{json, Value};

/// The write being admitted.
pub struct Request<'a> {
    /// `CREATE`, `UPDATE` or `DELETE`.
    pub operation: &'a str,
    pub group: &'a str,
    pub version: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    pub namespace: &'a str,
    pub namespaced: bool,
    /// Labels of the object before and after (either may be null).
    pub old_labels: Value,
    pub new_labels: Value,
    pub dry_run: bool,
}

fn matches_str(list: &Value, want: &str) -> bool {
    list.as_array()
        .into_iter()
        .flatten()
        .any(|v| v == "*" || v == want)
}

/// `rules[].resources` against a resource and subresource (§18.1).
fn matches_resource(list: &Value, resource: &str, sub: &str) -> bool {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|r| {
            let (res, rsub) = r.split_once('/').unwrap_or((r, ""));
            (res == "*" || res == resource)
                && (rsub == sub || rsub == "*" && !sub.is_empty() || (rsub == "*" && res == "*"))
        })
}

fn rule_matches(rule: &Value, req: &Request, exact: bool) -> bool {
    let scope = rule["scope"].as_str().unwrap_or("*");
    let is_ns = req.group.is_empty() && req.resource == "namespaces";
    let scope_ok = match scope {
        "Namespaced" => req.namespaced,
        "Cluster" => !req.namespaced || is_ns,
        _ => true,
    };
    scope_ok
        && matches_str(&rule["operations"], req.operation)
        && matches_str(&rule["apiGroups"], req.group)
        && (!exact || matches_str(&rule["apiVersions"], req.version))
        && matches_resource(&rule["resources"], req.resource, req.subresource)
}

/// A `metav1.LabelSelector` as the selector syntax the store parses.
fn selector(v: &Value) -> Option<LabelSelector> {
    let mut parts: Vec<String> = Vec::new();
    for (k, val) in v["matchLabels"].as_object().into_iter().flatten() {
        parts.push(format!("{k}={}", val.as_str().unwrap_or_default()));
    }
    for e in v["matchExpressions"].as_array().into_iter().flatten() {
        let key = e["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = e["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        parts.push(match e["operator"].as_str().unwrap_or_default() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            _ => format!("!{key}"),
        });
    }
    LabelSelector::parse(&parts.join(",")).ok()
}

fn selector_matches(sel: &Value, labels: &Value) -> bool {
    sel.is_null() || selector(sel).is_some_and(|s| s.matches(labels))
}

fn namespace_labels(store: &Store, name: &str) -> Value {
    store
        .objects
        .get(&(
            String::new(),
            "namespaces".into(),
            String::new(),
            name.into(),
        ))
        .map(|n| n["metadata"]["labels"].clone())
        .unwrap_or(Value::Null)
}

fn should_call(store: &Store, hook: &Value, req: &Request) -> bool {
    let exact = hook["matchPolicy"] == "Exact";
    if !hook["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| rule_matches(r, req, exact))
    {
        return false;
    }
    let is_ns = req.group.is_empty() && req.resource == "namespaces";
    let ns_labels = if is_ns {
        Some(req.new_labels.clone())
            .filter(|l| !l.is_null())
            .unwrap_or(req.old_labels.clone())
    } else if req.namespaced {
        namespace_labels(store, req.namespace)
    } else {
        Value::Null
    };
    let ns_ok =
        (!req.namespaced && !is_ns) || selector_matches(&hook["namespaceSelector"], &ns_labels);
    let obj_ok = selector_matches(&hook["objectSelector"], &req.old_labels)
        || selector_matches(&hook["objectSelector"], &req.new_labels);
    ns_ok && obj_ok
}

/// Why the webhook's Service cannot be called, if it cannot.
fn unreachable(store: &Store, service: &Value) -> Option<String> {
    let ns = service["namespace"].as_str().unwrap_or_default();
    let name = service["name"].as_str().unwrap_or_default();
    let svc_key = (
        String::new(),
        "services".to_string(),
        ns.to_string(),
        name.to_string(),
    );
    if !store.objects.contains_key(&svc_key) {
        return Some(format!("service {name:?} not found"));
    }
    let ready_slice = store
        .objects
        .iter()
        .filter(|((g, p, n, _), _)| g == "discovery.k8s.io" && p == "endpointslices" && n == ns)
        .filter(|(_, s)| s["metadata"]["labels"]["kubernetes.io/service-name"] == name)
        .flat_map(|(_, s)| s["endpoints"].as_array().cloned().unwrap_or_default())
        .any(|e| e["conditions"]["ready"] != false);
    let ready_endpoints = store
        .objects
        .get(&(String::new(), "endpoints".into(), ns.into(), name.into()))
        .is_some_and(|e| {
            e["subsets"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s["addresses"].as_array().is_some_and(|a| !a.is_empty()))
        });
    (!ready_slice && !ready_endpoints)
        .then(|| format!("no endpoints available for service {name:?}"))
}

/// The URL the API server would POST to.
fn url(hook: &Value) -> String {
    let timeout = hook["timeoutSeconds"].as_u64().unwrap_or(10);
    let cc = &hook["clientConfig"];
    match cc["url"].as_str() {
        Some(u) => format!("{u}?timeout={timeout}s"),
        None => {
            let s = &cc["service"];
            format!(
                "https://{}.{}.svc:{}{}?timeout={timeout}s",
                s["name"].as_str().unwrap_or_default(),
                s["namespace"].as_str().unwrap_or_default(),
                s["port"].as_u64().unwrap_or(443),
                s["path"].as_str().unwrap_or_default()
            )
        }
    }
}

/// `NewInternalError` of a failed call (§18.2).
fn calling_error(name: &str, cause: &str) -> ApiError {
    let text = format!("failed calling webhook {name:?}: {cause}");
    ApiError::Status(
        500,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("Internal error occurred: {text}"), "reason": "InternalError",
            "details": {"causes": [{"message": text}]}, "code": 500}),
    )
}

/// Calls (as far as the test cluster can tell) one webhook.
fn call(store: &Store, config: &Value, hook: &Value, req: &Request) -> Result<(), ApiError> {
    let name = hook["name"].as_str().unwrap_or_default();
    let ignore = hook["failurePolicy"] == "Ignore";
    if req.dry_run {
        match hook["sideEffects"].as_str() {
            Some("None") | Some("NoneOnDryRun") => {}
            Some(_) => {
                return Err(ApiError::Status(
                    400,
                    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": format!("admission webhook {name:?} does not support dry run"),
                        "reason": "BadRequest", "code": 400}),
                ))
            }
            None if ignore => return Ok(()),
            None => return Err(calling_error(name, "Webhook SideEffects is nil")),
        }
    }
    let annotations = &config["metadata"]["annotations"];
    let failure = annotations["testcluster.local/webhook-error"]
        .as_str()
        .map(String::from)
        .or_else(|| {
            let service = &hook["clientConfig"]["service"];
            if service.is_null() {
                None
            } else {
                unreachable(store, service)
            }
        });
    if let Some(why) = failure {
        if ignore {
            return Ok(());
        }
        let cause = format!("failed to call webhook: Post {:?}: {why}", url(hook));
        return Err(calling_error(name, &cause));
    }
    if let Some(message) = annotations["testcluster.local/webhook-denies"].as_str() {
        return Err(ApiError::Status(
            400,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": format!("admission webhook {name:?} denied the request: {message}"), "code": 400}),
        ));
    }
    Ok(())
}

/// Runs the mutating webhooks, then the validating ones; the first error wins.
pub fn admit(store: &Store, req: &Request) -> Result<(), ApiError> {
    // Webhook configurations themselves are never sent to webhooks.
    if req.group == "admissionregistration.k8s.io" {
        return Ok(());
    }
    for plural in [
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
    ] {
        let configs = store
            .objects
            .iter()
            .filter(|((g, p, _, _), _)| g == "admissionregistration.k8s.io" && p == plural);
        for (_, config) in configs {
            for hook in config["webhooks"].as_array().into_iter().flatten() {
                if should_call(store, hook, req) {
                    call(store, config, hook, req)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_match_as_rules_say() {
        let r = json!(["widgets"]);
        assert!(matches_resource(&r, "widgets", ""));
        assert!(!matches_resource(&r, "widgets", "status"));
        assert!(matches_resource(&json!(["*"]), "widgets", ""));
        assert!(!matches_resource(&json!(["*"]), "widgets", "status"));
        assert!(matches_resource(&json!(["*/*"]), "widgets", "status"));
        assert!(matches_resource(&json!(["widgets/*"]), "widgets", "status"));
        assert!(matches_resource(
            &json!(["namespaces/finalize"]),
            "namespaces",
            "finalize"
        ));
    }
}
