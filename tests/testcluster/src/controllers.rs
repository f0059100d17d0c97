//! The controllers whose effects the plugin observes, run synchronously after
//! every write so that tests are deterministic: the namespace controller
//! (content deletion and the five status conditions, apiserver-semantics.md §7.4),
//! the garbage collector's `foregroundDeletion`/`orphan` handling and background
//! cascade (§2.4), and the CRD finalizer `customresourcecleanup`.
//!
//! Controllers that the scenarios model as absent or broken (an operator, the
//! PVC-protection controller) are deliberately not reproduced.

use crate::object::{self, format_time, is_terminating, meta_str};
use crate::store::{DeleteOptions, ObjKey, Store, Target, CRD_CLEANUP, FOREGROUND, ORPHAN};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Runs every controller until nothing changes (bounded).
pub fn reconcile(store: &mut Store) {
    for _ in 0..16 {
        let mut changed = false;
        changed |= crd_cleanup(store);
        changed |= garbage_collect(store);
        changed |= namespaces(store);
        if !changed {
            return;
        }
    }
}

fn background() -> DeleteOptions {
    DeleteOptions {
        propagation: Some("Background".into()),
        ..Default::default()
    }
}

/// Deletes one stored object as a controller would (errors are ignored: the
/// object may already be gone).
fn delete_key(store: &mut Store, key: &ObjKey, opts: &DeleteOptions) -> bool {
    let Some(res) = store.resource_by_gr(&key.0, &key.1) else {
        return false;
    };
    let before = store.objects.get(key).cloned();
    let _ = store.delete(&res, &key.2, &key.3, opts);
    store.objects.get(key) != before.as_ref()
}

fn remove_finalizer(store: &mut Store, key: &ObjKey, finalizer: &str) -> bool {
    let Some(res) = store.resource_by_gr(&key.0, &key.1) else {
        return false;
    };
    let Some(obj) = store.objects.get(key) else {
        return false;
    };
    let mut new = obj.clone();
    let list: Vec<String> = object::finalizers(obj)
        .into_iter()
        .filter(|f| f != finalizer)
        .collect();
    object::set_finalizers(&mut new, &list);
    let body = serde_json::to_vec(&new).expect("serializable");
    store
        .update(&Target::new(&res, &key.2, &key.3, None), &body, false)
        .is_ok()
}

/// Removes one owner reference, as the garbage collector's orphaning does.
fn drop_owner(store: &mut Store, key: &ObjKey, uid: &str) -> bool {
    let Some(res) = store.resource_by_gr(&key.0, &key.1) else {
        return false;
    };
    let Some(obj) = store.objects.get(key) else {
        return false;
    };
    let mut new = obj.clone();
    let mut refs = new["metadata"]["ownerReferences"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    refs.retain(|r| r["uid"] != uid);
    new["metadata"]["ownerReferences"] = Value::Array(refs);
    let body = serde_json::to_vec(&new).expect("serializable");
    store
        .update(&Target::new(&res, &key.2, &key.3, None), &body, false)
        .is_ok()
}

fn crd_cleanup(store: &mut Store) -> bool {
    let terminating: Vec<(ObjKey, String, String)> = store
        .entries_of("apiextensions.k8s.io", "customresourcedefinitions")
        .filter(|(_, o)| {
            is_terminating(o) && object::finalizers(o).iter().any(|f| f == CRD_CLEANUP)
        })
        .map(|(k, o)| {
            (
                k.clone(),
                o["spec"]["group"].as_str().unwrap_or_default().to_string(),
                o["spec"]["names"]["plural"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    let mut changed = false;
    for (crd, group, plural) in terminating {
        let instances: Vec<ObjKey> = store
            .objects
            .keys()
            .filter(|(g, p, _, _)| *g == group && *p == plural)
            .cloned()
            .collect();
        for k in &instances {
            if !store.objects.get(k).is_some_and(is_terminating) {
                changed |= delete_key(store, k, &background());
            }
        }
        if !store
            .objects
            .keys()
            .any(|(g, p, _, _)| *g == group && *p == plural)
        {
            changed |= remove_finalizer(store, &crd, CRD_CLEANUP);
        } else {
            changed |= crd_condition(
                store,
                &crd,
                "InstanceDeletionInProgress",
                "CustomResource deletion is in progress",
            );
        }
    }
    changed
}

/// Writes the CRD's Terminating condition through `/status`, once.
fn crd_condition(store: &mut Store, key: &ObjKey, reason: &str, message: &str) -> bool {
    let Some(res) = store.resource_by_gr(&key.0, &key.1) else {
        return false;
    };
    let Some(crd) = store.objects.get(key) else {
        return false;
    };
    let done = crd["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Terminating" && c["reason"] == reason);
    if done {
        return false;
    }
    let mut new = crd.clone();
    crate::store::set_crd_terminating(&mut new, "True", reason, message);
    let body = serde_json::to_vec(&new).expect("serializable");
    store
        .update(&Target::new(&res, "", &key.3, Some("status")), &body, false)
        .is_ok()
}

fn owned_by(obj: &Value, uid: &str) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["uid"] == uid)
}

fn garbage_collect(store: &mut Store) -> bool {
    let mut changed = false;
    let owners: Vec<(ObjKey, String, bool, bool)> = store
        .objects
        .iter()
        .filter(|(_, o)| is_terminating(o))
        .map(|(k, o)| {
            let f = object::finalizers(o);
            (
                k.clone(),
                object::uid(o).to_string(),
                f.iter().any(|x| x == FOREGROUND),
                f.iter().any(|x| x == ORPHAN),
            )
        })
        .filter(|(_, _, fg, orphan)| *fg || *orphan)
        .collect();
    for (owner, uid, foreground, orphan) in owners {
        let dependents: Vec<ObjKey> = store
            .objects
            .iter()
            .filter(|(_, o)| owned_by(o, &uid))
            .map(|(k, _)| k.clone())
            .collect();
        if orphan {
            for k in &dependents {
                changed |= drop_owner(store, k, &uid);
            }
            changed |= remove_finalizer(store, &owner, ORPHAN);
            continue;
        }
        if foreground {
            for k in &dependents {
                if !store.objects.get(k).is_some_and(is_terminating) {
                    changed |= delete_key(store, k, &background());
                }
            }
            let blocking = store.objects.values().any(|o| {
                o["metadata"]["ownerReferences"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|r| r["uid"] == uid.as_str() && r["blockOwnerDeletion"] == true)
            });
            if !blocking {
                changed |= remove_finalizer(store, &owner, FOREGROUND);
            }
        }
    }
    // Background cascade: dependents whose every owner was removed.
    let orphans: Vec<ObjKey> = store
        .objects
        .iter()
        .filter(|(_, o)| !is_terminating(o))
        .filter(|(_, o)| {
            let refs = o["metadata"]["ownerReferences"].as_array();
            refs.is_some_and(|r| {
                !r.is_empty()
                    && r.iter().all(|r| {
                        store
                            .removed_uids
                            .contains(r["uid"].as_str().unwrap_or_default())
                    })
            })
        })
        .map(|(k, _)| k.clone())
        .collect();
    for k in orphans {
        changed |= delete_key(store, &k, &background());
    }
    changed
}

/// The namespace controller's conditions, in the order it writes them.
fn conditions(
    discovery_failure: Option<String>,
    remaining: &BTreeMap<String, usize>,
    finalizers: &BTreeMap<String, usize>,
) -> Vec<(&'static str, bool, &'static str, String)> {
    let join = |m: &BTreeMap<String, usize>, f: &dyn Fn(&String, &usize) -> String| {
        m.iter()
            .map(|(k, v)| f(k, v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        match discovery_failure {
            Some(msg) => (
                "NamespaceDeletionDiscoveryFailure",
                true,
                "DiscoveryFailed",
                msg,
            ),
            None => (
                "NamespaceDeletionDiscoveryFailure",
                false,
                "ResourcesDiscovered",
                "All resources successfully discovered".into(),
            ),
        },
        (
            "NamespaceDeletionGroupVersionParsingFailure",
            false,
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed".into(),
        ),
        (
            "NamespaceDeletionContentFailure",
            false,
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization".into(),
        ),
        if remaining.is_empty() {
            (
                "NamespaceContentRemaining",
                false,
                "ContentRemoved",
                "All content successfully removed".into(),
            )
        } else {
            (
                "NamespaceContentRemaining",
                true,
                "SomeResourcesRemain",
                format!(
                    "Some resources are remaining: {}",
                    join(remaining, &|k, v| format!("{k} has {v} resource instances"))
                ),
            )
        },
        if finalizers.is_empty() {
            (
                "NamespaceFinalizersRemaining",
                false,
                "ContentHasNoFinalizers",
                "All content-preserving finalizers finished".into(),
            )
        } else {
            (
                "NamespaceFinalizersRemaining",
                true,
                "SomeFinalizersRemain",
                format!(
                    "Some content in the namespace has finalizers remaining: {}",
                    join(finalizers, &|k, v| format!("{k} in {v} resource instances"))
                ),
            )
        },
    ]
}

fn namespaces(store: &mut Store) -> bool {
    let terminating: Vec<String> = store
        .entries_of("", "namespaces")
        .filter(|(_, o)| is_terminating(o))
        .map(|((_, _, _, n), _)| n.clone())
        .collect();
    let unavailable = store.unavailable_group_versions();
    let discovery_failure = (!unavailable.is_empty()).then(|| {
        let failing: Vec<String> = unavailable
            .iter()
            .map(|(g, v)| format!("{g}/{v}: stale GroupVersion discovery: {g}/{v}"))
            .collect();
        format!(
            "Discovery failed for some groups, {} failing: unable to retrieve the complete list of server APIs: {}",
            unavailable.len(),
            failing.join(", ")
        )
    });
    let mut changed = false;
    for ns in terminating {
        let content: Vec<ObjKey> = store
            .objects
            .keys()
            .filter(|(_, _, n, _)| *n == ns)
            .cloned()
            .collect();
        for k in &content {
            if !store.objects.get(k).is_some_and(is_terminating) {
                changed |= delete_key(store, k, &background());
            }
        }
        let mut remaining: BTreeMap<String, usize> = BTreeMap::new();
        let mut finalizers: BTreeMap<String, usize> = BTreeMap::new();
        for ((g, p, n, _), o) in &store.objects {
            if *n != ns {
                continue;
            }
            *remaining.entry(format!("{p}.{g}")).or_default() += 1;
            for f in object::finalizers(o) {
                *finalizers.entry(f).or_default() += 1;
            }
        }
        let key: ObjKey = (
            String::new(),
            "namespaces".into(),
            String::new(),
            ns.clone(),
        );
        let Some(current) = store.objects.get(&key).cloned() else {
            continue;
        };
        let now = format_time(object::now());
        let old_conditions = current["status"]["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let new_conditions: Vec<Value> = conditions(discovery_failure.clone(), &remaining, &finalizers)
            .into_iter()
            .map(|(t, s, reason, message)| {
                let status = if s { "True" } else { "False" };
                let since = old_conditions
                    .iter()
                    .find(|c| c["type"] == t && c["status"] == status)
                    .and_then(|c| c["lastTransitionTime"].as_str())
                    .unwrap_or(&now)
                    .to_string();
                json!({"type": t, "status": status, "lastTransitionTime": since, "reason": reason, "message": message})
            })
            .collect();
        let mut updated = current.clone();
        updated["status"] = json!({"phase": "Terminating", "conditions": new_conditions});
        let done = remaining.is_empty() && discovery_failure.is_none();
        if done {
            let spec: Vec<String> = object::spec_finalizers(&updated)
                .into_iter()
                .filter(|f| f != "kubernetes")
                .collect();
            updated["spec"] = if spec.is_empty() {
                json!({})
            } else {
                json!({"finalizers": spec})
            };
        }
        if updated == current {
            continue;
        }
        changed = true;
        let res = store
            .resource_by_gr("", "namespaces")
            .expect("namespaces are served");
        updated["metadata"]["resourceVersion"] = Value::Null;
        let body = serde_json::to_vec(&updated).expect("serializable");
        let _ = store.update(&Target::new(&res, "", &ns, Some("status")), &body, false);
        if done {
            let _ = store.update(&Target::new(&res, "", &ns, Some("finalize")), &body, false);
            if object::spec_finalizers(&updated).is_empty() && store.objects.contains_key(&key) {
                let uid = meta_str(&updated, "uid").to_string();
                let _ = store.delete(
                    &res,
                    "",
                    &ns,
                    &DeleteOptions {
                        precondition_uid: Some(uid),
                        ..Default::default()
                    },
                );
            }
        }
    }
    changed
}
